import { createHmac } from 'node:crypto';
import { canonicalAcct, hostOfUrl } from '../../domain/erasure';

// The keyed hash that names an erased account everywhere (workflow input, erasure list, log).
// Its secret is the pseudonymisation secret (`privacy.keyEnv`, default MASTOFLOW_PSEUDONYM_KEY):
// one secret to keep, and whoever can reverse one can reverse the other anyway. The HMAC input
// is prefixed with its purpose, so an erasure hash never equals a pseudonym (`anon:…`) of the
// same account, and knowing one tells nothing about the other.

const PURPOSE = 'mastoflow-erasure\u0000';

/** The secret's variable and value (undefined when it is not set). */
export function erasureSecret(
  env: NodeJS.ProcessEnv,
  privacy: { keyEnv: string },
): { variable: string; value?: string } {
  const value = env[privacy.keyEnv];
  return { variable: privacy.keyEnv, ...(value ? { value } : {}) };
}

/** HMAC-SHA256 of the canonical `user@domain`, hex. */
export function erasureHash(secret: string, canonical: string): string {
  return createHmac('sha256', secret)
    .update(PURPOSE + canonical.toLowerCase())
    .digest('hex');
}

/** The pseudonym of an acct as account-level rows hold it (activities/aggregate/pseudonym.ts). */
export function pseudonymOf(secret: string, acct: string): string {
  return `anon:${createHmac('sha256', secret).update(acct.toLowerCase()).digest('hex').slice(0, 16)}`;
}

/**
 * Tells whether an account (as a status or a profile shows it: acct, and the profile URL that
 * says where a bare acct is local) is on the erasure list. Answers are cached per acct form.
 */
export class ErasureMatcher {
  private readonly cache = new Map<string, boolean>();
  /** The list's hashes that matched something so far (an erasure record names them). */
  readonly matchedHashes = new Set<string>();
  /** IDs of matched accounts seen so far (instance-local IDs: a reply names its parent's author by ID). */
  readonly matchedIds = new Set<string>();

  constructor(
    readonly hashes: ReadonlySet<string>,
    private readonly secret: string,
  ) {}

  /** For handing the list to a map thread (never to a workflow, a log or a result). */
  get secretValue(): string {
    return this.secret;
  }

  get size(): number {
    return this.hashes.size;
  }

  /** `acct` as the instance shows it; `url` the profile URL; `domains` where a bare acct may be local. */
  matches(acct: unknown, url?: unknown, domains: readonly string[] = []): boolean {
    if (typeof acct !== 'string' || this.hashes.size === 0) return false;
    const host = hostOfUrl(url);
    const candidates = acct.includes('@')
      ? [acct]
      : [host, ...domains].filter((d): d is string => !!d).map((d) => `${acct}@${d}`);
    for (const c of candidates) {
      const canonical = canonicalAcct(c);
      if (!canonical) continue;
      let hit = this.cache.get(canonical);
      if (hit === undefined) {
        const hash = erasureHash(this.secret, canonical);
        hit = this.hashes.has(hash);
        if (hit) this.matchedHashes.add(hash);
        this.cache.set(canonical, hit);
      }
      if (hit) return true;
    }
    return false;
  }

  /** An account object (of a status, a reblog, the directory): matched by acct and URL. */
  matchesAccount(account: unknown, domains: readonly string[] = []): boolean {
    if (typeof account !== 'object' || account === null) return false;
    const a = account as { acct?: unknown; url?: unknown; id?: unknown };
    const hit = this.matches(a.acct, a.url, domains);
    if (hit && typeof a.id === 'string') this.matchedIds.add(a.id);
    return hit;
  }
}
