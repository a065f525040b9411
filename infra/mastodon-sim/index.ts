// Public surface of the simulated Mastodon instance.
export { startMastodonSim, type MastodonSim, type MastodonSimOptions, type SimStats } from './server';
export { SimWorld, generateDay, iterateDay, type DayBucket, type DayQueryOptions } from './generator';
export { GeneratorConfigSchema, parseGeneratorConfig, type GeneratorConfig, type GeneratorConfigInput } from './config';
export { SimFaultsSchema, type SimFaults, type SimFaultsInput } from './faults';
export { RateLimitOptionsSchema, RateLimiter, formatReset, type RateLimitOptions } from './rate-limit';
export { selectPage, type PageQuery } from './timeline';
export type * from './types';
