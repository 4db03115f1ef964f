/**
 * Stands in for the `brotli` package's `brotli/decompress.js` in Lambda bundles (see
 * lib/bundling/lambda-bundling.ts and ADR 0110). fontkit imports it only to read WOFF2 fonts;
 * the pure-JS decoder ships a 465 kB dictionary, while Node's zlib has Brotli built in.
 * Same call as the package's `BrotliDecompressBuffer(buffer, outputSize)`, same bytes back (a
 * Uint8Array); an error when the input is not Brotli. `outputSize` (a WOFF2 header's total
 * size) bounds the output: beyond it zlib stops with an error instead of inflating further.
 */
import { brotliDecompressSync } from 'node:zlib';

export default function brotliDecompress(buffer: Uint8Array, outputSize?: number): Uint8Array {
  const limit = outputSize !== undefined && outputSize !== null && outputSize > 0 ? { maxOutputLength: outputSize } : {};
  const decoded = brotliDecompressSync(buffer, limit);
  return new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.byteLength);
}
