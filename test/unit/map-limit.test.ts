import { describe, expect, it } from 'vitest';
import { mapLimit } from '../../domain/map-limit';

describe('mapLimit', () => {
  it('keeps at most `limit` calls in flight and returns results in item order', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapLimit([50, 10, 30, 0, 20, 5], 3, async (ms) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, ms));
      inFlight--;
      return ms * 2;
    });
    expect(out).toEqual([100, 20, 60, 0, 40, 10]);
    expect(most).toBe(3);
  });

  it('handles no items and a limit below one', async () => {
    expect(await mapLimit([], 4, async (x) => x)).toEqual([]);
    expect(await mapLimit([1, 2], 0, async (x) => x + 1)).toEqual([2, 3]);
  });

  it('rejects with the first failure', async () => {
    await expect(
      mapLimit([1, 2, 3], 2, async (x) => {
        if (x === 2) throw new Error('two failed');
        return x;
      }),
    ).rejects.toThrow('two failed');
  });
});
