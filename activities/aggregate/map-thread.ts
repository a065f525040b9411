import { parentPort } from 'node:worker_threads';
import { createS3LightClient, type S3LightClient, type S3ReadTarget } from '../store/s3-light-client';
import { mapPartToStore, MissingPageError, type MapPartJob } from './map-pages';
import type { ThreadReply, ThreadRequest } from './map-pool';

// A map worker thread: runs one part at a time for the pool in map-pool.ts, reading its pages
// and writing its partial with the light S3 client (one keep-alive pool per thread and target).

const port = parentPort;
if (!port) throw new Error('map-thread.ts must run as a worker thread (see map-pool.ts)');

let client: { id: string; s3: S3LightClient } | undefined;
function clientFor(target: S3ReadTarget): S3LightClient {
  const id = JSON.stringify([target.endpoint, target.region, target.bucket, target.forcePathStyle, target.credentials]);
  if (client?.id !== id) {
    client?.s3.close();
    client = { id, s3: createS3LightClient(target) };
  }
  return client.s3;
}

const PROGRESS_EVERY = 10;

port.on('message', (msg: ThreadRequest) => {
  void run(msg.id, msg.job, msg.target);
});

async function run(id: number, job: MapPartJob, target: S3ReadTarget): Promise<void> {
  try {
    const s3 = clientFor(target);
    const store = { read: (k: string) => s3.getBytes(k), put: (k: string, body: string, type: string) => s3.putText(k, body, type), del: (k: string) => s3.deleteKey(k) };
    const out = await mapPartToStore(job, store, (done) => {
      if (done % PROGRESS_EVERY === 0) port!.postMessage({ id, progress: done } satisfies ThreadReply);
    });
    port!.postMessage({ id, result: out } satisfies ThreadReply);
  } catch (err) {
    const e = err as Error;
    port!.postMessage({ id, error: { name: e.name, message: e.message, ...(err instanceof MissingPageError ? { key: err.key } : {}) } } satisfies ThreadReply);
  }
}
