import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCharts } from '../../cli/commands/charts';
import { FIXTURE_VIEWS, fixtureRows } from '../helpers/chart-fixtures';
import { countSvgMarks } from '../helpers/svg-marks';

// `mastoflow charts` over a real DuckDB file: each fixture view is a table with the view's name
// and columns (instance, day, then the declared ones), holding the fixture rows plus one row
// outside the range that must not be charted.
let dir: string;
let duckdbPath: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'mastoflow-charts-'));
  duckdbPath = path.join(dir, 'store.duckdb');
  const db = await DuckDBInstance.create(duckdbPath);
  const conn = await db.connect();
  // The signups view is left out: a catalog view missing from the store is skipped, not fatal.
  for (const view of FIXTURE_VIEWS.filter((v) => v.name !== 'v_signups_by_month')) {
    const cols = [{ name: 'instance', type: 'VARCHAR' }, { name: 'day', type: 'DATE' }, ...view.columns];
    await conn.run(`CREATE TABLE ${view.name} (${cols.map((c) => `${c.name} ${c.type}`).join(', ')})`);
    const rows = [...fixtureRows(view.name), { ...fixtureRows(view.name)[0], day: '2026-04-01' }];
    for (const r of rows) {
      const vals = cols.map((c) => r[c.name] as string | number);
      await conn.run(`INSERT INTO ${view.name} VALUES (${cols.map(() => '?').join(', ')})`, vals);
    }
  }
  conn.closeSync();
  db.closeSync();
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mastoflow charts', () => {
  it('writes one PNG per charted view in the range, with progress lines', async () => {
    const out = path.join(dir, 'png');
    const lines: string[] = [];
    const written = await writeCharts({
      duckdbPath,
      catalog: FIXTURE_VIEWS,
      from: '2026-03-01',
      to: '2026-03-03',
      outDir: out,
      format: 'png',
      log: (l) => lines.push(l),
    });
    expect(written.map((w) => path.basename(w.file)).sort()).toEqual(readdirSync(out).sort());
    expect(written).toHaveLength(FIXTURE_VIEWS.length - 1);
    expect(written.find((w) => w.view === 'v_toots_per_day')?.rows).toBe(6); // the April row is out of range
    expect(lines).toContainEqual(expect.stringMatching(/^\[1\/12\] v_toots_per_day: 6 rows → .*toots_per_day\.png/));
    expect(lines).toContainEqual(expect.stringMatching(/v_signups_by_month: skipped, .*does not exist/));
    const png = PNG.sync.read(readFileSync(path.join(out, 'languages.png')));
    expect([png.width, png.height]).toEqual([1600, 900]);
  }, 120_000);

  it('--instance charts one instance, as SVG', async () => {
    const out = path.join(dir, 'svg');
    await writeCharts({
      duckdbPath,
      catalog: FIXTURE_VIEWS.filter((v) => v.name === 'v_toots_per_day'),
      from: '2026-03-01',
      to: '2026-04-30',
      instance: 'beta.example',
      outDir: out,
      format: 'svg',
    });
    const svg = readFileSync(path.join(out, 'toots_per_day.svg'), 'utf8');
    expect(countSvgMarks(svg).lineVertices).toEqual([3]);
    expect(svg).toContain('beta.example · 2026-03-01 – 2026-04-30');
  }, 60_000);

  it('rejects malformed or reversed dates', async () => {
    const req = { duckdbPath, catalog: FIXTURE_VIEWS, outDir: dir, format: 'svg' as const };
    await expect(writeCharts({ ...req, from: '2026-3-1', to: '2026-03-03' })).rejects.toThrow(/YYYY-MM-DD/);
    await expect(writeCharts({ ...req, from: '2026-03-04', to: '2026-03-03' })).rejects.toThrow(/after/);
  });
});
