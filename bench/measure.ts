/**
 * What every benchmark measures with: CPU and wall time of a piece of work, ratios
 * against a baseline of the same run, growth per tenfold size, and size parsing.
 * The arithmetic is pure so the harness itself can be tested without timing anything.
 */

export interface Measured<T> {
  value: T;
  /** Wall-clock seconds. */
  wallSeconds: number;
  /** CPU seconds of the whole process (user + system, every thread: DuckDB's too). */
  cpuSeconds: number;
}

/** Runs `work` once and reports its wall and process CPU time. */
export async function measure<T>(work: () => Promise<T> | T): Promise<Measured<T>> {
  const cpuBefore = process.cpuUsage();
  const wallBefore = process.hrtime.bigint();
  const value = await work();
  const wallSeconds = Number(process.hrtime.bigint() - wallBefore) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  return { value, wallSeconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

/** How many times `value` is the baseline (e.g. 3.2 = 3.2× the baseline). */
export function ratio(value: number, baseline: number): number {
  if (!Number.isFinite(value) || !Number.isFinite(baseline) || baseline <= 0) {
    throw new RangeError(`ratio: baseline must be a positive number, got ${baseline} (value ${value})`);
  }
  return value / baseline;
}

/**
 * Growth of a cost per tenfold size between two measurements: 10 = linear, below 10 =
 * sublinear (fixed costs dominate), above 10 = superlinear. Sizes need not be exactly 10× apart.
 */
export function growthPerTenfold(smallSize: number, smallCost: number, largeSize: number, largeCost: number): number {
  if (!(smallSize > 0 && largeSize > smallSize)) {
    throw new RangeError(`growthPerTenfold: sizes must be positive and increasing, got ${smallSize} then ${largeSize}`);
  }
  if (!(smallCost > 0 && largeCost > 0)) throw new RangeError('growthPerTenfold: costs must be positive');
  const exponent = Math.log(largeCost / smallCost) / Math.log(largeSize / smallSize);
  return 10 ** exponent;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const SIZE_SUFFIX: Record<string, number> = { '': 1, k: 1_000, m: 1_000_000 };

/** '100k' → 100 000, '1M' → 1 000 000, '2500' → 2 500. */
export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(text.trim());
  if (!match) throw new RangeError(`size "${text}" must be a number with an optional k or M suffix, e.g. 100k or 1M`);
  const value = Number(match[1]) * SIZE_SUFFIX[match[2].toLowerCase()];
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`size "${text}" must be a whole number of at least 1`);
  return value;
}

/** Comma-separated sizes, ascending and without repeats. */
export function parseSizes(text: string): number[] {
  const sizes = [...new Set(text.split(',').filter((part) => part.trim() !== '').map(parseSize))].sort((a, b) => a - b);
  if (sizes.length === 0) throw new RangeError(`no sizes in "${text}"; write e.g. 100k,1M`);
  return sizes;
}

/** 100000 → '100k', 1000000 → '1M', 2500 → '2.5k'. */
export function formatSize(value: number): string {
  if (value >= 1_000_000) return `${trimZeros(value / 1_000_000)}M`;
  if (value >= 1_000) return `${trimZeros(value / 1_000)}k`;
  return String(value);
}

function trimZeros(value: number): string {
  return String(Number(value.toFixed(2)));
}

/** Bytes as kB/MB with one decimal (1 kB = 1000 B, as npm and esbuild print them). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} B`;
}
