// A seeded pseudo-random source (mulberry32), so a chaos run with the same seed makes the same mix of
// lifecycles, amounts and fault times. Not for anything secret.

export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** `valueMs` moved by up to ±`fraction` of itself. */
  jitter(valueMs: number, fraction: number): number;
  /** One key of `weights`, chosen in proportion to its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K;
}

export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    jitter: (valueMs, fraction) => Math.max(0, Math.round(valueMs * (1 + (next() * 2 - 1) * fraction))),
    weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
      const entries = Object.entries(weights) as [K, number][];
      const total = entries.reduce((sum, [, w]) => sum + Math.max(0, w), 0);
      if (!(total > 0)) throw new Error('weighted: every weight is zero');
      let left = next() * total;
      for (const [key, weight] of entries) {
        left -= Math.max(0, weight);
        if (left < 0) return key;
      }
      return entries[entries.length - 1]![0];
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
