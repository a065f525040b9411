// Reusable buffers for large response bodies (raw segments, ~5 MB each) in a map thread.
//
// V8 counts native memory that ArrayBuffers allocated since the last full collection against the
// old generation's limit. A map thread's heap is capped small (map-pool.ts), so each new 5 MB
// segment buffer, held while its pages are mapped and thus promoted, pushed the heap over its
// limit: a mark-compact about once a segment (75 over a 300k-status day, two threads), whose
// concurrent marking ran on V8's platform threads at ~3.5 CPU-s, a quarter of the worker's CPU
// during the map. Buffers handed back here are filled again by the next segment, so the native
// memory stays allocated once and full collections come from the heap's own growth.

/** Bodies smaller than this are left to ordinary allocation (a page is ~85 KB). */
export const MIN_REUSED_BYTES = 1 << 20;
/** Capacity is rounded up to this, so segments of slightly different sizes fit one buffer. */
const CAPACITY_STEP = 1 << 20;

export class BodyBuffers {
  /** Buffers not lent, by capacity (a few; a thread holds at most ~3 segments at once). */
  private readonly free: Buffer[] = [];
  /**
   * The whole buffers lent out, by the body views handed out (only these are taken back). Weak:
   * a body never given back (its read failed, its part was abandoned) is simply collected.
   */
  private readonly lent = new WeakMap<Buffer, Buffer>();

  /** @param keep free buffers kept for reuse; more are left to the garbage collector. */
  constructor(private readonly keep = 3) {}

  /**
   * A buffer of exactly `length` bytes to fill, reused when one is free; undefined below
   * MIN_REUSED_BYTES (allocate it the ordinary way).
   */
  lend(length: number): Buffer | undefined {
    if (!(Number.isSafeInteger(length) && length >= MIN_REUSED_BYTES)) return undefined;
    let i = -1;
    for (let j = 0; j < this.free.length; j++)
      if (this.free[j]!.length >= length && (i < 0 || this.free[j]!.length < this.free[i]!.length)) i = j;
    const whole =
      i >= 0 ? this.free.splice(i, 1)[0]! : Buffer.allocUnsafeSlow(Math.ceil(length / CAPACITY_STEP) * CAPACITY_STEP);
    const body = whole.subarray(0, length);
    this.lent.set(body, whole);
    return body;
  }

  /**
   * Takes back a body once nothing reads it any more. Anything else (a small body, one lent by
   * another pool, one already given back) is ignored: it is garbage-collected as usual.
   */
  giveBack(body: Buffer): void {
    const whole = this.lent.get(body);
    if (!whole) return;
    this.lent.delete(body);
    if (this.free.length < this.keep) this.free.push(whole);
  }

  /**
   * A view of `body` handed out in its place (e.g. a shorter read): giving the view back gives
   * back the body it came from.
   */
  lendAs(body: Buffer, view: Buffer): void {
    const whole = this.lent.get(body);
    if (!whole || view === body) return;
    this.lent.delete(body);
    this.lent.set(view, whole);
  }

  /** Lets go of the free buffers (a thread going idle gives their native memory back). */
  dropFree(): void {
    this.free.length = 0;
  }

  /** Free buffers kept (for tests). */
  get kept(): number {
    return this.free.length;
  }
}
