/**
 * How every Lambda handler is bundled, defined once: the CDK (lib/handler-function.ts →
 * NodejsFunction's local esbuild) and the bundle benchmark and tests (bench/bundles.ts →
 * esbuild's API) both derive their options from LAMBDA_BUNDLING, so what is measured is
 * what deploys. CommonJS, minified, Node 24, source maps without sources, AWS SDK v3
 * external (the runtime ships it); see ADR 0036 and ADR 0110 for the size choices.
 */
import * as path from 'node:path';
import { type BundlingOptions, type ICommandHooks, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

// Absolute paths: the stack bundles with the project's own esbuild (a devDependency), never in Docker.
const SHIMS = path.join(__dirname, 'shims');

export const LAMBDA_BUNDLING = {
  target: 'node24',
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  // The Node 24 runtime ships AWS SDK v3; bundling it again would only grow cold starts.
  external: ['@aws-sdk/*'],
  /**
   * Dependencies replaced at bundle time. fontkit (via pdfkit) imports the pure-JS Brotli
   * decoder, 486 kB with its dictionary, only to read WOFF2 fonts: Node's zlib decodes
   * Brotli itself (ADR 0110).
   */
  alias: { 'brotli/decompress.js': path.join(SHIMS, 'brotli-decompress.ts') } as Record<string, string>,
  /**
   * ES-module dependencies keep a working `import.meta.url` inside the CommonJS bundle (the
   * bundle file's URL). This lets esbuild take pdfkit's ES build, whose unused code it can
   * drop (ADR 0110); without it `import.meta` is empty and that build crashes at load (ADR 0085).
   */
  define: { 'import.meta.url': 'importMetaUrl' } as Record<string, string>,
  inject: [path.join(SHIMS, 'import-meta-url.ts')],
} as const;

/** NodejsFunction `bundling` for a handler; `commandHooks` copy extra files (fonts, SQL) beside it. */
export function cdkBundling(commandHooks?: ICommandHooks): BundlingOptions {
  return {
    format: OutputFormat.CJS,
    target: LAMBDA_BUNDLING.target,
    minify: LAMBDA_BUNDLING.minify,
    sourceMap: LAMBDA_BUNDLING.sourceMap,
    sourcesContent: LAMBDA_BUNDLING.sourcesContent,
    externalModules: [...LAMBDA_BUNDLING.external],
    define: { ...LAMBDA_BUNDLING.define },
    inject: [...LAMBDA_BUNDLING.inject],
    esbuildArgs: { '--alias': Object.entries(LAMBDA_BUNDLING.alias).map(([from, to]) => `${from}=${to}`) },
    forceDockerBundling: false,
    commandHooks,
  };
}

/** The same bundle through esbuild's API (benchmark, tests): `entry` → `outfile` (+ `.map`). */
export function esbuildOptions(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: LAMBDA_BUNDLING.target,
    minify: LAMBDA_BUNDLING.minify,
    sourcemap: LAMBDA_BUNDLING.sourceMap,
    sourcesContent: LAMBDA_BUNDLING.sourcesContent,
    external: [...LAMBDA_BUNDLING.external],
    alias: { ...LAMBDA_BUNDLING.alias },
    define: { ...LAMBDA_BUNDLING.define },
    inject: [...LAMBDA_BUNDLING.inject],
  };
}
