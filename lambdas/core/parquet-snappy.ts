/**
 * Snappy block compression (the format Parquet's SNAPPY codec stores: a varint of the
 * uncompressed length, then literals and back-references). A plain greedy matcher over a
 * 4-byte hash, as the reference compressor does; written for the lake writer's pages,
 * which are small, so the hash table is sized to the input and reused between calls.
 * Pure JS: no native module in the Lambda bundle.
 */

const MAX_HASH_BITS = 14;
const MIN_HASH_BITS = 8;
/** Inputs shorter than this are stored as a single literal (no room for a 4-byte match and the tail). */
const INPUT_MARGIN = 15;
/** Snappy blocks are at most 64 KiB apart for a copy with a 2-byte offset; we compress in fragments of this size. */
const FRAGMENT = 65_536;

const hashTables: Uint16Array[] = [];

/** The most bytes snappyCompress can write for an input of `length` bytes (the reference bound). */
export function snappyMaxLength(length: number): number {
  return 32 + length + Math.floor(length / 6);
}

/**
 * Compresses `input` into `output` from `at`; returns the end offset. `output` must have
 * snappyMaxLength(input.length) bytes free from `at`.
 */
export function snappyCompressInto(input: Uint8Array, output: Uint8Array, at: number): number {
  let op = writeVarint(output, at, input.length);
  for (let start = 0; start < input.length; start += FRAGMENT) {
    const end = Math.min(start + FRAGMENT, input.length);
    op = compressFragment(input, start, end, output, op);
  }
  return op;
}

export function snappyCompress(input: Uint8Array): Uint8Array {
  const output = new Uint8Array(snappyMaxLength(input.length));
  return output.slice(0, snappyCompressInto(input, output, 0));
}

function writeVarint(output: Uint8Array, at: number, value: number): number {
  let op = at;
  let rest = value;
  while (rest >= 0x80) {
    output[op++] = (rest & 0x7f) | 0x80;
    rest = Math.floor(rest / 128);
  }
  output[op++] = rest;
  return op;
}

function load32(input: Uint8Array, at: number): number {
  return input[at] | (input[at + 1] << 8) | (input[at + 2] << 16) | (input[at + 3] << 24);
}

function emitLiteral(input: Uint8Array, from: number, to: number, output: Uint8Array, at: number): number {
  const length = to - from;
  let op = at;
  const n = length - 1;
  if (n < 60) {
    output[op++] = n << 2;
  } else if (n < 0x100) {
    output[op++] = 60 << 2;
    output[op++] = n;
  } else if (n < 0x10000) {
    output[op++] = 61 << 2;
    output[op++] = n & 0xff;
    output[op++] = n >>> 8;
  } else {
    output[op++] = 62 << 2;
    output[op++] = n & 0xff;
    output[op++] = (n >>> 8) & 0xff;
    output[op++] = n >>> 16;
  }
  if (length > 32) {
    output.set(input.subarray(from, to), op);
    return op + length;
  }
  for (let index = from; index < to; index += 1) output[op++] = input[index];
  return op;
}

function emitCopy(offset: number, length: number, output: Uint8Array, at: number): number {
  let op = at;
  let rest = length;
  // Copies of 64 while at least 68 remain, then one of 60 if 65–67 remain (so the last copy has
  // at least 4): one loop body for both, so the rare 60 does not reach code without type feedback.
  while (rest > 64) {
    const take = rest >= 68 ? 64 : 60;
    output[op++] = 2 | ((take - 1) << 2);
    output[op++] = offset & 0xff;
    output[op++] = offset >>> 8;
    rest -= take;
  }
  if (rest < 12 && offset < 2048) {
    output[op++] = 1 | ((rest - 4) << 2) | ((offset >>> 8) << 5);
    output[op++] = offset & 0xff;
  } else {
    output[op++] = 2 | ((rest - 1) << 2);
    output[op++] = offset & 0xff;
    output[op++] = offset >>> 8;
  }
  return op;
}

/** Compresses input[start, end) (at most 64 KiB): offsets stay below 65 536. */
function compressFragment(input: Uint8Array, start: number, end: number, output: Uint8Array, at: number): number {
  let op = at;
  const size = end - start;
  if (size < INPUT_MARGIN) return size === 0 ? op : emitLiteral(input, start, end, output, op);
  // The smallest table of at least 2^MIN_HASH_BITS entries that covers the input, up to 2^MAX_HASH_BITS
  // (without a loop: its increment, never run on small warm-up pages, deoptimised the compressor later).
  const bits = Math.min(MAX_HASH_BITS, Math.max(MIN_HASH_BITS, 32 - Math.clz32(size - 1)));
  const shift = 32 - bits;
  const table = (hashTables[bits] ??= new Uint16Array(1 << bits));
  table.fill(0);
  const limit = end - INPUT_MARGIN;
  let nextEmit = start;
  let ip = start + 1;
  let nextHash = Math.imul(load32(input, ip), 0x1e35a7bd) >>> shift;
  for (;;) {
    // Find a 4-byte match, skipping faster through data that does not compress.
    let skip = 32;
    let nextIp = ip;
    let candidate: number;
    do {
      ip = nextIp;
      const hash = nextHash;
      nextIp = ip + (skip++ >>> 5);
      if (nextIp > limit) return nextEmit < end ? emitLiteral(input, nextEmit, end, output, op) : op;
      nextHash = Math.imul(load32(input, nextIp), 0x1e35a7bd) >>> shift;
      candidate = start + table[hash];
      table[hash] = ip - start;
    } while (load32(input, ip) !== load32(input, candidate));
    op = emitLiteral(input, nextEmit, ip, output, op);
    // Emit copies as long as the bytes after one copy match again at once.
    for (;;) {
      const base = ip;
      let matched = 4;
      while (base + matched < end && input[base + matched] === input[candidate + matched]) matched += 1;
      ip += matched;
      op = emitCopy(base - candidate, matched, output, op);
      nextEmit = ip;
      if (ip >= limit) return nextEmit < end ? emitLiteral(input, nextEmit, end, output, op) : op;
      const previous = Math.imul(load32(input, ip - 1), 0x1e35a7bd) >>> shift;
      table[previous] = ip - 1 - start;
      const current = Math.imul(load32(input, ip), 0x1e35a7bd) >>> shift;
      candidate = start + table[current];
      table[current] = ip - start;
      if (load32(input, ip) !== load32(input, candidate)) {
        ip += 1;
        nextHash = Math.imul(load32(input, ip), 0x1e35a7bd) >>> shift;
        break;
      }
    }
  }
}
