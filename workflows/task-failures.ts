import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  ChildWorkflowFailure,
  TemporalFailure,
  TimeoutFailure,
} from '@temporalio/workflow';
import { attemptFromDetails } from '../domain/task-context';

// Reading a task's failure as runDag reports it: one line saying why, and the attempt it ended on.

const MAX_ERROR_CHARS = 1000;

function clip(text: string): string {
  return text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS - 3)}...` : text;
}

/**
 * One line for a failure: `<type>: <message>` of the innermost application failure, or the kind
 * of timeout (`activity timed out (HEARTBEAT)`), or `cancelled`.
 */
export function describeFailure(err: unknown): string {
  let current: unknown = err;
  for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
    if (current instanceof TimeoutFailure) return `activity timed out (${current.timeoutType ?? 'unknown timeout'})`;
    if (current instanceof CancelledFailure) return 'cancelled';
    if (current instanceof ApplicationFailure) {
      const type = current.type && current.type !== 'Error' ? `${current.type}: ` : '';
      return clip(`${type}${current.message}`);
    }
    if (!(current instanceof ActivityFailure || current instanceof ChildWorkflowFailure) || !current.cause) {
      return clip(
        current instanceof TemporalFailure || current.name === 'Error'
          ? current.message
          : `${current.name}: ${current.message}`,
      );
    }
    current = current.cause;
  }
  return clip(String(current));
}

/**
 * The attempt a failed activity ended on: reported by taskActivity() in the failure's details;
 * else maximumAttempts when Temporal says the retries ran out; else 1 (e.g. a non-retryable
 * failure of an activity that does not report attempts).
 */
export function attemptsFromFailure(err: unknown, maximumAttempts: number): number {
  if (!(err instanceof ActivityFailure)) return 1;
  const cause = err.cause;
  if (cause instanceof ApplicationFailure) {
    const reported = attemptFromDetails(cause.details);
    if (reported !== undefined) return reported;
  }
  return err.retryState === 'MAXIMUM_ATTEMPTS_REACHED' ? maximumAttempts : 1;
}
