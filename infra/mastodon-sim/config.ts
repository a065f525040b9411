// What shapes the simulated instance's data. Everything here feeds the deterministic generator:
// the same config gives the same statuses, accounts and IDs. Server-side settings (clock, rate
// limits, faults) live with the server.
import { z } from 'zod';

export const GeneratorConfigSchema = z.object({
  seed: z.number().int().default(1),
  /** The instance's domain as it appears in URIs and remote accts (never resolved). */
  host: z.string().min(1).default('sim.example'),
  /** Statuses whose ID falls in one UTC day. */
  statusesPerDay: z.number().int().min(0).max(5_000_000).default(2000),
  accountCount: z.number().int().min(1).max(1_000_000).default(2000),
  /** Share of accounts that live on this instance; the rest are remote (acct with @host). */
  localAccountShare: z.number().min(0).max(1).default(0.45),
  botShare: z.number().min(0).max(1).default(0.06),
  /** Share of REMOTE statuses whose ID was assigned at (late) insert time, after created_at. */
  lateIdShare: z.number().min(0).max(1).default(0.01),
  /** Share of REMOTE statuses with a backdated ID that become visible only hours later. */
  backdatedShare: z.number().min(0).max(1).default(0.005),
  mediaShare: z.number().min(0).max(1).default(0.18),
  contentWarningShare: z.number().min(0).max(1).default(0.08),
  /** Zipf exponent of posting activity over accounts (higher = a few accounts post most). */
  accountZipf: z.number().min(0).default(0.8),
  /** Zipf exponent of hashtag use. */
  tagZipf: z.number().min(0).default(1.1),
  // What an admin's measures read (links, cards, newcomers). Off by default: they come from a
  // stream of their own, so with them at 0 every status is byte for byte what it was before they
  // existed, and turning them on changes only content links, cards and some authors.
  /** Share of statuses with a link in content (Zipf over LINK_DOMAINS). */
  linkShare: z.number().min(0).max(1).default(0),
  /** Share of statuses with a content link that also carry its preview card. */
  cardShare: z.number().min(0).max(1).default(0),
  /**
   * Share of statuses written by newcomers: accounts created on the day or up to 3 days before
   * (so some are new and first seen, some first seen earlier), instead of the drawn author.
   */
  newAccountShare: z.number().min(0).max(1).default(0),
});

/** The knobs above turned on, as the demo and the tests of the admin measures use them. */
export const ADMIN_MEASURES = { linkShare: 0.12, cardShare: 0.6, newAccountShare: 0.02 } as const;

export type GeneratorConfigInput = z.input<typeof GeneratorConfigSchema>;
export type GeneratorConfig = z.output<typeof GeneratorConfigSchema>;

export function parseGeneratorConfig(input: GeneratorConfigInput = {}): GeneratorConfig {
  return GeneratorConfigSchema.parse(input);
}
