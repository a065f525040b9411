import type { BackfillProgress } from '../domain/backfill-plan';

// The backfill progress line: `[#####.....] 12/30 days, 3 running, 1 failed`. On a terminal the
// line is redrawn in place (\r, clear to end of line); into a pipe or a log file each change is
// its own line, so logs stay readable and nothing is printed while nothing changes.

export function renderProgressLine(p: BackfillProgress, width = 30): string {
  const filled = p.total === 0 ? width : Math.round((p.done / p.total) * width);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
  const parts = [`${p.done}/${p.total} days`, `${p.running.length} running`, `${p.failed} failed`];
  if (p.skipped > 0) parts.push(`${p.skipped} skipped`);
  return `${bar} ${parts.join(', ')}`;
}

export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

export class ProgressPrinter {
  private last: string | undefined;
  private drawn = false;

  constructor(private readonly out: ProgressOutput = process.stdout) {}

  update(progress: BackfillProgress): void {
    const line = renderProgressLine(progress);
    if (line === this.last) return;
    this.last = line;
    if (this.out.isTTY) {
      this.out.write(`\r${line}\x1b[K`);
      this.drawn = true;
    } else {
      this.out.write(`${line}\n`);
    }
  }

  /** End the redrawn line so whatever is printed next starts on a fresh one. */
  finish(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}
