// The webhook messages sent after a mastodon_daily run, and how a webhook's HTTP answer is
// treated. One JSON shape fits the three targets: Slack and Mattermost incoming webhooks and
// Matrix hookshot generic webhooks all post `text` (Slack renders its own mrkdwn, the others
// Markdown; plain lines read well in all three), and `username` names the sender where allowed.

/** Slack truncates a message's text at 40,000 characters, Mattermost splits at 16,383 and Matrix clients fold long ones: 4,000 reads as one message everywhere. */
export const MESSAGE_LIMIT_CHARS = 4_000;

export interface WebhookPayload {
  text: string;
  username: string;
}

export function webhookPayload(text: string): WebhookPayload {
  return { text: clip(text, MESSAGE_LIMIT_CHARS), username: 'mastoflow' };
}

/** `text` cut at `limit` characters (whole lines where possible), with a note saying it was cut. */
export function clip(text: string, limit: number, note = '… (cut; the full report is in S3)'): string {
  if (text.length <= limit) return text;
  const room = Math.max(0, limit - note.length - 1);
  const cut = text.slice(0, room);
  const lastLine = cut.lastIndexOf('\n');
  return `${lastLine > room / 2 ? cut.slice(0, lastLine) : cut}\n${note}`.slice(0, limit);
}

export interface InstanceReportText {
  instance: string;
  /** The day's text report (domain/report/formats.ts formatText). */
  text: string;
  /** Where the full report lives (`reports/<instance>/<date>/`), for the reader who wants more. */
  prefix: string;
}

/** The message after a successful run: a heading line, then each instance's text report. */
export function successMessage(
  run: { dagId: string; logicalDate: string },
  reports: readonly InstanceReportText[],
): string {
  const head = `✅ ${run.dagId} ${run.logicalDate}: succeeded`;
  if (reports.length === 0) return `${head} (no report was written)`;
  const body = reports.map((r) => `${r.text.trimEnd()}\n(full report: ${r.prefix})`).join('\n\n');
  return clip(`${head}\n\n${body}`, MESSAGE_LIMIT_CHARS);
}

export interface FailureFacts {
  dagId: string;
  logicalDate: string;
  /** Upstream tasks of the notify task that did not succeed (failed, upstream_failed or skipped). */
  notSucceeded: readonly string[];
  /** Whether the day's data failed (the run failed), or only tasks after it (report, cleanup). */
  dataFailed: boolean;
  uiLink?: string;
}

/** The message after a failed run (or a run whose data succeeded but whose report or cleanup failed). */
export function failureMessage(f: FailureFacts): string {
  const what = f.notSucceeded.length ? f.notSucceeded.join(', ') : 'a task';
  const lines = f.dataFailed
    ? [
        `❌ ${f.dagId} ${f.logicalDate}: run failed (${what} did not succeed).`,
        `The day's data is incomplete; re-run it with: mastoflow backfill ${f.dagId} --from ${f.logicalDate} --to ${f.logicalDate} --reprocess failed`,
      ]
    : [
        `⚠️ ${f.dagId} ${f.logicalDate}: the day's data loaded, but ${what} failed.`,
        'The run counts as succeeded (the data need not be fetched again).',
      ];
  lines.push(
    f.uiLink
      ? `Temporal UI: ${f.uiLink}`
      : `Run: dag/${f.dagId}/${f.logicalDate} (Temporal UI address unknown: set notifications.temporalUiUrl)`,
  );
  return clip(lines.join('\n'), MESSAGE_LIMIT_CHARS);
}

export type WebhookVerdict = 'delivered' | 'retry' | 'rejected';

/**
 * What a webhook's HTTP status means for the activity: 2xx delivered; 408, 425, 429 and 5xx are
 * the receiver's momentary trouble (retry); any other status will not change on a retry (a
 * wrong or revoked URL, a payload the receiver refuses), so it fails at once and says so.
 */
export function webhookVerdict(status: number): WebhookVerdict {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 408 || status === 425 || status === 429 || status >= 500) return 'retry';
  return 'rejected';
}
