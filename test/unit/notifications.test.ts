import { describe, expect, it } from 'vitest';
import { reportObjectKey, reportPrefix } from '../../domain/keys';
import {
  clip,
  failureMessage,
  MESSAGE_LIMIT_CHARS,
  successMessage,
  webhookPayload,
  webhookVerdict,
} from '../../domain/notifications';
import { temporalUiWorkflowUrl } from '../../domain/temporal-ui';
import { parseConfig } from '../../domain/config';

const RUN = { dagId: 'mastodon_daily', logicalDate: '2024-03-05' };

describe('report keys', () => {
  it('puts a day report under reports/<instance>/<date>/', () => {
    expect(reportPrefix('mastodon.social', '2024-03-05')).toBe('reports/mastodon.social/2024-03-05/');
    expect(reportObjectKey('mastodon.social', '2024-03-05', 'charts/toots_per_day.png')).toBe(
      'reports/mastodon.social/2024-03-05/charts/toots_per_day.png',
    );
  });

  it('refuses file names that would leave the folder or a bad day', () => {
    expect(() => reportObjectKey('a', '2024-03-05', '../x')).toThrow(/bad report file/);
    expect(() => reportObjectKey('a', '2024-03-05', '/x')).toThrow(/bad report file/);
    expect(() => reportPrefix('a', '2024-3-5')).toThrow();
  });
});

describe('webhook messages', () => {
  it('success: heading, each instance text and where the full report is', () => {
    const text = successMessage(RUN, [{ instance: 'a', text: 'toots 1,234\n', prefix: 'reports/a/2024-03-05/' }]);
    expect(text).toBe('✅ mastodon_daily 2024-03-05: succeeded\n\ntoots 1,234\n(full report: reports/a/2024-03-05/)');
  });

  it('stays within the limit however long the reports, and says it was cut', () => {
    const long = Array.from({ length: 500 }, (_, i) => `line ${i} ${'x'.repeat(40)}`).join('\n');
    const text = successMessage(RUN, [
      { instance: 'a', text: long, prefix: 'reports/a/2024-03-05/' },
      { instance: 'b', text: long, prefix: 'reports/b/2024-03-05/' },
    ]);
    expect(text.length).toBeLessThanOrEqual(MESSAGE_LIMIT_CHARS);
    expect(text).toMatch(/cut; the full report is in S3\)$/);
    expect(webhookPayload('y'.repeat(10_000)).text.length).toBe(MESSAGE_LIMIT_CHARS);
    expect(clip('short', 10)).toBe('short');
  });

  it('failure of the data: names the tasks, the re-run command and the UI link', () => {
    const text = failureMessage({
      ...RUN,
      notSucceeded: ['load', 'report'],
      dataFailed: true,
      uiLink: 'http://127.0.0.1:8233/namespaces/default/workflows/dag%2Fmastodon_daily%2F2024-03-05',
    });
    expect(text).toContain('❌ mastodon_daily 2024-03-05: run failed (load, report did not succeed)');
    expect(text).toContain('--reprocess failed');
    expect(text).toContain(
      'Temporal UI: http://127.0.0.1:8233/namespaces/default/workflows/dag%2Fmastodon_daily%2F2024-03-05',
    );
  });

  it('failure of the report only: says the data loaded and the run counts as succeeded', () => {
    const text = failureMessage({ ...RUN, notSucceeded: ['report'], dataFailed: false });
    expect(text).toContain("the day's data loaded, but report failed");
    expect(text).toContain('set notifications.temporalUiUrl');
  });

  it('webhook statuses: 2xx delivered, 408/429/5xx retried, other 4xx rejected', () => {
    expect([200, 204].map(webhookVerdict)).toEqual(['delivered', 'delivered']);
    expect([408, 429, 500, 502, 503].map(webhookVerdict)).toEqual(['retry', 'retry', 'retry', 'retry', 'retry']);
    expect([400, 401, 403, 404, 410, 301].map(webhookVerdict)).toEqual(Array(6).fill('rejected'));
  });
});

describe('Temporal UI link for notifications', () => {
  const base = {
    instances: [{ name: 'a', baseUrl: 'https://a.example', userAgentContact: 'mailto:x@y.z' }],
    s3: { bucket: 'mastoflow' },
  };
  const config = (extra: Record<string, unknown>) => {
    const r = parseConfig({ ...base, ...extra }, 'test.json');
    if (!r.ok) throw new Error(r.message);
    return r.config;
  };

  it('uses the dev UI on loopback, the configured UI elsewhere, none when unknown', () => {
    expect(temporalUiWorkflowUrl(config({}), 'dag/x/2024-03-05')).toBe(
      'http://localhost:8233/namespaces/default/workflows/dag%2Fx%2F2024-03-05',
    );
    const remote = { temporal: { address: 'temporal.internal:7233', namespace: 'prod' } };
    expect(temporalUiWorkflowUrl(config(remote), 'w')).toBeUndefined();
    expect(
      temporalUiWorkflowUrl(config({ ...remote, notifications: { temporalUiUrl: 'https://ui.example/' } }), 'w'),
    ).toBe('https://ui.example/namespaces/prod/workflows/w');
  });

  it('keeps only the env var name in the config, never a URL', () => {
    const r = parseConfig({ ...base, notifications: { webhookUrlEnv: 'https://hooks.slack.com/x' } }, 'test.json');
    expect(r.ok).toBe(false);
  });
});
