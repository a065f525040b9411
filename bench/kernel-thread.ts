import { parentPort, workerData } from 'node:worker_threads';
import { type KernelInput, loadKernelPages, runKernel } from './map-kernel-loop';

// One thread of bench:mapreduce's "kernel in map threads" figures: loads its pages, warms up
// (unless `cold`), says it is ready, and on "go" times `rounds` passes of the kernel (wall ms
// each), so that several threads run their passes at the same time. A cold thread runs its
// pages once with the code as a fresh map thread has it: not yet compiled by TurboFan.

const input = workerData as KernelInput & { rounds: number; cold?: boolean };
const port = parentPort!;
const { bufs, statuses } = loadKernelPages(input.files);
if (!input.cold) runKernel(bufs, input); // warm-up
port.postMessage({ ready: true });
port.once('message', () => {
  const ms: number[] = [];
  for (let k = 0; k < input.rounds; k++) {
    const t = performance.now();
    runKernel(bufs, input);
    ms.push(performance.now() - t);
  }
  port.postMessage({ statuses, ms });
});
