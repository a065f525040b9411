import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { formatDagList, formatDagShow } from '../../cli/commands/dags';
import { formatSummaryTable } from '../../cli/commands/run';
import { main } from '../../cli/main';
import { createDagCatalog } from '../../dags/catalog';
import { temporalUiLink, withPendingAttempts } from '../../runtime/dag-client';
import { parseConfig } from '../../domain/config';
import { parseDagSpec } from '../../domain/dag-spec';
import type { TaskStatesView } from '../../workflows/contracts';

function config(address: string) {
  const parsed = parseConfig(
    {
      instances: [{ name: 'x.local', baseUrl: 'http://127.0.0.1:1', userAgentContact: 'mailto:a@b.c' }],
      s3: { bucket: 'b-1' },
      temporal: { address, namespace: 'prod ns' },
      dev: { temporalUiPort: 8999 },
    },
    'test',
  );
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.config;
}

describe("withPendingAttempts (up_for_retry from the server's pending activities)", () => {
  const states: TaskStatesView = {
    fetch: { state: 'running', attempts: 0 },
    load: { state: 'running', attempts: 0 },
    done: { state: 'success', attempts: 1 },
  };

  it('marks a running task waiting for its next attempt up_for_retry, with the last failure', () => {
    const merged = withPendingAttempts(states, [
      { activityId: 'fetch', attempt: 3, state: 1, lastFailure: { message: 'HTTP 503' } },
      { activityId: 'load', attempt: 2, state: 2, lastFailure: { message: 'locked' } },
      { activityId: 'done', attempt: 2, state: 1 },
    ]);
    expect(merged.fetch).toEqual({ state: 'up_for_retry', attempts: 3, error: 'HTTP 503' });
    expect(merged.load).toEqual({ state: 'running', attempts: 2, error: 'locked' });
    expect(merged.done).toEqual(states.done);
    expect(states.fetch?.state).toBe('running'); // not mutated
  });

  it('leaves first attempts and unknown activities alone', () => {
    expect(
      withPendingAttempts(states, [
        { activityId: 'fetch', attempt: 1, state: 1 },
        { activityId: 'other', attempt: 5 },
      ]),
    ).toEqual(states);
    expect(withPendingAttempts(states, undefined)).toEqual(states);
  });
});

describe('temporalUiLink', () => {
  it("links a loopback server's UI, encoding the workflow ID", () => {
    expect(temporalUiLink(config('localhost:7233'), 'dag/daily/2026-11-20')).toBe(
      'http://localhost:8999/namespaces/prod%20ns/workflows/dag%2Fdaily%2F2026-11-20',
    );
    expect(temporalUiLink(config('127.0.0.1:7233'), 'x')).toBe(
      'http://127.0.0.1:8999/namespaces/prod%20ns/workflows/x',
    );
  });

  it('has no link for a remote server', () => {
    expect(temporalUiLink(config('temporal.internal:7233'), 'x')).toBeUndefined();
  });
});

/** `mastoflow --config <file> dags list --json` with loadExamples set as given: the ids it prints. */
async function listedDagIds(loadExamples: boolean | undefined): Promise<string[]> {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'mastoflow-dags-list-')), 'config.json');
  const raw = {
    instances: [{ name: 'x.local', baseUrl: 'http://127.0.0.1:1', userAgentContact: 'mailto:a@b.c' }],
    s3: { bucket: 'b-1' },
    ...(loadExamples === undefined ? {} : { loadExamples }),
  };
  writeFileSync(file, JSON.stringify(raw));
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
  try {
    await main(['--config', file, 'dags', 'list', '--json']);
  } finally {
    log.mockRestore();
  }
  return (JSON.parse(lines.join('\n')) as Array<{ id: string }>).map((d) => d.id);
}

describe('dags list honours loadExamples (no test DAGs in the production registry)', () => {
  it('lists the example DAGs only when loadExamples is on; off by default', async () => {
    expect(await listedDagIds(true)).toEqual(['example_chain', 'example_fanout', 'mastodon_daily']);
    expect(await listedDagIds(false)).toEqual(['mastodon_daily']);
    expect(await listedDagIds(undefined)).toEqual(['mastodon_daily']);
  });
});

describe('dags list / show output', () => {
  it('lists id, schedule, task count and description', () => {
    const daily = parseDagSpec({
      id: 'daily',
      description: 'Daily numbers',
      schedule: { cron: '0 2 * * *' },
      tasks: [{ id: 'a', activity: 'noop' }],
    });
    if (!daily.ok) throw new Error('bad fixture');
    const text = formatDagList([createDagCatalog({ loadExamples: true }).get('example_chain'), daily.value]);
    expect(text.split('\n')).toEqual([
      'dag            schedule       tasks  description',
      'example_chain  -                  4  Demo: a chain, a fan-out and a join over no-op activities',
      'daily          0 2 * * * UTC      1  Daily numbers',
    ]);
  });

  it('shows the graph and the next fire times with the day each processes', () => {
    const daily = parseDagSpec({
      id: 'daily',
      schedule: { cron: '0 2 * * *' },
      tasks: [{ id: 'a', activity: 'noop' }],
    });
    if (!daily.ok) throw new Error('bad fixture');
    const text = formatDagShow(daily.value, Date.parse('2026-11-20T12:00:00Z'), 2);
    expect(text).toContain('level 0\n  a  noop');
    expect(text).toContain(
      '  2026-11-21T02:00:00.000Z  processes 2026-11-20\n  2026-11-22T02:00:00.000Z  processes 2026-11-21',
    );
    expect(formatDagShow(createDagCatalog({ loadExamples: true }).get('example_chain'), 0)).not.toContain('next runs');
  });
});

describe('formatSummaryTable', () => {
  it('prints one row per task with outputs for successes and errors otherwise', () => {
    const text = formatSummaryTable({
      fetch: { state: 'success', attempts: 2, output: { key: 'raw/x', count: 3 } },
      load: {
        state: 'upstream_failed',
        attempts: 0,
        error: 'upstream failed by trigger rule all_success (fetch=failed)',
      },
    });
    expect(text.split('\n')).toEqual([
      'task   state            tries  output / error',
      'fetch  success              2  {"key":"raw/x","count":3}',
      'load   upstream_failed      0  upstream failed by trigger rule all_success (fetch=failed)',
    ]);
  });
});
