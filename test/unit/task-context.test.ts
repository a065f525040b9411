import { describe, expect, it } from 'vitest';
import {
  attemptFromDetails,
  EXPAND_SOURCE_OUTPUT_LIMIT_BYTES,
  isTaskResultEnvelope,
  jsonByteLength,
  oversizeOutputMessage,
  TASK_OUTPUT_LIMIT_BYTES,
  taskResultEnvelope,
  unwrapTaskResult,
} from '../../domain/task-context';

describe('jsonByteLength', () => {
  it('counts UTF-8 bytes of the JSON text', () => {
    expect(jsonByteLength({ a: 1 })).toBe(7);
    expect(jsonByteLength('é')).toBe(4); // "é": 2 quotes + 2 bytes
    expect(jsonByteLength('€')).toBe(5); // 3-byte code point
    expect(jsonByteLength('🐘')).toBe(6); // surrogate pair = one 4-byte code point
    expect(jsonByteLength(undefined)).toBe(0);
  });

  it('agrees with Buffer.byteLength on mixed text', () => {
    const value = { text: 'Grüße aus 東京 🐘', list: [1, 2, 3], nested: { s: 'x'.repeat(100) } };
    expect(jsonByteLength(value)).toBe(Buffer.byteLength(JSON.stringify(value), 'utf8'));
  });
});

describe('oversizeOutputMessage', () => {
  it('accepts outputs up to the limit and refuses bigger ones with advice', () => {
    expect(oversizeOutputMessage('t', { key: 'raw/v1/x.json', count: 3 }, TASK_OUTPUT_LIMIT_BYTES)).toBeUndefined();
    const exact = 'x'.repeat(TASK_OUTPUT_LIMIT_BYTES - 2); // plus 2 quotes = the limit
    expect(oversizeOutputMessage('t', exact, TASK_OUTPUT_LIMIT_BYTES)).toBeUndefined();
    expect(oversizeOutputMessage('fetch', `${exact}y`, TASK_OUTPUT_LIMIT_BYTES)).toBe(
      'output of task "fetch" is 64 KB of JSON, over the 64 KB limit: task outputs travel through Temporal history, ' +
        'so write large data to S3 and return its key (and counts) instead',
    );
  });

  it('lets an expand source return 10,000 small items', () => {
    const items = Array.from({ length: 10_000 }, (_, i) => `raw/v1/instance=x/page-${i}.json`);
    expect(oversizeOutputMessage('list', { items }, TASK_OUTPUT_LIMIT_BYTES)).toBeDefined();
    expect(oversizeOutputMessage('list', { items }, EXPAND_SOURCE_OUTPUT_LIMIT_BYTES)).toBeUndefined();
  });
});

describe('task result envelopes and attempt details', () => {
  it('unwraps an envelope and passes other results through', () => {
    expect(unwrapTaskResult(taskResultEnvelope({ key: 'k' }, 3))).toEqual({ output: { key: 'k' }, attempt: 3 });
    expect(unwrapTaskResult({ key: 'k' })).toEqual({ output: { key: 'k' } });
    expect(unwrapTaskResult(null)).toEqual({ output: null });
    expect(isTaskResultEnvelope({ mastoflowTask: 1, attempt: 2 })).toBe(false); // no output field
    expect(isTaskResultEnvelope(taskResultEnvelope(undefined, 1))).toBe(true);
  });

  it('finds the attempt in failure details, last entry winning', () => {
    expect(attemptFromDetails([{ user: 'detail' }, { mastoflowTaskAttempt: 4 }])).toBe(4);
    expect(attemptFromDetails([{ mastoflowTaskAttempt: 1 }, 'x', { mastoflowTaskAttempt: 2 }])).toBe(2);
    expect(attemptFromDetails([{ user: 'detail' }])).toBeUndefined();
    expect(attemptFromDetails(null)).toBeUndefined();
    expect(attemptFromDetails(undefined)).toBeUndefined();
  });
});
