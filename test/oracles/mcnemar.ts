/**
 * Test oracle for McNemar's test on a paired 2×2 table (test code only): the
 * continuity-corrected chi-square statistic as R's mcnemar.test reports it, and the
 * exact two-sided binomial p-value on the discordant pairs that the SQL publishes.
 * Exact arithmetic with BigInt so the oracle shares no numerical shortcut with the SQL.
 */

export interface McNemarResult {
  /** Discordant pairs: yes at intake → no at follow-up (b) and no → yes (c). */
  yesToNo: number;
  noToYes: number;
  /** (|b − c| − 1)² / (b + c); 0 when b = c (R applies no correction then); null when b + c = 0. */
  statistic: number | null;
  /** Exact conditional p: min(1, 2·P(X ≤ min(b, c))), X ~ Binomial(b + c, ½); null when b + c = 0. */
  pValue: number | null;
}

export function mcnemar(yesToNo: number, noToYes: number): McNemarResult {
  const discordant = yesToNo + noToYes;
  if (discordant === 0) return { yesToNo, noToYes, statistic: null, pValue: null };
  const statistic = yesToNo === noToYes ? 0 : (Math.abs(yesToNo - noToYes) - 1) ** 2 / discordant;
  return { yesToNo, noToYes, statistic, pValue: exactTwoSidedBinomialP(Math.min(yesToNo, noToYes), discordant) };
}

/** min(1, 2·Σ_{k ≤ smaller} C(n, k) / 2ⁿ), computed exactly then rounded once. */
export function exactTwoSidedBinomialP(smaller: number, n: number): number {
  let coefficient = 1n;
  let tail = 0n;
  for (let k = 0; k <= smaller; k++) {
    if (k > 0) coefficient = (coefficient * BigInt(n - k + 1)) / BigInt(k);
    tail += coefficient;
  }
  // tail / 2^(n−1), with 96 fractional bits kept before the single conversion to a double.
  const bits = 96n;
  const scaled = (tail << bits) >> BigInt(n - 1);
  const p = Number(scaled) / 2 ** Number(bits);
  return Math.min(1, p);
}
