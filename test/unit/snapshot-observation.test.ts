// The observation window of a day's snapshots, which observation a day keeps, and what a later
// observation's own history may fill (domain/snapshot-observation.ts).
import { describe, expect, it } from 'vitest';
import { observationStamp, snapshotObservationManifestKey, snapshotObservationPageKey } from '../../domain/keys';
import {
  inSnapshotWindow,
  keptDayObservation,
  notObservedReason,
  observedAtFrom,
  snapshotWindow,
  trendHistoryFor,
  weeksFinalBy,
} from '../../domain/snapshot-observation';

const at = (iso: string) => Date.parse(iso);
const s = (iso: string) => String(at(iso) / 1000);

describe('the snapshot window of a day', () => {
  it('is the 36 hours after the day ended', () => {
    expect(snapshotWindow('2026-11-20')).toEqual({
      startMs: at('2026-11-21T00:00:00Z'),
      endMs: at('2026-11-22T12:00:00Z'),
    });
    expect(inSnapshotWindow('2026-11-20', '2026-11-20T23:59:59Z')).toBe(false);
    expect(inSnapshotWindow('2026-11-20', '2026-11-21T00:00:00Z')).toBe(true);
    expect(inSnapshotWindow('2026-11-20', at('2026-11-22T11:59:59Z'))).toBe(true);
    expect(inSnapshotWindow('2026-11-20', '2026-11-22T12:00:00Z')).toBe(false);
  });
});

describe('the observation a day keeps', () => {
  const day = '2026-11-20';
  const obs = (iso: string, key = iso) => ({ observedAt: iso, manifestKey: key });
  it('the first from its window; a later one never replaces it', () => {
    const first = keptDayObservation(day, undefined, obs('2026-11-21T00:30:00.000Z'));
    expect(first).toEqual({ ...obs('2026-11-21T00:30:00.000Z'), firstFetchedAt: '2026-11-21T00:30:00.000Z' });
    expect(keptDayObservation(day, first, obs('2026-11-21T05:00:00.000Z'))).toBe(first);
    expect(keptDayObservation(day, first, obs('2026-12-02T09:00:00.000Z'))).toBe(first);
  });
  it('outside the window: the first fetched stays, until one from the window comes', () => {
    const late = keptDayObservation(day, undefined, obs('2026-12-02T09:00:00.000Z'));
    expect(late.firstFetchedAt).toBe('2026-12-02T09:00:00.000Z');
    const later = keptDayObservation(day, late, obs('2026-12-05T09:00:00.000Z'));
    expect(later).toEqual(late);
    // A simulated clock set back observes the day in its window: that becomes the day's.
    const own = keptDayObservation(day, later, obs('2026-11-21T01:00:00.000Z'));
    expect(own.manifestKey).toBe('2026-11-21T01:00:00.000Z');
    expect(own.firstFetchedAt).toBe('2026-11-21T01:00:00.000Z');
  });
  it('says why a day is not observed', () => {
    expect(notObservedReason(day, at('2026-12-02T09:00:00Z'))).toBe('not observed: first fetched 2026-12-02');
    expect(notObservedReason(day, at('2026-11-20T15:00:00Z'))).toBe(
      'not observed: only fetched before the day ended (2026-11-20T15:00:00Z)',
    );
  });
});

describe('history a later observation fills exactly', () => {
  it('weekly activity: the weeks that had ended by the end of the day, 12 weeks back', () => {
    // Observed 2026-12-02 09:00: Mastodon's weeks start at the request time minus i weeks.
    const observed = at('2026-12-02T09:00:00Z');
    const weeks = Array.from({ length: 12 }, (_, i) => ({ week: String(observed / 1000 - i * 7 * 86_400) }));
    const kept = weeksFinalBy('2026-11-24', observed, weeks).map((w) =>
      new Date(Number(w.week) * 1000).toISOString().slice(0, 10),
    );
    // 12-02.. is running and 11-25..12-01 ended after 11-24; 11-18..11-24 ended with it, and 9 before.
    expect(kept[0]).toBe('2026-11-18');
    expect(kept).toHaveLength(10);
    expect(weeksFinalBy('2026-11-23', observed, weeks)[0]?.week).toBe(weeks[3]?.week);
    // The observation's own running week is never final.
    expect(weeksFinalBy('2026-12-10', observed, weeks).map((w) => w.week)).not.toContain(weeks[0]?.week);
  });
  it('trend history: the tag days within the 7 days up to the day, ended when observed', () => {
    const tags = [
      {
        name: 'a',
        history: ['2026-12-02', '2026-12-01', '2026-11-30', '2026-11-29', '2026-11-28', '2026-11-27', '2026-11-26'].map(
          (d) => ({ day: s(`${d}T00:00:00Z`), uses: '1', accounts: '1' }),
        ),
      },
    ];
    const kept = trendHistoryFor('2026-11-29', at('2026-12-02T09:00:00Z'), tags);
    expect(kept[0]?.history.map((h) => new Date(Number(h.day) * 1000).toISOString().slice(0, 10))).toEqual([
      '2026-11-29',
      '2026-11-28',
      '2026-11-27',
      '2026-11-26',
    ]);
    expect(trendHistoryFor('2026-11-20', at('2026-12-02T09:00:00Z'), tags)).toEqual([]);
  });
});

describe('observation time and keys', () => {
  it('comes from the server’s Date header, else the worker clock', () => {
    expect(observedAtFrom('Sat, 21 Nov 2026 00:30:00 GMT', 5)).toBe(at('2026-11-21T00:30:00Z'));
    expect(observedAtFrom(undefined, 5)).toBe(5);
    expect(observedAtFrom('yesterday', 5)).toBe(5);
  });
  it('are filed under the moment taken, apart for each fetch', () => {
    const t = at('2026-11-21T00:30:05.250Z');
    expect(observationStamp(t)).toBe('20261121T003005Z');
    expect(snapshotObservationManifestKey('mastodon.social', 'account-alice', t, 'abc123')).toBe(
      'raw/v1/instance=mastodon.social/date=2026-11-21/observations/source=account-alice/at=20261121t003005z-abc123/_manifest.json',
    );
    expect(snapshotObservationPageKey('m.s', 'peers', t, 'f1', 1)).not.toBe(
      snapshotObservationPageKey('m.s', 'peers', t, 'f2', 1),
    );
  });
});
