import { parentPort } from 'node:worker_threads';
import { collectWhenIdle } from './heap-guard';
import { BodyBuffers } from '../store/body-buffers';
import { createS3LightClient, type S3LightClient, type S3ReadTarget } from '../store/s3-light-client';
import { mapPartToStore, MissingPageError, objectsToRead, type MapPartJob, type MapPagesOutput } from './map-pages';
import type { ThreadReply, ThreadRequest, ThreadRest } from './map-pool';

// A map worker thread for the pool in map-pool.ts. It may hold two parts: it maps one at a time,
// and starts reading the next part's first object as soon as that part arrives, so the GET (and
// the previous part's PUTs) overlap the mapping. Reads and writes go through the light S3 client
// (one keep-alive pool per thread and target).

const port = parentPort;
if (!port) throw new Error('map-thread.ts must run as a worker thread (see map-pool.ts)');

/**
 * The thread's segment buffers, filled again by each segment read (see body-buffers.ts): at most
 * three are in use at once, the segment being mapped, the next one of its part and the next
 * part's first.
 */
const bodies = new BodyBuffers(3);

/** Clients by target (parts of one worker share one); the oldest is closed past a few. */
const clients = new Map<string, S3LightClient>();
function clientFor(target: S3ReadTarget): S3LightClient {
  const id = JSON.stringify([target.endpoint, target.region, target.bucket, target.forcePathStyle, target.credentials]);
  let s3 = clients.get(id);
  if (!s3) {
    s3 = createS3LightClient(target, { bodies });
    clients.set(id, s3);
    // More targets than parts a thread holds at once: the oldest is no longer in use.
    if (clients.size > 4) {
      const [oldest, old] = clients.entries().next().value as [string, S3LightClient];
      clients.delete(oldest);
      old.close();
    }
  }
  return s3;
}

const PROGRESS_EVERY = 10;

let mapping: Promise<unknown> = Promise.resolve();
/** Runs a part's mapping after every earlier part's: data arrive in parallel, CPU work in turn. */
function inTurn(work: () => Promise<MapPagesOutput>): Promise<MapPagesOutput> {
  const result = mapping.then(work);
  mapping = result.catch(() => {});
  return result;
}

port.on('message', (msg: ThreadRequest | ThreadRest) => {
  if ('rest' in msg) {
    // Kept alive with nothing to do: only the code stays warm, the segment buffers and the last
    // part's garbage go (a part arriving meanwhile just finds no spare buffer).
    bodies.dropFree();
    collectWhenIdle();
    port!.postMessage({ rested: true } satisfies ThreadReply);
    return;
  }
  void run(msg.id, msg.job, msg.target);
});

async function run(id: number, job: MapPartJob, target: S3ReadTarget): Promise<void> {
  try {
    const s3 = clientFor(target);
    // The first object is requested now, before this part's turn; a failure surfaces when read.
    const first = objectsToRead(job)[0];
    let early = first === undefined ? undefined : s3.getBytes(first);
    early?.catch(() => {});
    const read = (k: string): Promise<Buffer | undefined> => {
      if (k !== first || !early) return s3.getBytes(k);
      const p = early;
      early = undefined;
      return p;
    };
    const store = {
      read,
      release: (bytes: Buffer) => bodies.giveBack(bytes),
      put: (k: string, body: string, type: string) => s3.putText(k, body, type),
      del: (k: string) => s3.deleteKey(k),
    };
    const out = await mapPartToStore(
      job,
      store,
      (done) => {
        if (done % PROGRESS_EVERY === 0) port!.postMessage({ id, progress: done } satisfies ThreadReply);
      },
      inTurn,
    );
    port!.postMessage({ id, result: out } satisfies ThreadReply);
  } catch (err) {
    const e = err as Error;
    port!.postMessage({
      id,
      error: { name: e.name, message: e.message, ...(err instanceof MissingPageError ? { key: err.key } : {}) },
    } satisfies ThreadReply);
  }
}
