// Entry of a map worker thread. Worker threads do not inherit the parent's module hooks, so
// the thread registers tsx itself before loading the TypeScript body (no build step anywhere).
import { register } from 'tsx/esm/api';

register();
await import('./map-thread.ts');
