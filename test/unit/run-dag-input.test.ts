import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseDagParams, parseDagSpec, parseRunDagInput } from '../../domain/dag-spec';

function message(raw: unknown): string {
  const result = parseRunDagInput(raw);
  if (result.ok) throw new Error(`expected a failure for ${JSON.stringify(raw)}`);
  return result.message;
}

describe('parseRunDagInput: good inputs', () => {
  it('accepts the minimal input', () => {
    expect(parseRunDagInput({ dagId: 'daily' })).toEqual({ ok: true, value: { dagId: 'daily' } });
  });

  it('accepts every field', () => {
    const raw = {
      dagId: 'daily',
      logicalDate: '2024-02-29',
      params: { instance: 'mastodon.social' },
      runType: 'backfill',
      backfillId: 'bf-1',
    };
    expect(parseRunDagInput(raw)).toEqual({ ok: true, value: raw });
  });

  it('accepts input decoded from the UI JSON form', () => {
    const raw: unknown = JSON.parse('{"dagId":"daily","logicalDate":"2024-03-01","runType":"manual"}');
    expect(parseRunDagInput(raw).ok).toBe(true);
  });
});

describe('parseRunDagInput: bad inputs name the field', () => {
  it('names an impossible month', () => {
    expect(message({ dagId: 'daily', logicalDate: '2024-13-01' })).toBe(
      'logicalDate: expected YYYY-MM-DD (a real calendar day), got "2024-13-01"',
    );
  });

  it('names a non-leap Feb 29 and a wrongly shaped date', () => {
    expect(message({ dagId: 'daily', logicalDate: '2023-02-29' })).toMatch(/^logicalDate: expected YYYY-MM-DD/);
    expect(message({ dagId: 'daily', logicalDate: '1/3/2024' })).toMatch(/^logicalDate: .*got "1\/3\/2024"/);
    expect(message({ dagId: 'daily', logicalDate: 20240301 })).toBe('logicalDate: expected string, got 20240301');
  });

  it('names a missing or mistyped dagId', () => {
    expect(message({})).toBe('dagId: required, expected string');
    expect(message({ dagId: 7 })).toBe('dagId: expected string, got 7');
    expect(message({ dagId: '' })).toBe('dagId: expected a DAG id, got ""');
  });

  it('names an unknown runType with the allowed values', () => {
    expect(message({ dagId: 'daily', runType: 'adhoc' })).toBe(
      'runType: expected one of "scheduled" | "manual" | "backfill", got "adhoc"',
    );
  });

  it('rejects unknown keys and lists the known ones', () => {
    expect(message({ dagId: 'daily', date: '2024-01-01' })).toBe(
      'date: unknown field (expected one of dagId, logicalDate, params, runType, backfillId)',
    );
  });

  it('rejects params that are not an object', () => {
    expect(message({ dagId: 'daily', params: ['a'] })).toBe('params: expected record, got an array');
  });

  it('rejects a payload that is not an object', () => {
    expect(message('daily')).toBe('root: expected object, got "daily"');
    expect(message(null)).toBe('root: expected object, got null');
    expect(message(undefined)).toBe('root: required, expected object');
  });

  it('reports every bad field in one message', () => {
    const text = message({ dagId: 1, logicalDate: '2024-13-01', extra: true });
    expect(text.split('; ').map((line) => line.split(':')[0])).toEqual(['dagId', 'logicalDate', 'extra']);
  });
});

describe('parseDagParams', () => {
  const parsed = parseDagSpec({
    id: 'daily',
    params: z.strictObject({ instance: z.string(), limit: z.number().int().default(40) }),
    tasks: [{ id: 'a', activity: 'noop' }],
  });
  if (!parsed.ok) throw new Error('fixture DAG must parse');
  const dag = parsed.value;

  it('applies the schema defaults', () => {
    expect(parseDagParams(dag, { instance: 'x.social' })).toEqual({
      ok: true,
      value: { instance: 'x.social', limit: 40 },
    });
  });

  it('names the bad param under params.', () => {
    expect(parseDagParams(dag, { instance: 3 })).toEqual({
      ok: false,
      message: 'params.instance: expected string, got 3',
    });
    expect(parseDagParams(dag, {})).toEqual({ ok: false, message: 'params.instance: required, expected string' });
  });

  it('rejects params for a DAG that takes none', () => {
    const bare = parseDagSpec({ id: 'bare', tasks: [{ id: 'a', activity: 'noop' }] });
    if (!bare.ok) throw new Error('fixture DAG must parse');
    expect(parseDagParams(bare.value, undefined)).toEqual({ ok: true, value: {} });
    expect(parseDagParams(bare.value, { x: 1 })).toEqual({ ok: false, message: 'params.x: unknown field' });
  });
});
