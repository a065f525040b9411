import { describe, expect, it } from 'vitest';
import { ConnectionNotices, isConnectionLost, untilReachable } from '../../runtime/temporal-reconnect';

// The follower's outage rules; the real restart is test/e2e/follow-reconnect.test.ts.

const grpc = (code: number, details: string) => Object.assign(new Error(`${code} ${details}`), { code, details });

describe('isConnectionLost', () => {
  it.each([
    [grpc(14, 'No connection established'), true],
    [grpc(4, 'Deadline exceeded'), true],
    [grpc(13, 'Received RST_STREAM with code 2'), true],
    [new Error('Channel has been shut down'), true],
    [Object.assign(new Error('Failed to query workflow'), { cause: grpc(14, 'Connection dropped') }), true],
    [grpc(5, 'workflow not found'), false],
    [grpc(13, 'internal server error: bad query'), false],
    [new Error('Workflow execution failed'), false],
    [undefined, false],
  ])('%s → %s', (err, lost) => {
    expect(isConnectionLost(err)).toBe(lost);
  });
});

describe('ConnectionNotices and untilReachable', () => {
  it('announces an outage once, then its end, and returns the answer', async () => {
    const lines: string[] = [];
    const notices = new ConnectionNotices({
      address: '127.0.0.1:7233',
      onLost: (l) => lines.push(l),
      onBack: (l) => lines.push(l),
      retryMs: 1,
    });
    let calls = 0;
    const value = await untilReachable(async () => {
      calls += 1;
      if (calls < 4) throw grpc(14, 'No connection established');
      return 'done';
    }, notices);
    expect(value).toBe('done');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^lost the connection to Temporal at 127\.0\.0\.1:7233 \(14 No connection established\)/);
    expect(lines[1]).toMatch(/^reconnected to Temporal at 127\.0\.0\.1:7233 after \d+ s; following again$/);
  });

  it('throws any other error at once', async () => {
    const notices = new ConnectionNotices({ address: 'x:1', onLost: () => {}, onBack: () => {} });
    await expect(untilReachable(() => Promise.reject(grpc(5, 'not found')), notices)).rejects.toThrow('not found');
    expect(notices.isLost).toBe(false);
  });

  it('stops waiting when the caller detaches', async () => {
    const abort = new AbortController();
    const notices = new ConnectionNotices({ address: 'x:1', onLost: () => abort.abort(), onBack: () => {} });
    await expect(untilReachable(() => Promise.reject(grpc(14, 'unavailable')), notices, abort.signal)).rejects.toThrow(
      'unavailable',
    );
  });
});
