import type { MastoflowConfig } from '../../domain/config';
import { canonicalAcct, hostOfUrl } from '../../domain/erasure';
import { erasureHash, pseudonymOf } from './erasure-hash';

// What the config says about an account to erase: whether it still tracks it (then forget
// refuses), and where a bare acct (a local account) of an instance may be local. Shared by the
// CLI (before it starts anything) and the forget activities (which check again).

/** Where a bare acct of an instance is local: its configured name and its API host. */
export function localDomains(config: MastoflowConfig, instance: string): string[] {
  const inst = config.instances.find((i) => i.name === instance);
  const host = hostOfUrl(inst?.baseUrl);
  return [...new Set([instance.toLowerCase(), ...(host ? [host] : [])])];
}

/** Every account the config tracks, each with the instances it could be local to. */
export function trackedAccounts(config: MastoflowConfig): { acct: string; where: string; domains: string[] }[] {
  const out: { acct: string; where: string; domains: string[] }[] = [];
  const all = config.instances.flatMap((i) => localDomains(config, i.name));
  config.accounts.forEach((acct, i) => {
    out.push({ acct, where: `accounts[${i}]`, domains: all });
  });
  config.instances.forEach((inst, j) => {
    (inst.accounts ?? []).forEach((acct, k) => {
      out.push({ acct, where: `instances[${j}].accounts[${k}]`, domains: localDomains(config, inst.name) });
    });
  });
  return out;
}

/** Where the config tracks the account of this hash (undefined: it does not). */
export function trackedAt(config: MastoflowConfig, secret: string, hash: string): string | undefined {
  for (const t of trackedAccounts(config)) {
    const forms = t.acct.includes('@') ? [canonicalAcct(t.acct)] : t.domains.map((d) => canonicalAcct(t.acct, d));
    if (forms.some((f) => f !== undefined && erasureHash(secret, f) === hash)) return t.where;
  }
  return undefined;
}

/**
 * The account's keys in account-level rows when the store is pseudonymised (`anon:…`, keyed
 * hashes: the workflow may carry them), per instance: the full acct everywhere, the bare one on
 * the instances it is local to.
 */
export function pseudonymRowKeys(
  config: MastoflowConfig,
  secret: string,
  acct: string,
): { instance: string; key: string }[] {
  const canonical = canonicalAcct(acct);
  if (!canonical) return [];
  const [user, domain] = canonical.split('@') as [string, string];
  const out: { instance: string; key: string }[] = [];
  for (const inst of config.instances) {
    out.push({ instance: inst.name, key: pseudonymOf(secret, canonical) });
    if (localDomains(config, inst.name).includes(domain))
      out.push({ instance: inst.name, key: pseudonymOf(secret, user) });
  }
  return out;
}
