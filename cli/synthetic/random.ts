/**
 * Seeded randomness for the synthetic cohort: sfc32 (Doty-Humphrey's Small Fast
 * Counting generator, as in PractRand) plus the few samplers the model needs.
 * `fork` derives an independent stream from a label, so an episode's trajectory
 * depends only on the seed and its own index, never on what was generated before.
 */

/** 32-bit string hash (cyrb53-style mixing) used to turn seeds and labels into state words. */
function hashWords(text: string): [number, number, number, number] {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [h1 >>> 0, h2 >>> 0, (h1 ^ h2) >>> 0, Math.imul(h1, h2 | 1) >>> 0];
}

export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** A stream for a seed; the label names its purpose so two streams of one seed never coincide. */
  constructor(
    private readonly seedText: string,
    private readonly label = 'root',
  ) {
    [this.a, this.b, this.c, this.d] = hashWords(`${seedText}\u0000${label}`);
    // Warm-up as recommended for sfc32 so similar seeds diverge.
    for (let round = 0; round < 15; round++) this.nextUint32();
  }

  /** An independent stream for a sub-purpose (e.g. `fork('episode', 42)`), named by its path from the root. */
  fork(...labels: (string | number)[]): Random {
    return new Random(this.seedText, [this.label, ...labels].join('/'));
  }

  nextUint32(): number {
    this.a >>>= 0;
    this.b >>>= 0;
    this.c >>>= 0;
    this.d >>>= 0;
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(choices: readonly T[]): T {
    return choices[Math.floor(this.next() * choices.length)];
  }

  /** Picks a key with probability proportional to its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weights) as [K, number][];
    const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
    let remaining = this.next() * total;
    for (const [key, weight] of entries) {
      remaining -= weight;
      if (remaining < 0) return key;
    }
    return entries[entries.length - 1][0];
  }

  /** Normal deviate (Box–Muller; one of the pair is discarded to keep the stream simple). */
  normal(mean = 0, sd = 1): number {
    const u1 = 1 - this.next(); // (0, 1]: log is finite
    const u2 = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Gamma(shape, scale) by Marsaglia & Tsang (2000); shape < 1 via the boost u^(1/shape). */
  gamma(shape: number, scale = 1): number {
    if (shape < 1) return this.gamma(shape + 1, scale) * Math.pow(this.next() || Number.MIN_VALUE, 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.next();
      if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v * scale;
    }
  }

  /** Beta(alpha, beta) from two gammas. */
  beta(alpha: number, beta: number): number {
    const x = this.gamma(alpha);
    return x / (x + this.gamma(beta));
  }
}

export function logistic(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
