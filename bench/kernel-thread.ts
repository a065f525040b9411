import { parentPort, workerData } from 'node:worker_threads';
import { type KernelInput, loadKernelPages, runKernel } from './map-kernel-loop';

// One thread of bench:mapreduce's "kernel in map threads" figure: loads its pages, warms up,
// says it is ready, and on "go" times `rounds` passes of the kernel (wall ms each), so that
// several threads run their passes at the same time.

const input = workerData as KernelInput & { rounds: number };
const port = parentPort!;
const { bufs, statuses } = loadKernelPages(input.files);
runKernel(bufs, input); // warm-up
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
