// The dashboard page (runtime/dashboard/) over a fixture bundle: the pure parts (filtering, KPIs,
// tables), the HTML (self-contained, data escaped), and the static file in a real browser from
// file:// with every other request refused: charts drawn, filters change the numbers, no errors.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DashboardBundle,
  engagementLeaderboard,
  filteredViewRows,
  summarize,
  decodeBundle,
  encodeBundle,
  encodeRows,
  decodeRows,
  trackedTable,
  viralTable,
} from '../../domain/dashboard/bundle';
import type { DayKpiRow } from '../../domain/report/model';
import { dashboardHtml } from '../../runtime/dashboard/page-html';
import { launchBrowser, type TestBrowser } from '../helpers/browser';
import { FIXTURE_DAYS, FIXTURE_INSTANCES, FIXTURE_VIEWS, fixtureRows } from '../helpers/chart-fixtures';
import { readShown, setFilter, waitForRender } from '../helpers/dashboard-page';

const ARTIFACTS = path.resolve('test/artifacts');

function kpiRow(instance: string, day: string, i: number): DayKpiRow {
  return {
    instance,
    day,
    toots: 100 + i * 17,
    activeAccounts: 40 + i,
    botToots: 5 + i,
    mediaShare: 0.25,
    scored: 50,
    meanSentiment: 0.1 * (i % 3),
    negative: 10,
    neutral: 30,
    positive: 10,
    engagement: 1000 + i * 3,
    records: 120 + i,
    quarantined: i % 2,
    duplicates: 2,
    viralCount: 3,
  };
}

function fixtureBundle(): DashboardBundle {
  const views: DashboardBundle['views'] = {};
  for (const v of FIXTURE_VIEWS) views[v.name] = fixtureRows(v.name) as DashboardBundle['views'][string];
  const pairs = FIXTURE_INSTANCES.flatMap((instance) => FIXTURE_DAYS.map((day) => ({ instance, day })));
  return {
    generatedAt: '2026-03-04T06:00:00.000Z',
    from: FIXTURE_DAYS[0],
    to: FIXTURE_DAYS[FIXTURE_DAYS.length - 1] as string,
    instances: [...FIXTURE_INSTANCES],
    catalog: [...FIXTURE_VIEWS],
    views,
    kpis: pairs.map((p, i) => kpiRow(p.instance, p.day, i)),
    // beta.example's account was not observed on the middle day: no row, and no deltas the day after.
    tracked: pairs.flatMap((p, i) => {
      const beta = p.instance === 'beta.example';
      if (beta && p.day === FIXTURE_DAYS[1]) return [];
      const afterGap = beta && p.day === FIXTURE_DAYS[2];
      return [
        {
          ...p,
          account: 'news',
          followers: 1000 + i,
          statuses: 50 + i,
          followersDelta: i === 0 || afterGap ? null : 1,
          statusesDelta: afterGap ? null : 2,
          previousNotObserved: afterGap,
        },
      ];
    }),
    viral: pairs.map((p, i) => ({
      ...p,
      statusId: String(1000 + i),
      engagement: 500 - i,
      // Data, not markup: a name that would close the script element if embedded raw.
      url: i === 0 ? `https://${p.instance}/@x/1000</script><script>alert(1)</script>` : null,
    })),
    quality: pairs.map((p) => ({
      ...p,
      records: 1,
      quarantined: 0,
      duplicates: 0,
      finality: 'final',
      reason: 'final: re-read',
    })),
  };
}

describe('dashboard data: filters, KPIs, tables (pure)', () => {
  it('the wire form (columns, dictionaries) decodes to the same rows, and is smaller', () => {
    const b = fixtureBundle();
    expect(decodeBundle(JSON.parse(JSON.stringify(encodeBundle(b))))).toEqual(b);
    const rows = Array.from({ length: 100 }, (_, i) => ({
      instance: `i${i % 2}`,
      day: `2026-03-0${i % 3}`,
      n: i,
      s: null,
    }));
    const wire = encodeRows(rows);
    expect(wire.columns.instance).toEqual({ dict: ['i0', 'i1'], idx: rows.map((_, i) => i % 2) });
    expect(wire.columns.n).toEqual({ values: rows.map((r) => r.n) });
    expect(decodeRows(wire)).toEqual(rows);
    expect(JSON.stringify(wire).length).toBeLessThan(JSON.stringify(rows).length / 2);
    expect(decodeRows(encodeRows([]))).toEqual([]);
  });

  const b = fixtureBundle();
  const all = { instances: [], from: b.from, to: b.to };

  it('totals are the sums of the rows shown; an instance or a day range narrows them', () => {
    const total = b.kpis.reduce((s, r) => s + r.toots, 0);
    expect(summarize(b, all).toots).toBe(total);
    const alpha = summarize(b, { ...all, instances: ['alpha.social'] });
    expect(alpha.toots).toBe(b.kpis.filter((r) => r.instance === 'alpha.social').reduce((s, r) => s + r.toots, 0));
    expect(alpha.perInstance.map((k) => k.instance)).toEqual(['alpha.social']);
    const oneDay = summarize(b, { ...all, from: '2026-03-02', to: '2026-03-02' });
    expect(oneDay.days).toBe(1);
    expect(oneDay.perInstance.map((k) => k.values.toots)).toEqual(
      b.kpis.filter((r) => r.day === '2026-03-02').map((r) => r.toots),
    );
  });

  it('view rows, tracked, viral and leaderboard follow the filter', () => {
    const view = FIXTURE_VIEWS.find((v) => v.name === 'v_toots_per_day')!;
    expect(filteredViewRows(b, view, all)).toEqual(b.views.v_toots_per_day);
    expect(filteredViewRows(b, view, { ...all, instances: ['beta.example'], from: '2026-03-03' })).toHaveLength(1);
    const tracked = trackedTable(b, { ...all, instances: ['alpha.social'] });
    expect(tracked).toHaveLength(1);
    expect(tracked[0]).toMatchObject({ day: '2026-03-03', followersChange: 2, statusesChange: 6, gap: false });
    // A day not observed (no row that day, the next day's deltas null): no change across it.
    const alphaRows = b.tracked.filter((r) => r.instance === 'alpha.social');
    const gapped: DashboardBundle = {
      ...b,
      tracked: [
        alphaRows[0]!,
        { ...alphaRows[2]!, followersDelta: null, statusesDelta: null, previousNotObserved: true },
      ],
    };
    expect(trackedTable(gapped, all)[0]).toMatchObject({
      day: '2026-03-03',
      followersChange: null,
      statusesChange: null,
      gap: true,
    });
    // The first day shown without a delta is no gap inside the range.
    expect(trackedTable(gapped, { ...all, from: '2026-03-03' })[0]).toMatchObject({
      gap: false,
      followersChange: null,
    });
    expect(viralTable(b, all, 2).map((v) => v.engagement)).toEqual([500, 499]);
    const board = engagementLeaderboard(b, all);
    expect(board.map((r) => r.rank)).toEqual(board.map((_, i) => i + 1));
    expect(board.every((r, i) => i === 0 || (board[i - 1] as { engagement: number }).engagement >= r.engagement)).toBe(
      true,
    );
  });
});

describe('dashboard HTML', () => {
  it('is self-contained: no src/href to the network, the data cannot close its script element', async () => {
    const html = await dashboardHtml({ mode: 'static', bundle: fixtureBundle() });
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    // The one <link>: an empty icon, inline (else the browser asks the server for /favicon.ico).
    expect(html.match(/<link\b[^>]*>/gi)).toEqual(['<link rel="icon" href="data:,">']);
    expect(html.match(/<\/script>/g)).toHaveLength(3); // boot, data, code: nothing else closes one
    expect(html).toContain('\\u003c/script>\\u003cscript>alert(1)');
  }, 60_000);
});

describe('static dashboard in a real browser, network blocked', () => {
  let browser: TestBrowser;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'mastoflow-dashboard-'));
    browser = await launchBrowser();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('draws every chart, shows the KPIs, follows the filters, logs no error', async () => {
    const b = fixtureBundle();
    const file = path.join(dir, 'dashboard.html');
    writeFileSync(file, await dashboardHtml({ mode: 'static', bundle: b }));
    const page = await browser.context.newPage();
    const errors: string[] = [];
    const refused: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.route('**', (r) => {
      if (r.request().url().startsWith('file:')) return r.continue();
      refused.push(r.request().url());
      return r.abort();
    });
    try {
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.goto(pathToFileURL(file).href);
      await waitForRender(page, 0);
      const shown = await readShown(page);
      expect(Object.keys(shown.charts).sort()).toEqual(FIXTURE_VIEWS.map((v) => v.name).sort());
      for (const [name, c] of Object.entries(shown.charts))
        expect({ name, drawn: c.marks > 0 }).toEqual({ name, drawn: true });
      expect(shown.cards.toots).toBe(b.kpis.reduce((s, r) => s + r.toots, 0));
      expect(Object.keys(shown.perInstance).sort()).toEqual([...FIXTURE_INSTANCES]);
      expect(shown.tables).toMatchObject({ 't-viral': 6, 't-tracked': 2, 't-quality': 6 });
      // The account not observed on a day shown: its change cells say "gap", with the reason.
      const trackedRows = await page.$$eval('#t-tracked tbody tr', (trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
      );
      expect(trackedRows.find((r) => r[1] === 'beta.example')?.[4]).toBe('gap');
      expect(trackedRows.find((r) => r[1] === 'alpha.social')?.[4]).toBe('+2');
      expect(await page.getAttribute('#t-tracked span.gap', 'title')).toMatch(/not observed/);

      await setFilter(page, { instance: 'beta.example' });
      const beta = await readShown(page);
      expect(beta.cards.toots).toBe(
        b.kpis.filter((r) => r.instance === 'beta.example').reduce((s, r) => s + r.toots, 0),
      );
      expect(Object.keys(beta.perInstance)).toEqual(['beta.example']);
      await setFilter(page, { from: '2026-03-03' });
      const lastDay = await readShown(page);
      expect(lastDay.cards.toots).toBe(
        b.kpis.find((r) => r.instance === 'beta.example' && r.day === '2026-03-03')?.toots,
      );
      expect(lastDay.tables['t-quality']).toBe(1);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-fixture.png'), fullPage: true });
      expect(errors).toEqual([]);
      expect(refused).toEqual([]);
    } finally {
      await page.close();
    }
  }, 120_000);
});
