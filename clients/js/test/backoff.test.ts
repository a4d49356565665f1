import { describe, expect, it } from 'vitest';
import { backoffCeiling, backoffDelay } from '../src/backoff.js';

describe('backoff', () => {
  it('doubles the ceiling per attempt up to the cap', () => {
    const o = { baseMs: 100, capMs: 1000 };
    expect([0, 1, 2, 3, 4, 5, 60, 5000].map((a) => backoffCeiling(a, o))).toEqual(
      [100, 200, 400, 800, 1000, 1000, 1000, 1000]);
  });

  it('draws each delay uniformly in [0, ceiling) (full jitter)', () => {
    const o = { baseMs: 100, capMs: 1000 };
    expect(backoffDelay(3, () => 0, o)).toBe(0);
    expect(backoffDelay(3, () => 0.5, o)).toBe(400);
    expect(backoffDelay(3, () => 0.999999, o)).toBe(799);
    let seed = 1;
    const lcg = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    const delays = Array.from({ length: 2000 }, () => backoffDelay(10, lcg, o));
    expect(Math.min(...delays)).toBeLessThan(50);
    expect(Math.max(...delays)).toBeGreaterThan(950);
    expect(Math.max(...delays)).toBeLessThan(1000);
  });
});
