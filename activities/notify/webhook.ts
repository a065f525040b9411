import { ApplicationFailure } from '@temporalio/common';
import { webhookVerdict, type WebhookPayload } from '../../domain/notifications';

// One POST to an incoming webhook. The URL is a credential: it never appears in an error message
// or a log line (only the status and the env var that holds it do).

export const WEBHOOK_REJECTED = 'WebhookRejected';

export async function postWebhook(
  url: string,
  payload: WebhookPayload,
  opts: { timeoutMs: number; urlEnv: string },
): Promise<{ status: number }> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
  } catch (err) {
    // Network errors and timeouts: retryable (a plain Error), named without the URL.
    const why =
      (err as Error).name === 'TimeoutError' ? `no answer within ${opts.timeoutMs} ms` : (err as Error).message;
    throw new Error(`webhook (${opts.urlEnv}) not reached: ${why}`);
  }
  const body = (await res.text().catch(() => '')).slice(0, 200);
  const verdict = webhookVerdict(res.status);
  if (verdict === 'delivered') return { status: res.status };
  const message = `webhook (${opts.urlEnv}) answered HTTP ${res.status}${body ? `: ${body}` : ''}`;
  if (verdict === 'retry') throw new Error(message);
  throw ApplicationFailure.nonRetryable(
    `${message} (not retried: check the URL in ${opts.urlEnv} and the receiver's settings)`,
    WEBHOOK_REJECTED,
  );
}
