// Bot vs human toots, by the account's self-declared `bot` flag. Distinct accounts by type are
// in the accounts family (active_accounts bot | human), which owns the per-account set.
import type { MetricFamily } from './types';

export interface BotsPartial {
  bot: number;
  human: number;
}

export const bots: MetricFamily<BotsPartial, BotsPartial> = {
  name: 'bots',
  metrics: [{ metric: 'toots_by_account_type', key: 'bot | human', value: 'toots', accountLevel: false }],
  views: [
    {
      name: 'v_bot_vs_human',
      description: 'toots by bot and by human accounts',
      columns: [
        { name: 'bot_toots', type: 'BIGINT', label: 'Bot toots', unit: 'toots' },
        { name: 'human_toots', type: 'BIGINT', label: 'Human toots', unit: 'toots' },
      ],
      accountLevel: false,
      chart: { kind: 'stacked', title: 'Toots by bots and humans', parts: ['bot_toots', 'human_toots'] },
      source: { kind: 'pivot_keys', metric: 'toots_by_account_type', keys: { bot_toots: 'bot', human_toots: 'human' } },
    },
  ],
  start: () => ({ bot: 0, human: 0 }),
  add(acc, f) {
    if (f.status.account.bot) acc.bot++;
    else acc.human++;
  },
  seal: (acc) => ({ bot: acc.bot, human: acc.human }),
  merge: (a, b) => ({ bot: a.bot + b.bot, human: a.human + b.human }),
  finalize: (p) => [
    { metric: 'toots_by_account_type', key: 'bot', value: p.bot },
    { metric: 'toots_by_account_type', key: 'human', value: p.human },
  ],
};
