// Ingestion from Mastodon: activities, and what other steps read of their output.
export { createMastodonActivities, type MastodonActivities, type FetchItemInput } from './activities';
export { SourceManifest, PageEntry, readManifest, type FetchResult } from './manifest';
export { configureInstanceThrottles, resetRateLimiters } from './rate-limiter';
export { budgetIdentity, resetSharedLimiters } from './shared-budget';
