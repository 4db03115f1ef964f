/**
 * Loads a Lambda handler for the local runtime: esbuild bundles
 * `lambdas/<name>/handler.ts` (CommonJS, like Lambda runs it) so ESM-only middy
 * works under tsx, and the bundle is required afresh. See docs/adr/0002.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { PROJECT_ROOT } from './paths';

/** Bundles live with the code they were built from (not under IOP_LOCAL_DIR): node_modules must resolve from them. */
export function handlerBuildDir(): string {
  return join(PROJECT_ROOT, '.local', 'build');
}

export function handlerEntry(name: string): string {
  return join(PROJECT_ROOT, 'lambdas', name, 'handler.ts');
}

/**
 * Packages stay outside the bundle (required from node_modules, as tsx would),
 * except the ESM-only ones that CommonJS cannot require.
 */
const ESM_ONLY_PACKAGES = /^@middy\//;
const externalPackages: Plugin = {
  name: 'external-packages-except-esm-only',
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, (args) => (ESM_ONLY_PACKAGES.test(args.path) ? undefined : { path: args.path, external: true }));
  },
};

/** True when the bundle is missing or any source it was built from changed (or vanished) since. */
function isStale(bundle: string, meta: string): boolean {
  if (!existsSync(bundle) || !existsSync(meta)) return true;
  const builtAt = statSync(bundle).mtimeMs;
  const inputs = JSON.parse(readFileSync(meta, 'utf8')) as string[];
  return inputs.some((input) => {
    const path = join(PROJECT_ROOT, input);
    return !existsSync(path) || statSync(path).mtimeMs > builtAt;
  });
}

/** Builds `.local/build/<name>.cjs` when its sources are newer; returns its path. */
export async function bundleHandler(name: string): Promise<string> {
  const entry = handlerEntry(name);
  if (!existsSync(entry)) throw new Error(`no handler "${name}": ${relative(PROJECT_ROOT, entry)} does not exist`);
  const dir = handlerBuildDir();
  const bundle = join(dir, `${name}.cjs`);
  const meta = join(dir, `${name}.inputs.json`);
  if (!isStale(bundle, meta)) return bundle;
  mkdirSync(dir, { recursive: true });
  // Write beside and rename: another process (a parallel test worker) may be building the same handler.
  const temporary = `${bundle}.${process.pid}.${Date.now()}.tmp`;
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: PROJECT_ROOT,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: temporary,
    sourcemap: 'inline',
    metafile: true,
    logLevel: 'silent',
    plugins: [externalPackages],
  });
  // metafile inputs are relative to absWorkingDir, i.e. the project root
  const inputs = Object.keys(result.metafile.inputs).filter((input) => !input.includes('node_modules'));
  writeFileSync(`${meta}.${process.pid}.tmp`, JSON.stringify(inputs));
  renameSync(`${meta}.${process.pid}.tmp`, meta);
  renameSync(temporary, bundle);
  return bundle;
}

/**
 * The `handler` export of a fresh copy of the bundle: module-scope state (SDK
 * clients, cached secrets) is created from the environment as it is now, as in
 * a new Lambda container.
 */
export async function loadHandler<T>(name: string): Promise<T> {
  const bundle = await bundleHandler(name);
  // A copy under a new name is a new module for any loader (Node's, and jest's, which ignores require.cache).
  loads += 1;
  const copy = bundle.replace(/\.cjs$/, `.${process.pid}.${loads}.cjs`);
  copyFileSync(bundle, copy);
  let loaded: { handler?: T };
  try {
    loaded = createRequire(copy)(copy) as { handler?: T };
  } finally {
    rmSync(copy, { force: true }); // compiled now; the inline source map keeps stack traces readable
  }
  if (typeof loaded.handler !== 'function') throw new Error(`${relative(PROJECT_ROOT, handlerEntry(name))} does not export a handler function`);
  return loaded.handler;
}

let loads = 0;
