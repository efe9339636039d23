/** Summary statistics shared by the benchmarks. */

/** The q-quantile (0..1) with linear interpolation between neighbours. */
export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** The median (the mean of the two middle values for an even count). */
export const median = (values: number[]): number => quantile(values, 0.5);

/** Rounds to `digits` decimals (1 by default). */
export const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;
