// The snapshot families' row functions (metrics from instance-level and account snapshots rather
// than from statuses), gathered for the reduce that calls them. Each family declares itself in
// its own file.
export { instanceActivityRows } from './instance-activity';
export { peersCountRows } from './peers';
export { type TrackedProfile, trackedAccountRows } from './tracked-accounts';
export { trendingTagRows } from './trending-tags';
export { type SnapshotSourceState, snapshotStatusRows } from './snapshot-status';
