import type { Command } from 'commander';
import { Client } from '@temporalio/client';
import { configureInstanceThrottles } from '../../activities/mastodon';
import { addDays, yesterdayUtc } from '../../domain/logical-date';
import type { MastoflowConfig } from '../../domain/config';
import { assertPortFree } from '../../infra/ports';
import { startMastodonSim, type MastodonSim } from '../../infra/mastodon-sim/server';
import { connectTemporalClient } from '../../runtime/clients';
import { renderTable } from '../table';
import { querySql } from './sql';
import { startDagRun, temporalUiLink, temporalUiRunsLink } from '../../runtime/dag-client';
import { followDagRun } from './run';
import { holdUntilSignal, printStackUrls, startDevSession } from './dev';
import { renderReport } from './report';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { VIEW_CATALOG } from '../../domain/metrics/catalog';
import { createApp } from '../../runtime/serve/app';
import { serveDepsFromConfig } from '../../runtime/serve/serve-deps';
import { startServer, type RunningServer } from '../../runtime/serve/server';

// `npm run demo`: the embedded stack, a simulated Mastodon instance on the config's loopback
// instance URL, the mastodon_daily DAG for the last three days, then a summary from DuckDB.
// The simulated instance compresses Mastodon's rate limits 60× (300 requests per 5 s, paging
// 300 per 15 s) and the worker paces to the same budget, so the demo takes a minute, not hours.

const DEMO_THROTTLES = { api: { limit: 300, periodMs: 5_000 }, paging: { limit: 300, periodMs: 15_000 } };

async function startDemoInstance(
  config: MastoflowConfig,
  statusesPerDay: number,
): Promise<{ sim: MastodonSim; instance: string }> {
  const inst = config.instances.find((i) => /^https?:\/\/(127\.\d+\.\d+\.\d+|localhost)(:\d+)?$/.test(i.baseUrl));
  if (!inst)
    throw new Error(
      'the demo needs an instance with a loopback baseUrl (e.g. http://127.0.0.1:3001) in the config to simulate',
    );
  const url = new URL(inst.baseUrl);
  const port = Number(url.port || 80);
  await assertPortFree(port, `instances[].baseUrl of "${inst.name}" in the config`);
  const sim = await startMastodonSim({
    now: () => Date.now(),
    port,
    statusesPerDay,
    rateLimit: {
      limit: DEMO_THROTTLES.api.limit,
      windowMs: DEMO_THROTTLES.api.periodMs,
      pagedLimit: DEMO_THROTTLES.paging.limit,
      pagedWindowMs: DEMO_THROTTLES.paging.periodMs,
    },
  });
  configureInstanceThrottles(inst.baseUrl, DEMO_THROTTLES);
  return { sim, instance: inst.name };
}

/** The first port from `first` on that `serve` can bind on loopback (8088, else 8089, ...). */
async function startDemoServe(
  config: MastoflowConfig,
  first: number,
): Promise<{ server: RunningServer; close: () => Promise<void> }> {
  const temporalUiUrl = temporalUiLink(config, 'x')?.replace(/\/namespaces\/.*$/, '');
  const { deps, close } = serveDepsFromConfig(config, {
    views: VIEW_CATALOG,
    ...(temporalUiUrl ? { temporalUiUrl } : {}),
  });
  for (let port = first; port < first + 20; port++) {
    try {
      const server = await startServer(createApp(deps), { host: '127.0.0.1', port });
      return { server, close };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') {
        await close();
        throw err;
      }
    }
  }
  await close();
  throw new Error(`demo: no free port for serve in ${first}..${first + 19} (choose another with --serve-port)`);
}

/**
 * The static report of the demo's days, as `mastoflow report --format html` writes it (the same
 * function, so it is whatever HTML report the CLI makes), into the dev data directory.
 */
async function writeStaticReport(config: MastoflowConfig, from: string, to: string): Promise<string> {
  const file = path.resolve(config.dev.dataDir, 'reports', 'dashboard.html');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, await renderReport(config, { from, to, format: 'html' }));
  return file;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'embedded stack + simulated Mastodon instance; runs mastodon_daily for the last 3 days and prints a summary',
    )
    .option('--days <n>', 'how many days back from yesterday', (v) => Number(v), 3)
    .option('--statuses-per-day <n>', 'simulated statuses per day', (v) => Number(v), 3000)
    .option(
      '--serve-port <port>',
      'first port to try for the dashboard and API (then the next free)',
      (v) => Number(v),
      8088,
    )
    .option('--exit', 'stop the stack (and serve) after the demo instead of keeping it up for browsing')
    .action(async (opts: { days: number; statusesPerDay: number; servePort: number; exit?: boolean }, cmd: Command) => {
      // The demo's own progress lines are the story; worker INFO lines would drown them.
      process.env.MASTOFLOW_LOG_LEVEL ??= 'WARN';
      const session = await startDevSession(cmd, { worker: true });
      const config = session.stack.config;
      let sim: MastodonSim | undefined;
      let serve: Awaited<ReturnType<typeof startDemoServe>> | undefined;
      const stopAll = async () => {
        await serve?.server.close();
        await serve?.close();
        try {
          session.stopWorkers();
        } catch {
          // already stopping
        }
        await Promise.race([session.workerDone, new Promise((r) => setTimeout(r, 15_000))]);
        await sim?.close();
        await session.stack.stop();
      };
      try {
        const demo = await startDemoInstance(config, opts.statusesPerDay);
        sim = demo.sim;
        console.log(
          `demo: simulated Mastodon instance "${demo.instance}" at ${sim.url} (${opts.statusesPerDay} statuses/day)`,
        );
        const connection = await connectTemporalClient(config.temporal);
        const client = new Client({ connection, namespace: config.temporal.namespace });
        const last = yesterdayUtc(Date.now());
        const days = Array.from({ length: opts.days }, (_, i) => addDays(last, -(opts.days - 1 - i)));
        const failures: string[] = [];
        for (const day of days) {
          console.log(
            `\ndemo: mastodon_daily for ${day} — ${temporalUiLink(config, `dag/mastodon_daily/${day}`) ?? `dag/mastodon_daily/${day}`}`,
          );
          // Run each day as its schedule would have: the simulated instance's clock starts one
          // hour after the day ended, so its snapshots (followers, weekly activity, trends) are
          // observed in the day's own window instead of all today (a real instance cannot do this:
          // a backfill there shows past days' profiles as "not observed").
          const simStart = Math.min(Date.now(), Date.parse(`${addDays(day, 1)}T01:00:00Z`));
          const realStart = Date.now();
          sim.setNow(() => Math.min(Date.now(), simStart + (Date.now() - realStart)));
          const handle = await startDagRun(client, config, {
            dagId: 'mastodon_daily',
            logicalDate: day,
            params: { lookbackDays: 0 },
          });
          const outcome = await followDagRun(handle, { print: (l) => console.log(`  ${l}`) });
          if (outcome.error) failures.push(`${day}: ${outcome.error}`);
        }
        sim.setNow(() => Date.now());
        await connection.close();
        console.log('\ndemo: daily summary from DuckDB (v_daily_summary):\n');
        const rows = await querySql(config.duckdb.path, `SELECT * FROM v_daily_summary ORDER BY instance, day`);
        console.log(renderTable(rows));
        const tags = await querySql(
          config.duckdb.path,
          `SELECT day, string_agg(hashtag || ' ' || toots, ', ' ORDER BY rank) AS top_hashtags FROM v_top_hashtags WHERE rank <= 5 GROUP BY day ORDER BY day`,
        );
        console.log(`\n${renderTable(tags, { maxWidth: 90 })}`);
        // The demo ends on the dashboard: the static page of the days just run, and serve's
        // live one and API over the same store (not after failed runs: the message says why).
        const staticReport = failures.length ? undefined : await writeStaticReport(config, days[0] as string, last);
        serve = failures.length ? undefined : await startDemoServe(config, opts.servePort);
        printStackUrls(session.stack);
        console.log(`  Runs:         ${temporalUiRunsLink(config, 'mastodon_daily') ?? ''}`);
        if (staticReport) console.log(`  Dashboard (static): ${pathToFileURL(staticReport).href}`);
        if (serve) {
          console.log(`  Dashboard (live):   ${serve.server.url}/`);
          console.log(`  API:                ${serve.server.url}/api/views`);
        }
        console.log(`  Query more:   npx mastoflow sql "SELECT * FROM v_languages ORDER BY toots DESC LIMIT 10"\n`);
        if (failures.length) throw new Error(`demo runs failed:\n  ${failures.join('\n  ')}`);
      } catch (err) {
        await stopAll();
        throw err;
      }
      if (opts.exit) {
        await stopAll();
        return;
      }
      console.log('demo: stack stays up for browsing; press Ctrl-C to stop.');
      await holdUntilSignal(session);
      await serve?.server.close();
      await serve?.close();
      await sim?.close();
    });
}
