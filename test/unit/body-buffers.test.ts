import { describe, expect, it } from 'vitest';
import { BodyBuffers, MIN_REUSED_BYTES } from '../../activities/store/body-buffers';

describe('BodyBuffers', () => {
  const MB = 1 << 20;

  it('lends large bodies of the exact length and fills them again once given back', () => {
    const bodies = new BodyBuffers(2);
    const a = bodies.lend(5 * MB + 123)!;
    expect(a.length).toBe(5 * MB + 123);
    bodies.giveBack(a);
    expect(bodies.kept).toBe(1);
    // A slightly different size fits the same memory (capacity is rounded up to a MB).
    const b = bodies.lend(5 * MB + 999)!;
    expect(b.length).toBe(5 * MB + 999);
    expect(b.buffer).toBe(a.buffer);
    expect(bodies.kept).toBe(0);
  });

  it('lets go of its free buffers on request, and lends anew after', () => {
    const bodies = new BodyBuffers(3);
    const a = bodies.lend(2 * MB)!;
    const lent = bodies.lend(2 * MB)!;
    bodies.giveBack(a);
    expect(bodies.kept).toBe(1);
    bodies.dropFree();
    expect(bodies.kept).toBe(0);
    expect(bodies.lend(2 * MB)!.buffer).not.toBe(a.buffer);
    // A body still lent when the free ones went is taken back as usual.
    bodies.giveBack(lent);
    expect(bodies.kept).toBe(1);
  });

  it('leaves small bodies to ordinary allocation', () => {
    const bodies = new BodyBuffers();
    expect(bodies.lend(MIN_REUSED_BYTES - 1)).toBeUndefined();
    expect(bodies.lend(0)).toBeUndefined();
    expect(bodies.lend(Number.NaN)).toBeUndefined();
    expect(bodies.lend(MIN_REUSED_BYTES)?.length).toBe(MIN_REUSED_BYTES);
  });

  it('never lends one buffer twice: a second give-back, or a foreign buffer, is ignored', () => {
    const bodies = new BodyBuffers(4);
    const a = bodies.lend(2 * MB)!;
    bodies.giveBack(a);
    bodies.giveBack(a);
    bodies.giveBack(Buffer.alloc(2 * MB));
    bodies.giveBack(a.subarray(0, MB)); // a view it did not hand out
    expect(bodies.kept).toBe(1);
    const b = bodies.lend(2 * MB)!;
    const c = bodies.lend(2 * MB)!;
    expect(b.buffer).toBe(a.buffer);
    expect(c.buffer).not.toBe(a.buffer);
  });

  it('keeps at most `keep` free buffers, the smallest that fits is lent first', () => {
    const bodies = new BodyBuffers(2);
    const lent = [bodies.lend(3 * MB)!, bodies.lend(2 * MB)!, bodies.lend(4 * MB)!];
    for (const b of lent) bodies.giveBack(b);
    expect(bodies.kept).toBe(2);
    expect(bodies.lend(2 * MB)!.buffer).toBe(lent[1]!.buffer);
    expect(bodies.lend(2 * MB)!.buffer).toBe(lent[0]!.buffer);
  });

  it('a shorter view handed out in a body’s place gives back the body it came from', () => {
    const bodies = new BodyBuffers();
    const a = bodies.lend(2 * MB)!;
    const short = a.subarray(0, MB + 5);
    bodies.lendAs(a, short);
    bodies.giveBack(a); // no longer the lent view
    expect(bodies.kept).toBe(0);
    bodies.giveBack(short);
    expect(bodies.kept).toBe(1);
  });
});
