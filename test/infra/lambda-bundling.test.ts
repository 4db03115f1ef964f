import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { brotliCompressSync, constants } from 'node:zlib';
import { cdkBundling, esbuildOptions, LAMBDA_BUNDLING } from '../../lib/bundling/lambda-bundling';
import brotliDecompress from '../../lib/bundling/shims/brotli-decompress';

// The pure-JS decoder the shim replaces in Lambda bundles (fontkit's WOFF2 path); still installed as fontkit's dependency.
const packageDecompress = require('brotli/decompress.js') as (buffer: Uint8Array, outputSize?: number) => Uint8Array;

const FONT = readFileSync(path.join(__dirname, '..', '..', 'lambdas', 'report', 'fonts', 'DejaVuSans.ttf'));

describe('Lambda bundling definition', () => {
  it('should decode Brotli with node:zlib exactly as the brotli package does, with and without the expected size', () => {
    // Prepare: a font file (what WOFF2 carries) and a short text, compressed at two qualities.
    const inputs = [FONT, Buffer.from('≥ Δ − Привет '.repeat(50))];
    for (const input of inputs) {
      for (const quality of [4, 11]) {
        const compressed = new Uint8Array(brotliCompressSync(input, { params: { [constants.BROTLI_PARAM_QUALITY]: quality } }));

        // Act
        const ours = brotliDecompress(compressed, input.length);
        const theirs = packageDecompress(compressed, input.length);
        const oursUnsized = brotliDecompress(compressed);

        // Assess
        expect(ours).toBeInstanceOf(Uint8Array);
        expect(Buffer.from(ours).equals(input)).toBe(true);
        expect(Buffer.from(ours).equals(Buffer.from(theirs))).toBe(true);
        expect(Buffer.from(oursUnsized).equals(input)).toBe(true);
      }
    }
  });

  it('should refuse output beyond the expected size and input that is not Brotli', () => {
    // Prepare
    const input = Buffer.from('a WOFF2 table that is longer than its header says '.repeat(20));
    const compressed = new Uint8Array(brotliCompressSync(input));

    // Act / Assess
    expect(() => brotliDecompress(compressed, 100)).toThrow('larger than 100 bytes');
    expect(Buffer.from(brotliDecompress(compressed, input.length)).equals(input)).toBe(true);
    expect(() => brotliDecompress(new Uint8Array(FONT.subarray(0, 64)))).toThrow();
  });

  it('should give the CDK and the esbuild API the same options, the shims included', () => {
    // Prepare / Act
    const cdk = cdkBundling();
    const api = esbuildOptions('lambdas/report/handler.ts', 'out/index.js');

    // Assess
    expect({ target: cdk.target, minify: cdk.minify, sourceMap: cdk.sourceMap, sourcesContent: cdk.sourcesContent, external: cdk.externalModules }).toEqual({
      target: api.target,
      minify: api.minify,
      sourceMap: api.sourcemap,
      sourcesContent: api.sourcesContent,
      external: api.external,
    });
    expect(cdk.define).toEqual(api.define);
    expect(cdk.inject).toEqual(api.inject);
    expect(cdk.esbuildArgs).toEqual({ '--alias': Object.entries(api.alias!).map(([from, to]) => `${from}=${to}`) });
    expect(api.alias).toEqual({ 'brotli/decompress.js': path.join(__dirname, '..', '..', 'lib', 'bundling', 'shims', 'brotli-decompress.ts') });
    expect(LAMBDA_BUNDLING.external).toEqual(['@aws-sdk/*']);
  });
});
