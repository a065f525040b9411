// The dashboard end to end in a real browser (issue #11): mastodon_daily runs for two simulated
// instances on the real stack (sim → Temporal → S3 → DuckDB); headless Chromium opens the live
// dashboard served at `/` and keeps it polling while another day loads (no failed request, the
// load succeeds, the new day shows up); the KPI numbers equal DuckDB's; every chart with data has
// marks; the instance and date filters change the numbers as DuckDB says; the console stays
// clean. Then the static file (`report --format html`) opens from file:// with every request
// but file:// refused, and passes the same checks. Screenshots go to test/artifacts/, and to
// docs/dashboard.png with MASTOFLOW_UPDATE_SCREENSHOT=1.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../domain/logical-date';
import { VIEW_CATALOG } from '../../domain/metrics/catalog';
import { isOptedOut } from '../../domain/privacy';
import type { MastodonSim } from '../../infra/mastodon-sim/server';
import { writeStaticDashboard } from '../../runtime/dashboard/write-static';
import { createApp } from '../../runtime/serve/app';
import { serveDepsFromConfig } from '../../runtime/serve/serve-deps';
import { type RunningServer, startServer } from '../../runtime/serve/server';
import { RUN_DAG_WORKFLOW_TYPE, type RunDagSummary } from '../../workflows/contracts';
import { launchBrowser, type TestBrowser } from '../helpers/browser';
import { readShown, type ShownDashboard, setFilter, waitForRender } from '../helpers/dashboard-page';
import { NOW, startSim, sourcesOn } from '../helpers/fetch-fixtures';
import { startTestWorkers, testClient, testConfig, testStack, uniqueName } from '../helpers/stack';

const DAYS = ['2026-03-02', '2026-03-03'] as const;
/** Loaded while the live page polls. */
const LATE_DAY = '2026-03-04';
const ARTIFACTS = path.resolve('test/artifacts');
const SCREENSHOT = path.resolve('docs/dashboard.png');

type Row = Record<string, unknown>;

describe('dashboard in a real browser over a store loaded by mastodon_daily (two instances)', () => {
  const sims: MastodonSim[] = [];
  let temporal: Awaited<ReturnType<typeof testClient>>;
  let workers: Awaited<ReturnType<typeof startTestWorkers>>;
  let config: ReturnType<typeof testConfig>;
  let browser: TestBrowser;
  let server: RunningServer | undefined;
  let closeDeps: (() => Promise<void>) | undefined;
  let instances: string[];

  async function direct(sql: string, params: string[] = []): Promise<Row[]> {
    const db = await DuckDBInstance.create(config.duckdb.path, { access_mode: 'READ_ONLY' });
    try {
      const conn = await db.connect();
      try {
        return (await conn.runAndReadAll(sql, params)).getRowObjectsJson() as Row[];
      } finally {
        conn.closeSync();
      }
    } finally {
      db.closeSync();
    }
  }

  /** Toots per instance over [from, to], straight from DuckDB. */
  async function tootsByInstance(from: string, to: string): Promise<Record<string, number>> {
    const rows = await direct(
      `SELECT instance, sum(toots) AS toots FROM v_toots_per_day WHERE day BETWEEN $1::DATE AND $2::DATE GROUP BY 1`,
      [from, to],
    );
    return Object.fromEntries(rows.map((r) => [String(r.instance), Number(r.toots)]));
  }

  /** Views that hold rows over [from, to] (for one instance or all), straight from DuckDB. */
  async function viewsWithRows(from: string, to: string, instance?: string): Promise<string[]> {
    const out: string[] = [];
    for (const v of VIEW_CATALOG.filter((x) => x.chart)) {
      const day = v.dayColumn ?? 'day';
      const r = await direct(
        `SELECT count(*) AS n FROM ${v.name} WHERE ${day} BETWEEN $1::DATE AND $2::DATE ${instance ? 'AND instance = $3' : ''}`,
        instance ? [from, to, instance] : [from, to],
      );
      if (Number(r[0]?.n) > 0) out.push(v.name);
    }
    return out.sort();
  }

  async function runDay(day: string): Promise<RunDagSummary> {
    const handle = await temporal.client.workflow.start(RUN_DAG_WORKFLOW_TYPE, {
      workflowId: `${uniqueName('dag/mastodon_daily')}/${day}`,
      taskQueue: config.temporal.taskQueue,
      memo: { storeTaskQueue: config.temporal.storeTaskQueue },
      args: [{ dagId: 'mastodon_daily', logicalDate: day }],
    });
    return (await handle.result()) as RunDagSummary;
  }

  /** The most active local poster of a day that has not opted out: a tracked account. */
  function localPoster(sim: MastodonSim): string {
    const posters = new Map<string, number>();
    for (const e of sim.world.iterateDay(DAYS[1], { visibleAt: NOW, atMs: NOW }))
      if (!isOptedOut(e.status.account) && !e.status.account.acct.includes('@'))
        posters.set(e.status.account.acct, (posters.get(e.status.account.acct) ?? 0) + 1);
    return [...posters.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] as string;
  }

  beforeAll(async () => {
    // Two instances that differ in size and content (their own seed and host).
    sims.push(await startSim({ seed: 11, host: 'alpha.example', statusesPerDay: 500, rateLimit: false }));
    sims.push(await startSim({ seed: 23, host: 'beta.example', statusesPerDay: 900, rateLimit: false }));
    instances = sims.map((s) => s.host);
    const name = uniqueName('dashboard');
    config = testConfig(name, {
      s3: { endpoint: testStack().s3Endpoint, bucket: name.toLowerCase(), forcePathStyle: true },
      instances: sims.map((sim) => ({
        name: sim.host,
        baseUrl: sim.url,
        userAgentContact: 'mailto:t@example.org',
        accounts: [localPoster(sim)],
        sources: sourcesOn('publicLocal', 'publicRemote', 'accounts', 'instance', 'activity', 'peers', 'trends'),
      })),
    });
    workers = await startTestWorkers(config);
    temporal = await testClient();
    for (const day of DAYS) expect((await runDay(day)).state).toBe('success');
    const built = serveDepsFromConfig(config, { views: VIEW_CATALOG });
    closeDeps = built.close;
    server = await startServer(createApp(built.deps), { host: '127.0.0.1', port: 0 });
    browser = await launchBrowser();
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await closeDeps?.();
    await workers?.stop();
    await temporal?.close();
    for (const sim of sims) await sim.close();
  });

  /** A page that records console errors, uncaught exceptions and failed or refused requests. */
  async function watchedPage(): Promise<{ page: Page; errors: string[]; failed: string[] }> {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    const errors: string[] = [];
    const failed: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('requestfailed', (r) => failed.push(`${r.url()} ${r.failure()?.errorText ?? ''}`));
    page.on('response', (r) => {
      if (r.status() >= 400) failed.push(`${r.url()} ${r.status()}`);
    });
    return { page, errors, failed };
  }

  /** The checks both modes pass, over the days [from, to] the page shows first. */
  async function checkShown(page: Page, from: string, to: string, label: string): Promise<void> {
    const expected = await tootsByInstance(from, to);
    const shown: ShownDashboard = await readShown(page);
    // KPIs: the total and each instance's toots equal DuckDB's.
    expect(shown.cards.toots).toBe(Object.values(expected).reduce((s, n) => s + n, 0));
    for (const i of instances) expect({ i, toots: shown.perInstance[i]?.toots }).toEqual({ i, toots: expected[i] });
    // Every chart of the catalog is on the page; those with data in DuckDB have marks, the others none.
    expect(Object.keys(shown.charts).sort()).toEqual(
      VIEW_CATALOG.filter((v) => v.chart)
        .map((v) => v.name)
        .sort(),
    );
    const withData = await viewsWithRows(from, to);
    expect(withData.length).toBeGreaterThan(15);
    const drawn = Object.entries(shown.charts)
      .filter(([, c]) => c.marks > 0)
      .map(([n]) => n)
      .sort();
    expect(drawn).toEqual(withData);
    expect(shown.tables['t-quality']).toBe(instances.length * DAYS.length);
    expect(shown.tables['t-viral']).toBeGreaterThan(0);
    expect(shown.tables['t-tracked']).toBe(instances.length);
    await page.screenshot({ path: path.join(ARTIFACTS, `dashboard-${label}.png`), fullPage: true });

    // An instance: its numbers alone, as DuckDB has them.
    const one = instances[1] as string;
    await setFilter(page, { instance: one });
    const narrowed = await readShown(page);
    expect(narrowed.cards.toots).toBe(expected[one]);
    expect(Object.keys(narrowed.perInstance)).toEqual([one]);
    expect(
      Object.entries(narrowed.charts)
        .filter(([, c]) => c.marks > 0)
        .map(([n]) => n)
        .sort(),
    ).toEqual(await viewsWithRows(from, to, one));
    // A day: that day's numbers.
    await setFilter(page, { from: to, to });
    const day = await readShown(page);
    expect(day.cards.toots).toBe((await tootsByInstance(to, to))[one]);
    expect(day.cards.days).toBe(1);
    expect(day.tables['t-quality']).toBe(1);
    await page.screenshot({ path: path.join(ARTIFACTS, `dashboard-${label}-filtered.png`), fullPage: true });
  }

  it('live at /: numbers equal DuckDB, every chart drawn, filters work, polling survives a load', async () => {
    const { page, errors, failed } = await watchedPage();
    const polls: number[] = [];
    page.on('response', (r) => {
      if (r.url().includes('/api/dashboard')) polls.push(r.status());
    });
    try {
      await page.goto(`${server?.url}/?refresh=1`);
      await waitForRender(page, 0);
      // The latest days by default (ending on the last day loaded).
      expect(await page.inputValue('#f-to')).toBe(DAYS[1]);
      // (The look-back loads the day before the first run's too: the range shown starts earlier.)
      const shownFrom = await page.inputValue('#f-from');
      const first = await readShown(page);
      const total = async (to: string) =>
        Object.values(await tootsByInstance(shownFrom, to)).reduce((sum, n) => sum + n, 0);
      expect(first.cards.toots).toBe(await total(DAYS[1]));
      if (process.env.MASTOFLOW_UPDATE_SCREENSHOT === '1') {
        // As a reader would set it (the test polls every second otherwise).
        await page.selectOption('#f-refresh', '30');
        await page.screenshot({
          path: path.join(ARTIFACTS, 'dashboard-readme.png'),
          fullPage: true,
          clip: { x: 0, y: 0, width: 1280, height: 1500 },
        });
        copyFileSync(path.join(ARTIFACTS, 'dashboard-readme.png'), SCREENSHOT);
        await page.selectOption('#f-refresh', '1');
      }

      // Another day loads while the page polls every second: every poll answered, the load done.
      const pollsBefore = polls.length;
      const rendersBefore = first.renders;
      expect((await runDay(LATE_DAY)).state).toBe('success');
      // The 30 days now end on the new day. A poll may have caught the load half done (one
      // partition in, one not): wait for one that shows all of it.
      const expected = Object.values(await tootsByInstance(addDays(LATE_DAY, -29), LATE_DAY)).reduce(
        (s, n) => s + n,
        0,
      );
      await page
        .waitForFunction(
          `document.querySelector('#kpis [data-kpi="toots"]')?.dataset.value === '${expected}' && document.body.dataset.state === 'ready'`,
          undefined,
          { timeout: 30_000 },
        )
        .catch(async (err) => {
          const state = { shown: (await readShown(page)).cards, to: await page.inputValue('#f-to'), polls, expected };
          throw new Error(
            `${String(err)}; the page: ${JSON.stringify(state)} status ${await page.textContent('#status')}`,
          );
        });
      const after = await readShown(page);
      expect(after.renders).toBeGreaterThan(rendersBefore);
      expect(await page.inputValue('#f-to')).toBe(LATE_DAY);
      expect(await page.inputValue('#f-from')).toBe(addDays(LATE_DAY, -29));
      expect(after.cards.toots).toBeGreaterThan(first.cards.toots as number);
      expect(polls.length - pollsBefore).toBeGreaterThan(2);
      expect(polls.filter((s) => s !== 200)).toEqual([]);
      expect(await page.inputValue('#f-to')).toBe(LATE_DAY);

      // The rest of the checks over the first two days (a range picked: polling keeps it).
      await page.selectOption('#f-refresh', '0');
      await setFilter(page, { from: DAYS[0], to: DAYS[1] });
      await checkShown(page, DAYS[0], DAYS[1], 'live');
      expect(failed).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 600_000);

  it('static from file:// with the network blocked: the same numbers, charts and filters', async () => {
    const file = path.join(ARTIFACTS, 'dashboard-static.html');
    const started = performance.now();
    const html = await writeStaticDashboard({
      duckdbPath: config.duckdb.path,
      from: DAYS[0],
      to: DAYS[1],
      instances,
      lookbackDays: config.schedule.lookbackDays,
      views: VIEW_CATALOG,
      now: new Date(),
    });
    writeFileSync(file, html);
    const ms = performance.now() - started;
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    const { page, errors, failed } = await watchedPage();
    const refused: string[] = [];
    await page.route('**', (r) => {
      if (r.request().url().startsWith('file:')) return r.continue();
      refused.push(r.request().url());
      return r.abort();
    });
    try {
      await page.goto(pathToFileURL(file).href);
      await waitForRender(page, 0);
      await checkShown(page, DAYS[0], DAYS[1], 'static');
      expect(refused).toEqual([]);
      expect(failed).toEqual([]);
      expect(errors).toEqual([]);
      console.log(`static dashboard: ${(html.length / 1024).toFixed(0)} KiB written in ${ms.toFixed(0)} ms`);
    } finally {
      await page.close();
    }
  }, 300_000);
});
