import { readFileSync } from 'node:fs';
import { parsePageBytes } from '../activities/aggregate/page-json';
import { createStatusMapper, partialToJson } from '../domain/metrics';

// The map kernel as bench:mapreduce times it, on the bench process's thread (kernelInRun) and in
// threads with the map pool's heap limits (kernel-thread.ts): what a map thread does with a
// part's bytes (parse as parsePageBytes does, validate, fold into every family, sentiment
// included, one mapper per part of PAGES_PER_PART pages, the partial serialised), no I/O.

export interface KernelInput {
  files: readonly string[];
  windowStartMs: number;
  windowEndMs: number;
  /** The map's PAGES_PER_PART (activities/aggregate/activities.ts, not imported here: a thread bundles this file). */
  pagesPerPart: number;
}

/** The pages' bytes, and how many statuses they hold. */
export function loadKernelPages(files: readonly string[]): { bufs: Buffer[]; statuses: number } {
  const bufs = files.map((f) => readFileSync(f));
  const statuses = bufs.reduce((sum, b) => sum + (JSON.parse(b.toString('latin1')) as unknown[]).length, 0);
  return { bufs, statuses };
}

/** One pass of the kernel over the pages. */
export function runKernel(bufs: readonly Buffer[], window: Omit<KernelInput, 'files'>): void {
  for (let i = 0; i < bufs.length; i += window.pagesPerPart) {
    const mapper = createStatusMapper({
      windowStartMs: window.windowStartMs,
      windowEndMs: window.windowEndMs,
      idRange: {},
    });
    for (const b of bufs.slice(i, i + window.pagesPerPart)) {
      const page = parsePageBytes(b);
      mapper.add(page.value as unknown[], 'page', page.decoder);
    }
    partialToJson(mapper.finish().partial);
  }
}
