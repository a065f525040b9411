import { describe, expect, it } from 'vitest';
import { mapPages, MissingPageError, type MapPagesJob } from '../../activities/aggregate/map-pages';

// mapPages hands each object's bytes back (a map thread fills them again with the next segment:
// body-buffers.ts) exactly once, and only after every page in it is parsed.

const segment = (lines: number): Buffer => Buffer.from(`${Array.from({ length: lines }, () => '[]').join('\n')}\n`);

function job(segments: number, linesEach: number): MapPagesJob {
  const pages = [];
  for (let s = 0; s < segments; s++)
    for (let l = 0; l < linesEach; l++)
      pages.push({ key: `page-${s}-${l}`, segment: { key: `segment-${s}`, line: l } });
  return { pages, windowStartMs: 0, windowEndMs: 1, idRange: {} };
}

describe('mapPages gives bytes back', () => {
  it('once per object, after the last of its pages is mapped', async () => {
    const events: string[] = [];
    const objects = new Map<string, Buffer>([0, 1, 2].map((s) => [`segment-${s}`, segment(3)]));
    const names = new Map([...objects].map(([k, v]) => [v, k]));
    const out = await mapPages(
      job(3, 3),
      async (key) => {
        events.push(`read ${key}`);
        return objects.get(key);
      },
      (done) => events.push(`mapped ${done}`),
      (bytes) => events.push(`back ${names.get(bytes)}`),
    );
    expect(out.counts.input).toBe(0);
    const back = events.filter((e) => e.startsWith('back'));
    expect(back).toEqual(['back segment-0', 'back segment-1', 'back segment-2']);
    expect(events.indexOf('back segment-0')).toBeGreaterThan(events.indexOf('mapped 3'));
    expect(events.indexOf('back segment-0')).toBeLessThan(events.indexOf('mapped 4'));
    expect(events.indexOf('back segment-2')).toBeGreaterThan(events.indexOf('mapped 9'));
  });

  it('also when the part fails halfway', async () => {
    const given: Buffer[] = [];
    const first = segment(2); // a line short: the part fails on segment-0 line 3
    const err = await mapPages(
      job(2, 3),
      async (key) => (key === 'segment-0' ? first : segment(3)),
      undefined,
      (bytes) => given.push(bytes),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingPageError);
    expect(given).toEqual([first]);
  });
});
