import { CATALOG_METRICS } from '../../domain/metrics/catalog';
import type { ErasureMatcher } from './erasure-hash';

// Which result rows belong to an erased account, for days whose raw is gone (nothing to
// re-aggregate from): the account-level metrics keyed by an account (accountKey(acct): the acct,
// or its pseudonym `anon:…` in pseudonymised mode), and those keyed by a single status whose URL
// label (`https://host/@user/<id>`) names the account. Totals keep its contribution; the day is
// marked instead (erasure_marks).

/** Account-level metrics whose key is an account. */
export const ACCOUNT_KEYED_METRICS: readonly string[] = CATALOG_METRICS.filter(
  (m) => m.accountLevel && /acct/i.test(m.key),
).map((m) => m.metric);

/** Account-level metrics whose key is one status (their `url` label names the author). */
export const STATUS_KEYED_METRICS: readonly string[] = CATALOG_METRICS.filter(
  (m) => m.accountLevel && /status/i.test(m.key),
).map((m) => m.metric);

/** `user@host` of a status URL `https://host/@user/123` (or `…/@user@host/123`). */
export function acctOfStatusUrl(url: string): string | undefined {
  const m = /^https?:\/\/([^/?#]+)\/@([^/@?#]+)(?:@([^/?#]+))?\//i.exec(url);
  if (!m) return undefined;
  return `${m[2]}@${m[3] ?? m[1]}`.toLowerCase();
}

export class AccountRows {
  constructor(
    private readonly matcher: ErasureMatcher,
    /** Pseudonymised mode: the account's row keys per instance (from the CLI). */
    private readonly rowKeys: readonly { instance: string; key: string }[],
    /** Where a bare acct (a local account) of an instance may be local. */
    private readonly domainsOf: (instance: string) => readonly string[],
  ) {}

  keyMatches(instance: string, metric: string, key: string): boolean {
    return ACCOUNT_KEYED_METRICS.includes(metric) && this.isAccountKey(instance, key);
  }

  /** `key` is the account as a row key names it: its acct, or its pseudonym on `instance`. */
  isAccountKey(instance: string, key: string): boolean {
    if (this.rowKeys.some((k) => k.instance === instance && k.key === key)) return true;
    return !key.startsWith('anon:') && this.matcher.matches(key, undefined, this.domainsOf(instance));
  }

  labelMatches(metric: string, labelName: string, label: string): boolean {
    if (!STATUS_KEYED_METRICS.includes(metric) || labelName !== 'url') return false;
    const acct = acctOfStatusUrl(label);
    return acct !== undefined && this.matcher.matches(acct);
  }
}
