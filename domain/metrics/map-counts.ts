// The map step's own counters (`map_counts`, emitted by finalizeAll): what became of every record
// read, so that nothing is dropped silently. Declared here as a family of its own.
import type { FamilyDeclaration } from './types';

export const mapCounts: FamilyDeclaration = {
  name: 'map',
  metrics: [
    {
      metric: 'map_counts',
      key: 'input | counted | quarantined | non_public | reblogs | out_of_window | out_of_range | duplicates',
      value: 'records',
      accountLevel: false,
    },
  ],
  views: [
    {
      name: 'v_quarantine',
      description: 'records read, counted, quarantined, duplicates, out of window',
      columns: [
        { name: 'records', type: 'BIGINT', label: 'Records read', unit: 'records' },
        { name: 'counted', type: 'BIGINT', label: 'Counted', unit: 'records' },
        { name: 'quarantined', type: 'BIGINT', label: 'Quarantined', unit: 'records' },
        { name: 'duplicates', type: 'BIGINT', label: 'Duplicates', unit: 'records' },
        { name: 'out_of_window', type: 'BIGINT', label: 'Out of window', unit: 'records' },
      ],
      accountLevel: false,
      chart: {
        kind: 'stacked',
        title: 'What became of the records read',
        parts: ['counted', 'quarantined', 'duplicates', 'out_of_window'],
      },
      source: {
        kind: 'pivot_keys',
        metric: 'map_counts',
        keys: {
          records: 'input',
          counted: 'counted',
          quarantined: 'quarantined',
          duplicates: 'duplicates',
          out_of_window: 'out_of_window',
        },
      },
    },
  ],
};
