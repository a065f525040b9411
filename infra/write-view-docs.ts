// `npm run docs:views`: writes the README's table of typed views from the metric catalog.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { VIEW_CATALOG } from '../domain/metrics/catalog';
import { renderViewTable, withViewTable } from '../domain/metrics/view-docs';
import { REPO_ROOT } from './tools';

const file = path.join(REPO_ROOT, 'README.md');
const before = readFileSync(file, 'utf8');
const after = withViewTable(before, renderViewTable(VIEW_CATALOG));
if (after !== before) writeFileSync(file, after);
console.log(
  after === before
    ? 'README view table already up to date'
    : `README view table written (${VIEW_CATALOG.length} views)`,
);
