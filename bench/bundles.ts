/**
 * Benchmark 5, Lambda bundles: every lambdas/<name>/handler.ts bundled with esbuild as the
 * stack bundles it (the one definition in lib/bundling/lambda-bundling.ts: CJS, minified,
 * target node24, source maps without sources, AWS SDK external, the dependency shims), its
 * size against the 500 KB target, the inputs
 * that weigh most, and init time: requiring the bundle in a fresh node process (median
 * of 5) against requiring an empty module the same way.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { RUNTIME_ENV } from '../lambdas/core/runtime-env';
import { esbuildOptions } from '../lib/bundling/lambda-bundling';
import { formatBytes, median, ratio } from './measure';
import type { ResultTable } from './table';

export const BUNDLE_TARGET_BYTES = 500_000;
const INIT_RUNS = 5;

export interface BundleResult {
  handler: string;
  bytes: number;
  sourceMapBytes: number;
  meetsTarget: boolean;
  /** Inputs contributing most bytes to the output (package or folder), largest first. */
  heaviestInputs: { input: string; bytes: number }[];
  initMilliseconds: number;
  /** Init time ÷ requiring an empty module. */
  initRatio: number;
}

export interface BundlesResult {
  targetBytes: number;
  emptyModuleInitMilliseconds: number;
  bundles: BundleResult[];
}

export async function runBundlesBenchmark(projectRoot: string, log: (line: string) => void = () => {}): Promise<BundlesResult> {
  // Inside the project, so the external AWS SDK resolves from node_modules as the runtime's copy would.
  const outDir = join(projectRoot, 'node_modules', '.cache', 'iop-outcomes', 'bench-bundles');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const emptyModule = join(outDir, 'empty.js');
  writeFileSync(emptyModule, 'exports.handler = async () => undefined;\n');
  const emptyInit = median(Array.from({ length: INIT_RUNS }, () => requireMilliseconds(emptyModule)));

  const handlers = readdirSync(join(projectRoot, 'lambdas'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .filter((name) => {
      try {
        return statSync(join(projectRoot, 'lambdas', name, 'handler.ts')).isFile();
      } catch {
        return false;
      }
    })
    .sort();
  const bundles: BundleResult[] = [];
  for (const handler of handlers) {
    const outfile = join(outDir, handler, 'index.js');
    const result = await build({ ...esbuildOptions(join(projectRoot, 'lambdas', handler, 'handler.ts'), outfile), metafile: true, logLevel: 'silent' });
    const bytes = statSync(outfile).size;
    const init = median(Array.from({ length: INIT_RUNS }, () => requireMilliseconds(outfile)));
    bundles.push({
      handler,
      bytes,
      sourceMapBytes: statSync(`${outfile}.map`).size,
      meetsTarget: bytes <= BUNDLE_TARGET_BYTES,
      heaviestInputs: heaviestInputs(result.metafile, 3),
      initMilliseconds: init,
      initRatio: ratio(init, emptyInit),
    });
    log(`bundles: ${handler} ${formatBytes(bytes)}`);
  }
  return { targetBytes: BUNDLE_TARGET_BYTES, emptyModuleInitMilliseconds: emptyInit, bundles };
}

/** Environment a handler reads at module scope, set to harmless values so require() succeeds. */
function handlerEnvironment(): NodeJS.ProcessEnv {
  const dummy = Object.fromEntries(Object.values(RUNTIME_ENV).map((name) => [name, `bench-${name.toLowerCase()}`]));
  return {
    PATH: process.env.PATH,
    ...dummy,
    [RUNTIME_ENV.queriesDir]: join(__dirname, '..', 'queries'),
    [RUNTIME_ENV.maxEventsPerBatch]: '500',
    [RUNTIME_ENV.maxBodyBytes]: '1000000',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    POWERTOOLS_SERVICE_NAME: 'bench',
  };
}

/** Milliseconds to require `file` in a fresh node process, measured inside it (process start excluded). */
function requireMilliseconds(file: string): number {
  const script =
    'const start = process.hrtime.bigint(); require(process.argv[1]); ' +
    'process.stdout.write(String(Number(process.hrtime.bigint() - start) / 1e6));';
  const output = execFileSync(process.execPath, ['-e', script, file], {
    env: handlerEnvironment(),
    encoding: 'utf8',
    timeout: 60_000,
    // The SDK's Node-version warning goes to stderr; only the figure matters.
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const milliseconds = Number(output.trim().split('\n').pop());
  if (!Number.isFinite(milliseconds)) throw new Error(`requiring ${file} printed ${JSON.stringify(output)}, not a time`);
  return milliseconds;
}

/** Output bytes grouped by npm package (or by project folder for our own sources). */
function heaviestInputs(metafile: Metafile, count: number): { input: string; bytes: number }[] {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, input] of Object.entries(output.inputs)) {
      const group = packageOf(path);
      totals.set(group, (totals.get(group) ?? 0) + input.bytesInOutput);
    }
  }
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([input, bytes]) => ({ input, bytes }));
}

export function packageOf(path: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (match) return match[1];
  const parts = path.split('/').filter((part) => part !== '' && part !== '..');
  return parts.slice(0, 2).join('/');
}

export function bundlesTable(result: BundlesResult): ResultTable {
  return {
    title: 'Lambda bundles (esbuild as the stack runs it) and init time',
    columns: ['handler', 'bundle', '≤ 500 kB', 'source map', 'heaviest inputs', 'init ms', '× empty module'],
    rows: result.bundles.map((bundle) => [
      bundle.handler,
      formatBytes(bundle.bytes),
      bundle.meetsTarget ? 'yes' : 'NO',
      formatBytes(bundle.sourceMapBytes),
      bundle.heaviestInputs.map((input) => `${input.input} ${formatBytes(input.bytes)}`).join(', '),
      bundle.initMilliseconds.toFixed(0),
      bundle.initRatio.toFixed(0),
    ]),
    notes: [
      `init = median of ${INIT_RUNS} fresh node processes timing require() of the bundle (AWS SDK resolved from node_modules, as the runtime provides it); empty module: ${result.emptyModuleInitMilliseconds.toFixed(2)} ms.`,
      `target ≤ ${formatBytes(result.targetBytes)} per bundle: ${result.bundles.every((bundle) => bundle.meetsTarget) ? 'met' : 'NOT met'} (${result.bundles.filter((bundle) => bundle.meetsTarget).length}/${result.bundles.length}).`,
    ],
  };
}
