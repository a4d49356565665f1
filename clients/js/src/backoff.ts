// Reconnection delays: exponential backoff with full jitter (a uniformly
// random delay between 0 and min(cap, base * 2^attempt)), so clients that
// lost the same server do not all come back in the same instant.

export interface BackoffOptions {
  /** First ceiling, ms (attempt 0). Default 250. */
  baseMs?: number;
  /** Largest ceiling, ms. Default 30 000. */
  capMs?: number;
}

export const kDefaultBackoff: Required<BackoffOptions> = { baseMs: 250, capMs: 30_000 };

/** The ceiling of the delay before reconnect attempt `attempt` (0-based). */
export function backoffCeiling(attempt: number, options: BackoffOptions = {}): number {
  const { baseMs, capMs } = { ...kDefaultBackoff, ...options };
  // 2^attempt overflows to Infinity past ~1000; the cap bounds it anyway.
  return Math.min(capMs, baseMs * 2 ** Math.min(attempt, 52));
}

/** A full-jitter delay: random() in [0, 1) scales the ceiling. */
export function backoffDelay(attempt: number, random: () => number, options: BackoffOptions = {}): number {
  return Math.floor(random() * backoffCeiling(attempt, options));
}
