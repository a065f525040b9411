import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  ChildWorkflowFailure,
  TimeoutFailure,
} from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { attemptsFromFailure, describeFailure } from '../../workflows/task-failures';

function activityFailure(
  cause: Error,
  retryState: ConstructorParameters<typeof ActivityFailure>[3] = 'NON_RETRYABLE_FAILURE',
): ActivityFailure {
  return new ActivityFailure('Activity task failed', 'noop', 'task', retryState, 'worker', cause);
}

describe('describeFailure', () => {
  it('gives the innermost application failure as type: message', () => {
    const err = activityFailure(ApplicationFailure.nonRetryable('no such instance', 'NotFound'));
    expect(describeFailure(err)).toBe('NotFound: no such instance');
    expect(describeFailure(activityFailure(ApplicationFailure.create({ message: 'plain' })))).toBe('plain');
  });

  it('names timeouts and cancellation', () => {
    expect(describeFailure(activityFailure(new TimeoutFailure(undefined, undefined, 'HEARTBEAT'), 'TIMEOUT'))).toBe(
      'activity timed out (HEARTBEAT)',
    );
    expect(describeFailure(activityFailure(new CancelledFailure('cancelled')))).toBe('cancelled');
  });

  it('looks through a child workflow failure and clips long messages', () => {
    const child = new ChildWorkflowFailure(
      'default',
      { workflowId: 'x', runId: 'y' },
      'runDagExpandChunk',
      'NON_RETRYABLE_FAILURE',
      ApplicationFailure.create({ message: 'x'.repeat(5000), type: 'Boom' }),
    );
    const text = describeFailure(child);
    expect(text.startsWith('Boom: xxx')).toBe(true);
    expect(text.length).toBe(1000);
    expect(describeFailure(new TypeError('bad'))).toBe('TypeError: bad');
    expect(describeFailure('weird')).toBe('weird');
  });
});

describe('attemptsFromFailure', () => {
  it('prefers the attempt the activity reported', () => {
    const cause = ApplicationFailure.create({ message: 'x', details: [{ mastoflowTaskAttempt: 3 }] });
    expect(attemptsFromFailure(activityFailure(cause, 'NON_RETRYABLE_FAILURE'), 5)).toBe(3);
  });

  it('falls back to maximumAttempts when retries ran out, else 1', () => {
    const timeout = new TimeoutFailure(undefined, undefined, 'START_TO_CLOSE');
    expect(attemptsFromFailure(activityFailure(timeout, 'MAXIMUM_ATTEMPTS_REACHED'), 4)).toBe(4);
    expect(attemptsFromFailure(activityFailure(ApplicationFailure.nonRetryable('x')), 4)).toBe(1);
    expect(attemptsFromFailure(new Error('not an activity'), 4)).toBe(1);
  });
});
