import v8 from 'node:v8';
import vm from 'node:vm';

// The reduce parses hundreds of partials of ~300 KB each. Strings that large live in V8's
// large-object space, which only a full collection frees, and V8 lets a heap far below its limit
// grow a long way before running one. Measured on a 1M-status day: the worker's main heap went
// from ~100 to ~300 MB during the reduce, nearly all of it garbage, and that was the worker's
// peak RSS. A full collection whenever the heap has grown by a set amount since the last keeps
// it near its live size, at a cost of tens of ms each.

type GcFn = (options?: { type: 'major'; execution: 'async' }) => Promise<void> | undefined;
let collect: GcFn | undefined;

/** V8's `gc`, exposed to a fresh context only, then hidden again. */
function gcFunction(): GcFn {
  // The flag is process-wide: a map thread hiding it again between this thread's two steps
  // leaves the fresh context without `gc` (a ReferenceError); the next try finds it.
  for (let attempt = 1; !collect; attempt++) {
    v8.setFlagsFromString('--expose-gc');
    try {
      collect = vm.runInNewContext('gc') as GcFn;
    } catch (err) {
      if (attempt >= 3) throw err;
    } finally {
      v8.setFlagsFromString('--no-expose-gc');
    }
  }
  return collect;
}

/** A full, synchronous collection. */
function fullCollection(): void {
  gcFunction()();
}

/**
 * A full collection of this thread's heap as a task of its own (returns at once; the collection
 * runs when the event loop next takes a task), for a moment the thread would otherwise wait.
 */
export function collectWhenIdle(): void {
  void gcFunction()({ type: 'major', execution: 'async' })?.catch(() => undefined);
}

const usedHeap = (): number => v8.getHeapStatistics().used_heap_size;

export class HeapGuard {
  private floor = usedHeap();
  /** Full collections run so far (for tests and logs). */
  collections = 0;

  constructor(private readonly growthBytes = 32 * 1024 * 1024) {}

  /** Collects when the heap grew by more than `growthBytes` since the last collection (or start). */
  check(): void {
    if (usedHeap() - this.floor <= this.growthBytes) return;
    fullCollection();
    this.collections++;
    this.floor = usedHeap();
  }
}
