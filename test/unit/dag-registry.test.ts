import { describe, expect, it } from 'vitest';
import { exampleChain } from '../../dags/example_chain';
import { createDagRegistry, DagRegistryError, nextFireTimes } from '../../dags/registry';
import { parseDagSpec, resolveTaskOptions, maximumAttempts, type DagSpecInput } from '../../domain/dag-spec';
import { formatDuration, parseDuration } from '../../domain/durations';

const ACTIVITIES = ['noop', 'sleepMs'];

function daily(overrides: Partial<DagSpecInput> = {}): DagSpecInput {
  return {
    id: 'daily',
    schedule: { cron: '0 2 * * *', timezone: 'UTC' },
    tasks: [
      { id: 'fetch', activity: 'noop' },
      { id: 'load', activity: 'noop', deps: ['fetch'] },
    ],
    ...overrides,
  };
}

/** The registry's problems for these DAGs (fails the test if it loads). */
function problems(dags: DagSpecInput[]): DagRegistryError['problems'] {
  try {
    createDagRegistry(dags, ACTIVITIES);
  } catch (error) {
    if (error instanceof DagRegistryError) return error.problems;
    throw error;
  }
  throw new Error('expected the registry to refuse these DAGs');
}

describe('createDagRegistry: loading', () => {
  it('loads valid DAGs, sorted by id, with defaults filled in', () => {
    const registry = createDagRegistry([daily(), exampleChain], ACTIVITIES);
    expect(registry.ids()).toEqual(['daily', 'example_chain']);
    expect(registry.list().map((d) => d.id)).toEqual(['daily', 'example_chain']);
    const dag = registry.get('daily');
    expect(dag.schedule).toEqual({ cron: '0 2 * * *', timezone: 'UTC', paused: false });
    expect(dag.tasks[1]).toMatchObject({ deps: ['fetch'], triggerRule: 'all_success', options: {} });
    expect(registry.has('nope')).toBe(false);
    expect(registry.find('nope')).toBeUndefined();
  });

  it('names the known DAGs when asked for an unknown one', () => {
    const registry = createDagRegistry([daily()], ACTIVITIES);
    expect(() => registry.get('weekly')).toThrow('unknown DAG "weekly" (known: daily)');
  });
});

describe('createDagRegistry: schedules', () => {
  it.each([
    ['0 2 * *', /schedule\.cron: expected 5 fields .*got 4/],
    ['0 0 2 * * *', /schedule\.cron: expected 5 fields .*got 6/],
    ['61 2 * * *', /schedule\.cron: .*61.* in "61 2 \* \* \*"/],
    ['@reboot', /schedule\.cron: unsupported alias "@reboot"/],
    ['every day', /schedule\.cron: expected 5 fields/],
  ])('rejects cron %j naming the DAG', (cron, pattern) => {
    const found = problems([daily({ schedule: { cron } })]);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ code: 'bad_cron', dagId: 'daily' });
    expect(found[0]?.message).toMatch(/^dag "daily": /);
    expect(found[0]?.message).toMatch(pattern);
  });

  it.each([
    ['Mars/Olympus', 'unknown IANA timezone "Mars/Olympus"'],
    ['utc', 'timezone names are case-sensitive: expected "UTC", got "utc"'],
    ['europe/berlin', 'expected "Europe/Berlin"'],
    ['+02:00', 'got offset "+02:00"'],
  ])('rejects timezone %j', (timezone, text) => {
    const found = problems([daily({ schedule: { cron: '0 2 * * *', timezone } })]);
    expect(found.map((p) => p.code)).toEqual(['bad_timezone']);
    expect(found[0]?.message).toContain('dag "daily": schedule.timezone: ');
    expect(found[0]?.message).toContain(text);
  });

  it('accepts aliases, zones and no schedule at all', () => {
    expect(() =>
      createDagRegistry(
        [
          daily({ id: 'a', schedule: { cron: '@daily', timezone: 'Europe/Berlin' } }),
          daily({ id: 'b', schedule: { cron: '30 1 * * 1-5', timezone: 'America/New_York' } }),
          daily({ id: 'c', schedule: null }),
        ],
        ACTIVITIES,
      ),
    ).not.toThrow();
  });

  it('lists next fire times in the schedule timezone, as UTC ISO strings', () => {
    const berlin = daily({ schedule: { cron: '0 2 * * *', timezone: 'Europe/Berlin' } });
    const dag = createDagRegistry([berlin], ACTIVITIES).get('daily');
    expect(nextFireTimes(dag, Date.parse('2024-01-01T00:00:00Z'), 2)).toEqual([
      '2024-01-01T01:00:00.000Z',
      '2024-01-02T01:00:00.000Z',
    ]);
    expect(nextFireTimes({ schedule: null }, 0, 3)).toEqual([]);
  });
});

describe('createDagRegistry: problems name the DAG and task', () => {
  it('names the task for schema errors inside tasks', () => {
    const found = problems([
      daily({ tasks: [{ id: 'fetch', activity: 'noop', options: { retries: '3' as unknown as number } }] }),
    ]);
    expect(found.map((p) => p.message)).toEqual([
      'dag "daily", task "fetch": options.retries: expected number, got "3"',
    ]);
  });

  it('names the task for a misspelt key', () => {
    const bad = { id: 'fetch', activity: 'noop', dependencies: [] } as unknown as DagSpecInput['tasks'][number];
    expect(problems([daily({ tasks: [bad] })]).map((p) => p.message)).toEqual([
      'dag "daily", task "fetch": dependencies: unknown field',
    ]);
  });

  it('names graph problems found after parsing', () => {
    const found = problems([
      daily({
        tasks: [
          { id: 'fetch', activity: 'fetchAll' },
          { id: 'load', activity: 'noop', deps: ['fetsh'] },
        ],
      }),
    ]);
    expect(found.map((p) => p.message)).toEqual([
      'dag "daily", task "fetch": unknown activity "fetchAll"',
      'dag "daily", task "load": unknown dep "fetsh" (did you mean "fetch"?)',
    ]);
  });

  it('rejects duplicate DAG ids', () => {
    expect(problems([daily(), daily()]).map((p) => p.message)).toEqual([
      'dag "daily": duplicate DAG id (definition #1 repeats an earlier one)',
    ]);
  });

  it('aggregates every problem of every DAG into one error', () => {
    const dags = [
      daily({ id: 'one', schedule: { cron: '0 25 * * *', timezone: 'Nowhere/Land' } }),
      daily({
        id: 'two',
        tasks: [
          { id: 'a', activity: 'noop', deps: ['b'] },
          { id: 'b', activity: 'noop', deps: ['a'] },
        ],
      }),
      daily({ id: 'Three' }),
    ];
    let error: unknown;
    try {
      createDagRegistry(dags, ACTIVITIES);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DagRegistryError);
    const text = (error as Error).message;
    expect(text).toMatch(/^invalid DAG definitions \(4 problems\):\n/);
    expect(text).toContain('  - dag "one": schedule.timezone: unknown IANA timezone "Nowhere/Land"');
    expect(text).toContain('  - dag "one": schedule.cron: ');
    expect(text).toContain('  - dag "two", task "a": cycle a -> b -> a');
    expect(text).toContain('  - dag "Three": id: expected a lowercase slug');
  });
});

describe('DAG spec parsing: options and durations', () => {
  it('turns duration strings into milliseconds and merges task options over DAG defaults', () => {
    const parsed = parseDagSpec(
      daily({
        defaultTaskOptions: { retries: 3, maxBackoff: '2m' },
        tasks: [
          { id: 'load', activity: 'noop', options: { startToCloseTimeout: '90s', taskQueue: 'mastoflow-store' } },
        ],
      }),
    );
    if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('\n'));
    const dag = parsed.value;
    const options = resolveTaskOptions(dag, dag.tasks[0]!);
    expect(options).toEqual({
      retries: 3,
      initialBackoff: 1_000,
      maxBackoff: 120_000,
      backoffCoefficient: 2,
      startToCloseTimeout: 90_000,
      taskQueue: 'mastoflow-store',
    });
    expect(maximumAttempts(options)).toBe(4);
  });

  it('names a bad duration', () => {
    const parsed = parseDagSpec(daily({ defaultTaskOptions: { initialBackoff: '5 minutes' } }));
    expect(parsed.ok ? [] : parsed.errors.map((e) => e.message)).toEqual([
      `dag "daily": defaultTaskOptions.initialBackoff: expected a duration like '250ms', '1s', '5m', '2h', '1d' or milliseconds >= 0, got "5 minutes"`,
    ]);
  });

  it.each([
    ['250ms', 250],
    ['1s', 1_000],
    ['1.5s', 1_500],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    [42, 42],
  ])('parses %j as %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each(['', '5', '5 minutes', '-1s', '1w'])('rejects duration %j', (input) => {
    expect(() => parseDuration(input)).toThrow(/expected a duration/);
  });

  it('formats milliseconds as single-unit Temporal duration strings', () => {
    expect([0, 250, 1_500, 90_000, 300_000, 7_200_000, 86_400_000].map(formatDuration)).toEqual([
      '0ms',
      '250ms',
      '1500ms',
      '90s',
      '5m',
      '2h',
      '1d',
    ]);
  });
});
