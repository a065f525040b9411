import { describe, expect, it } from 'vitest';
import { collectText, secretsIn } from '../helpers/secret-scan';

// The scanner the chaos campaigns and the test suite's teardown use: it must see a secret in a
// payload's bytes (JSON-encoded by the data converter), in a failure message, anywhere nested.

describe('secret scan', () => {
  const secrets = { 'S3 secret': 's3-secret-abcdef123', token: 'tok-0123456789', short: 'abc' };
  const history = {
    events: [
      {
        eventId: 1,
        workflowExecutionStartedEventAttributes: {
          input: { payloads: [{ metadata: {}, data: new TextEncoder().encode('{"day":"2026-03-03"}') }] },
        },
      },
      {
        eventId: 7,
        activityTaskFailedEventAttributes: {
          failure: { message: 'GET failed', cause: { message: 'Authorization: Bearer tok-0123456789' } },
        },
      },
      {
        eventId: 9,
        activityTaskCompletedEventAttributes: {
          result: { payloads: [{ data: Buffer.from('{"secret":"s3-secret-abcdef123"}') }] },
        },
      },
    ],
  };

  it('finds secrets in failure messages and in payload bytes, naming only their labels', () => {
    const found = new Set(
      (() => {
        const texts: string[] = [];
        collectText(history, texts);
        return texts.flatMap((t) => secretsIn(t, secrets));
      })(),
    );
    expect([...found].sort()).toEqual(['S3 secret', 'token']);
  });

  it('finds nothing in a clean history and ignores values too short to be secrets', () => {
    const texts: string[] = [];
    collectText(history.events[0], texts);
    expect(texts.flatMap((t) => secretsIn(t, secrets))).toEqual([]);
    expect(secretsIn('abc abc', secrets)).toEqual([]);
  });
});
