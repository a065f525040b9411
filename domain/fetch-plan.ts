import type { InstanceConfig, MastoflowConfig } from './config';
import { rawManifestKey } from './keys';
import { addDays } from './snowflake';

// Which fetches a day needs, from the config: one item per (instance, source), each naming its
// manifest key so later steps find the raw pages without listing S3. The fetchDay workflow and
// the mastodon_daily DAG's plan_fetch task both use this list; it is small (keys and names).
//
// Accounts: an instance's own `accounts` are fetched there; top-level `accounts` on their home
// instance when that instance is configured (authoritative counts and complete statuses), else
// on the first configured instance. Hashtags: an instance's own list, else the top-level one.
// Look-back days re-scan the timelines only: instance documents, activity, peers, trends and
// account profiles are snapshots of the moment they were fetched. Each is stored under the time it
// was taken, and a day uses only the one taken in its own window, which a later run of the day
// reuses instead of fetching again (domain/snapshot-observation.ts).

export type FetchKind =
  | 'public-timeline'
  | 'tag-timeline'
  | 'account'
  | 'instance'
  | 'activity'
  | 'peers'
  | 'trends'
  | 'directory';

export interface FetchItem {
  instance: string;
  day: string;
  source: string;
  kind: FetchKind;
  scope?: 'local' | 'remote';
  tag?: string;
  acct?: string;
  manifestKey: string;
}

export interface PlanOptions {
  /** Only these instances (by name); all when absent. */
  instances?: readonly string[];
  /** Also re-scan the timelines of this many days before `day`. */
  lookbackDays?: number;
}

export function planFetchDay(
  config: Pick<MastoflowConfig, 'instances' | 'hashtags' | 'accounts'>,
  day: string,
  opts: PlanOptions = {},
): FetchItem[] {
  const wanted = opts.instances ? new Set(opts.instances) : undefined;
  if (wanted) {
    const unknown = [...wanted].filter((n) => !config.instances.some((i) => i.name === n));
    if (unknown.length)
      throw new Error(
        `unknown instance(s) ${unknown.map((n) => `"${n}"`).join(', ')} (configured: ${config.instances.map((i) => i.name).join(', ')})`,
      );
  }
  const homes = accountHomes(config);
  const items: FetchItem[] = [];
  const days = [day, ...Array.from({ length: Math.max(0, opts.lookbackDays ?? 0) }, (_, i) => addDays(day, -(i + 1)))];
  for (const inst of config.instances) {
    if (wanted && !wanted.has(inst.name)) continue;
    const s = inst.sources;
    const add = (d: string, item: Omit<FetchItem, 'instance' | 'day' | 'manifestKey'>) =>
      items.push({ instance: inst.name, day: d, ...item, manifestKey: rawManifestKey(inst.name, d, item.source) });
    const tags = s.hashtags ? uniq(inst.hashtags ?? config.hashtags) : [];
    days.forEach((d, i) => {
      if (s.publicLocal) add(d, { source: 'public-local', kind: 'public-timeline', scope: 'local' });
      if (s.publicRemote) add(d, { source: 'public-remote', kind: 'public-timeline', scope: 'remote' });
      for (const tag of tags) add(d, { source: `tag-${tag}`, kind: 'tag-timeline', tag });
      if (i > 0) return;
      if (s.accounts)
        for (const acct of homes.get(inst.name) ?? [])
          add(d, { source: `account-${acct.toLowerCase()}`, kind: 'account', acct });
      if (s.instance) add(d, { source: 'instance', kind: 'instance' });
      if (s.activity) add(d, { source: 'activity', kind: 'activity' });
      if (s.peers) add(d, { source: 'peers', kind: 'peers' });
      if (s.trends) add(d, { source: 'trends', kind: 'trends' });
      if (s.directory) add(d, { source: 'directory', kind: 'directory' });
    });
  }
  return items;
}

/** Instance name → accounts to fetch there. */
function accountHomes(config: Pick<MastoflowConfig, 'instances' | 'accounts'>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const push = (inst: string, acct: string) => {
    const list = out.get(inst) ?? [];
    if (!list.some((a) => a.toLowerCase() === acct.toLowerCase())) list.push(acct);
    out.set(inst, list);
  };
  for (const inst of config.instances) for (const a of inst.accounts ?? []) push(inst.name, localPart(a, inst));
  const first = config.instances[0];
  for (const a of config.accounts) {
    const host = a.includes('@') ? a.slice(a.indexOf('@') + 1).toLowerCase() : undefined;
    const home = host ? config.instances.find((i) => i.name === host || hostOf(i.baseUrl) === host) : undefined;
    if (home) push(home.name, localPart(a, home));
    else if (first) push(first.name, a);
  }
  return out;
}

/** `user@home` on its home instance is looked up as `user`. */
function localPart(acct: string, inst: InstanceConfig): string {
  const at = acct.indexOf('@');
  if (at < 0) return acct;
  const host = acct.slice(at + 1).toLowerCase();
  return host === inst.name || host === hostOf(inst.baseUrl) ? acct.slice(0, at) : acct;
}

function hostOf(url: string): string {
  const m = /^https?:\/\/([^/:]+)/i.exec(url);
  return (m?.[1] ?? '').toLowerCase();
}

function uniq(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}

/** The item's name in the Temporal UI (the `fetch` fan-out's label): `mastodon.social public-local 2026-11-20`. */
export function fetchItemLabel(item: Pick<FetchItem, 'instance' | 'source' | 'day'>): string {
  return `${item.instance} ${item.source} ${item.day}`;
}
