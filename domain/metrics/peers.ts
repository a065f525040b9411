// Federation peers (a snapshot family): how many instances this one knows, from /api/v1/instance/peers.
import type { FamilyDeclaration, KvRow } from './types';

export const peers: FamilyDeclaration = {
  name: 'peers',
  metrics: [
    { metric: 'peers_count', key: 'all', value: 'distinct peer domains (case-insensitive)', accountLevel: false },
  ],
  views: [
    {
      name: 'v_peers',
      description: 'known federation peers',
      columns: [{ name: 'peers', type: 'BIGINT', label: 'Peers', unit: 'instances' }],
      accountLevel: false,
      chart: { kind: 'line', title: 'Federation peers', y: 'peers' },
      source: { kind: 'rows', metric: 'peers_count', value: 'peers' },
    },
  ],
};

export function peersCountRows(domains: readonly string[]): KvRow[] {
  return [{ metric: 'peers_count', key: 'all', value: new Set(domains.map((p) => p.toLowerCase())).size }];
}
