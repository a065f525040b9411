// mastodon_daily's tasks after the load, on the real stack: `report` writes the day's report and
// PNG charts to S3 under reports/<instance>/<date>/ and the run's result names the keys; the
// webhook (a local HTTP receiver) gets the text report after a clean run; a failing report leaves
// the run (and so the day's data) successful and sends a warning; a failing run sends a failure
// summary with the run's Temporal UI link.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DuckDBInstance } from '@duckdb/node-api';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportOutput } from '../../activities/report/activities';
import { renderChart } from '../../activities/report/chart-renderer';
import { reportPrefix } from '../../domain/keys';
import { formatCount } from '../../domain/report/numbers';
import type { MastodonSim } from '../../infra/mastodon-sim/server';
import { RUN_DAG_WORKFLOW_TYPE, type RunDagSummary } from '../../workflows/contracts';
import { DAY, getObject, listKeys, startSim, sourcesOn } from '../helpers/fetch-fixtures';
import { startTestWorkers, testClient, testConfig, testS3, testStack, uniqueName } from '../helpers/stack';

const INSTANCE = 'sim.example';
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

interface Received {
  body: { text: string; username: string };
}

/** A webhook receiver on a free loopback port that answers 200 and keeps every JSON body. */
async function startReceiver(): Promise<{
  url: string;
  received: Received[];
  /** Answer this many next requests with 503 (not kept): the activity must be retried by Temporal. */
  failNext: { count: number };
  close: () => Promise<void>;
}> {
  const received: Received[] = [];
  const failNext = { count: 0 };
  const server: Server = createServer((req, res) => {
    let data = '';
    req.on('data', (chunk) => {
      data += chunk;
    });
    req.on('end', () => {
      if (failNext.count > 0) {
        failNext.count--;
        res.writeHead(503).end('busy');
        return;
      }
      received.push({ body: JSON.parse(data) });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/secret-token`,
    received,
    failNext,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('mastodon_daily report and notification tasks', () => {
  let sim: MastodonSim;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let temporal: Awaited<ReturnType<typeof testClient>>;
  let workers: Awaited<ReturnType<typeof startTestWorkers>>;
  let config: ReturnType<typeof testConfig>;
  // Flipped by the failing-report case: the report task's chart renderer then throws.
  let breakCharts = false;

  beforeAll(async () => {
    sim = await startSim({ statusesPerDay: 400, rateLimit: false });
    receiver = await startReceiver();
    const name = uniqueName('mdr');
    config = testConfig(name, {
      s3: { endpoint: testStack().s3Endpoint, bucket: name.toLowerCase(), forcePathStyle: true },
      instances: [
        {
          name: INSTANCE,
          baseUrl: sim.url,
          userAgentContact: 'mailto:t@example.org',
          sources: sourcesOn('publicLocal'),
        },
      ],
      notifications: { webhookUrlEnv: 'TEST_MASTOFLOW_WEBHOOK' },
    });
    workers = await startTestWorkers(config, {
      env: { TEST_MASTOFLOW_WEBHOOK: receiver.url },
      activityDeps: {
        renderChart: async (spec, format) => {
          if (breakCharts) throw new Error('test: the chart renderer is broken');
          return renderChart(spec, format);
        },
      },
    });
    temporal = await testClient();
  });
  afterAll(async () => {
    await workers?.stop();
    await temporal?.close();
    await sim?.close();
    await receiver?.close();
  });

  function start(params: Record<string, unknown> = {}) {
    return temporal.client.workflow.start(RUN_DAG_WORKFLOW_TYPE, {
      workflowId: `${uniqueName('dag/mastodon_daily')}/${DAY}`,
      taskQueue: config.temporal.taskQueue,
      memo: { storeTaskQueue: config.temporal.storeTaskQueue },
      args: [{ dagId: 'mastodon_daily', logicalDate: DAY, params: { lookbackDays: 0, ...params } }],
    });
  }

  async function storedToots(): Promise<number> {
    const db = await DuckDBInstance.create(config.duckdb.path, { access_mode: 'READ_ONLY' });
    const conn = await db.connect();
    try {
      const rows = await conn.runAndReadAll(
        'SELECT toots FROM v_toots_per_day WHERE instance = $1 AND day = $2::DATE',
        [INSTANCE, DAY],
      );
      return Number(rows.getRows()[0]?.[0]);
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  }

  it('writes report.md, report.txt and PNG charts, names their keys in the result, and posts the text report', async () => {
    receiver.received.length = 0;
    receiver.failNext.count = 1; // the first POST meets a 503: Temporal retries the activity
    const summary = (await (await start()).result()) as RunDagSummary;
    expect(summary.state).toBe('success');
    expect(summary.tasks.report?.state).toBe('success');
    expect(summary.tasks.notify_success).toMatchObject({ attempts: 2, output: { sent: true, status: 200 } });
    expect(summary.tasks.notify_failure?.state).toBe('skipped');

    const output = summary.tasks.report?.output as ReportOutput;
    const report = output.reports[0]!;
    expect(report).toMatchObject({
      instance: INSTANCE,
      prefix: reportPrefix(INSTANCE, DAY),
      markdownKey: `reports/${INSTANCE}/${DAY}/report.md`,
      textKey: `reports/${INSTANCE}/${DAY}/report.txt`,
    });
    const s3 = testS3(config);
    try {
      const keys = await listKeys(s3, config.s3.bucket, report.prefix);
      expect(keys.sort()).toEqual(report.files.map((f) => `${report.prefix}${f}`).sort());
      const charts = report.files.filter((f) => f.startsWith('charts/'));
      expect(charts).toContain('charts/toots_per_day.png');
      for (const chart of charts) {
        const png = await getObject(s3, config.s3.bucket, `${report.prefix}${chart}`);
        expect(png.subarray(0, 8).equals(PNG_SIGNATURE), chart).toBe(true);
      }
      const toots = await storedToots();
      expect(toots).toBeGreaterThan(100); // local statuses only (public-remote is off)
      expect(report.toots).toBe(toots);
      const md = (await getObject(s3, config.s3.bucket, report.markdownKey)).toString('utf8');
      expect(md).toContain(`${INSTANCE} — ${DAY}`);
      expect(md).toContain(`toots ${formatCount(toots)}`);
      const text = (await getObject(s3, config.s3.bucket, report.textKey)).toString('utf8');

      expect(receiver.received).toHaveLength(1);
      const message = receiver.received[0]!.body;
      expect(message.username).toBe('mastoflow');
      expect(message.text.startsWith(`✅ mastodon_daily ${DAY}: succeeded`)).toBe(true);
      expect(message.text).toContain(text.trimEnd());
      expect(message.text.length).toBeLessThanOrEqual(4000);
    } finally {
      s3.destroy();
    }
  }, 300_000);

  it('a failing report fails neither the run nor the day: the run completes and the webhook hears a warning', async () => {
    receiver.received.length = 0;
    breakCharts = true;
    try {
      const handle = await start();
      const summary = (await handle.result()) as RunDagSummary;
      // The workflow completed: status, `backfill --reprocess failed` and the status grid read
      // the day as succeeded, so its data is not fetched again for a report problem.
      expect((await handle.describe()).status.name).toBe('COMPLETED');
      expect(summary.state).toBe('success');
      expect(summary.tasks.load?.state).toBe('success');
      expect(summary.tasks.report).toMatchObject({ state: 'failed' });
      expect(summary.tasks.report?.error).toContain('the chart renderer is broken');
      expect(summary.tasks.notify_success?.state).toBe('upstream_failed');
      expect(summary.tasks.notify_failure).toMatchObject({ state: 'success', output: { sent: true } });
      expect(receiver.received).toHaveLength(1);
      const text = receiver.received[0]!.body.text;
      expect(text).toContain("the day's data loaded, but report failed");
      expect(text).toContain(`Temporal UI: http://`);
      expect(text).toContain(encodeURIComponent(handle.workflowId));
    } finally {
      breakCharts = false;
    }
  }, 300_000);

  it('a failing run fails and the webhook hears the failure with the Temporal UI link', async () => {
    receiver.received.length = 0;
    const handle = await start({ instances: ['no.such.instance'] });
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const summary = (await handle.describe()).status.name;
    expect(summary).toBe('FAILED');
    expect(receiver.received).toHaveLength(1);
    const text = receiver.received[0]!.body.text;
    expect(text).toContain(`❌ mastodon_daily ${DAY}: run failed (load, report did not succeed)`);
    expect(text).toContain(`/workflows/${encodeURIComponent(handle.workflowId)}`);
    // The URL of the webhook is a credential: nowhere in the run's history.
    const history = JSON.stringify(await handle.fetchHistory());
    expect(history).not.toContain('secret-token');
  }, 300_000);
});
