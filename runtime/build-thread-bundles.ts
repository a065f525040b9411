// Builds the worker threads' bundles into .cache/ now (e.g. at image build) rather than at their
// first use:  node --import tsx runtime/build-thread-bundles.ts
import { MAP_THREAD_SOURCE } from '../activities/aggregate/map-pool';
import { ensureThreadBundle } from './thread-bundle';

for (const entry of [MAP_THREAD_SOURCE]) {
  const bundle = await ensureThreadBundle(entry, { log: (line) => console.log(line) });
  console.log(bundle.path);
}
