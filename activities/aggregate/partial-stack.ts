import { compactIds, type CombinedPartial, type IdColumn, mergeIdColumns, mergePartials } from '../../domain/metrics';
import { HeapGuard } from './heap-guard';

// The reduce's merge of a day's map parts, shared by the reduce itself and by the worker that
// merges parts ahead of it while they are mapped (merged-ahead.ts).
//
// Parts are merged as they arrive, pairing equal-sized merges (a binary counter): O(log n)
// partials in memory and each status ID copied O(log n) times, instead of holding every part and
// re-copying a growing ID list n times with a left fold. Merging is exact in any order and
// grouping (test/unit/metric-kernels.test.ts), so parts may come in any order.
// The overlap guard's IDs travel beside the partials as compact columns (see compactIds).

interface Entry {
  p: CombinedPartial;
  ids: IdColumn;
  size: number;
}

export class PartialStack {
  private stack: Entry[] = [];
  // Before each merge allocates its output, the garbage of earlier ones may be collected.
  private readonly heap = new HeapGuard();

  private merge(x: Entry, y: Entry): Entry {
    this.heap.check();
    return { p: mergePartials(x.p, y.p), ids: mergeIdColumns(x.ids, y.ids), size: x.size + y.size };
  }

  /** Adds a part's partial (read from its JSON; its `ids` are moved into a compact column). */
  push(p: CombinedPartial): void {
    this.heap.check();
    let cur: Entry = { p, ids: compactIds(p.ids), size: 1 };
    p.ids = [];
    while (this.stack.length > 0 && this.stack[this.stack.length - 1]!.size === cur.size)
      cur = this.merge(this.stack.pop()!, cur);
    this.stack.push(cur);
  }

  /** Merges what the stack holds into one partial now (the last merges, ahead of take()). */
  collapse(): void {
    if (this.stack.length > 1) {
      const all = this.stack.splice(0);
      this.stack.push(all.reduce((a, b) => this.merge(a, b)));
    }
  }

  /** Partials held now (for tests: 1 once collapsed). */
  get depth(): number {
    return this.stack.length;
  }

  /** Parts pushed so far. */
  get parts(): number {
    return this.stack.reduce((n, e) => n + e.size, 0);
  }

  /**
   * The merge of every part pushed (undefined for none). The stack lets go of its inputs, so
   * only the merged partial stays reachable from here on.
   */
  take(): CombinedPartial | undefined {
    const all = this.stack.splice(0);
    return all.length ? all.reduce((a, b) => this.merge(a, b)).p : undefined;
  }
}
