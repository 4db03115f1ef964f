/** `iop-outcomes bench` (`npm run bench`): the benchmarks of issue 8, each figure a ratio against a baseline of the same run. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { CliError, parseOptions, type Command } from '../command';
import { PROJECT_ROOT } from '../local/paths';
import { buildLake, type LakeBuild } from '../../bench/lake-builder';
import { bytesTable, largestColumnsTable, runBytesReadBenchmark } from '../../bench/bytes-read';
import { bundlesTable, runBundlesBenchmark } from '../../bench/bundles';
import { demoWallTable, runDemoWallBenchmark } from '../../bench/demo-wall';
import { encodeTable, runEncodeBenchmark } from '../../bench/encode';
import { ingestCpuTable, runIngestCpuBenchmark } from '../../bench/ingest-cpu';
import { formatSize, parseSize, parseSizes } from '../../bench/measure';
import { BENCH_AS_OF, refreshTables, runRefreshScaleBenchmark } from '../../bench/refresh-scale';
import { admissionsForEvents, benchCohort } from '../../bench/synthetic-changes';
import { renderText, type ResultTable } from '../../bench/table';

const BENCHMARKS = ['encode', 'bytes', 'refresh', 'ingest', 'bundles'] as const;
type BenchmarkName = (typeof BENCHMARKS)[number] | 'demo';

const USAGE = `iop-outcomes bench [options]

  --only LIST        benchmarks to run, comma-separated: ${BENCHMARKS.join(', ')}, demo
                     (default: all but demo)
  --sizes LIST       event counts of the refresh benchmark (default 100k,1M; 10M takes long on 2 cores)
  --bytes-size N     lake size of the bytes-read benchmark (default: the largest of --sizes up to 1M)
  --records N        change records of the encode benchmark (default 50k)
  --ingest-events N  events of the ingest CPU benchmark, in batches of 500 (default 50k)
  --demo             also time \`npm start\` (demo --fresh --exit, isolated folder and ports; needs Java)
  --seed N           generator seed (default 1)
  --lake-dir DIR     keep the refresh benchmark's lakes in DIR/<size>/ and reuse them in later
                     runs with the same size and seed (the 1M build takes minutes)
  --skip-baseline    refresh: skip the plain-view baseline (minutes at 1M); for iterating only
  --json FILE        also write every result as JSON

Prints one table per benchmark. Figures are ratios against a baseline measured in the same
run; the machine's load average is printed before and after. See docs/benchmarks.md.`;

export const command: Command = {
  summary: 'Run the benchmarks (encode, bytes read, refresh at scale, ingest CPU, bundles, npm start)',
  usage: USAGE,
  async run(argv) {
    const { values } = parseOptions(argv, {
      only: { type: 'string' },
      sizes: { type: 'string', default: '100k,1M' },
      'bytes-size': { type: 'string' },
      records: { type: 'string', default: '50k' },
      'ingest-events': { type: 'string', default: '50k' },
      demo: { type: 'boolean', default: false },
      seed: { type: 'string', default: '1' },
      json: { type: 'string' },
      'lake-dir': { type: 'string' },
      'skip-baseline': { type: 'boolean', default: false },
    });
    const selected = selectedBenchmarks(values.only, values.demo);
    const sizes = option('--sizes', () => parseSizes(values.sizes));
    const records = option('--records', () => parseSize(values.records));
    const ingestEvents = option('--ingest-events', () => parseSize(values['ingest-events']));
    const bytesSize = values['bytes-size'] ? option('--bytes-size', () => parseSize(values['bytes-size']!)) : defaultBytesSize(sizes);
    const seed = values.seed;

    const log = (line: string) => console.error(line);
    const print = (table: ResultTable) => console.log(`${renderText(table)}\n`);
    const machine = {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGb: Math.round(totalmem() / 1e9),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      loadBefore: loadavg(),
    };
    console.log(
      `iop-outcomes bench — ${new Date().toISOString()} — ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GB, node ${machine.node}\n` +
        `load average before: ${formatLoad(machine.loadBefore)}\n`,
    );
    const results: Record<string, unknown> = {};

    if (selected.has('encode')) {
      results.encode = await runEncodeBenchmark({ records, seed, log });
      print(encodeTable(results.encode as Awaited<ReturnType<typeof runEncodeBenchmark>>));
    }
    if (selected.has('ingest')) {
      results.ingest = await runIngestCpuBenchmark({ events: ingestEvents, seed });
      print(ingestCpuTable(results.ingest as Awaited<ReturnType<typeof runIngestCpuBenchmark>>));
    }
    if (selected.has('bundles')) {
      results.bundles = await runBundlesBenchmark(PROJECT_ROOT, log);
      print(bundlesTable(results.bundles as Awaited<ReturnType<typeof runBundlesBenchmark>>));
    }
    const runBytes = async (build: LakeBuild) => {
      const bytes = await runBytesReadBenchmark(build, BENCH_AS_OF, log);
      results.bytes = bytes;
      print(bytesTable(bytes));
      print(largestColumnsTable(bytes));
    };
    if (selected.has('refresh')) {
      const refresh = await runRefreshScaleBenchmark({
        sizes,
        seed,
        ndjsonForSize: selected.has('bytes') && sizes.includes(bytesSize) ? bytesSize : undefined,
        onLake: runBytes,
        lakeDir: values['lake-dir'],
        skipBaseline: values['skip-baseline'],
        log,
      });
      results.refresh = refresh;
      for (const table of refreshTables(refresh)) print(table);
    }
    if (selected.has('bytes') && results.bytes === undefined) {
      // The refresh benchmark did not build a lake of this size: build one just for this.
      const dir = mkdtempSync(join(tmpdir(), `iop-bench-bytes-${formatSize(bytesSize)}-`));
      try {
        log(`bytes: building a ${formatSize(bytesSize)}-event lake with an NDJSON.gz copy…`);
        await runBytes(await buildLake({ cohort: benchCohort(admissionsForEvents(bytesSize, seed), seed), dir, ndjsonGz: true }));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    if (selected.has('demo')) {
      results.demo = await runDemoWallBenchmark(PROJECT_ROOT, log);
      print(demoWallTable(results.demo as Awaited<ReturnType<typeof runDemoWallBenchmark>>));
    }

    const loadAfter = loadavg();
    console.log(`load average after: ${formatLoad(loadAfter)}`);
    if (values.json) {
      writeFileSync(values.json, `${JSON.stringify({ machine: { ...machine, loadAfter }, options: { sizes, records, ingestEvents, bytesSize, seed }, results }, null, 2)}\n`);
      console.log(`results written to ${values.json}`);
    }
  },
};

function selectedBenchmarks(only: string | undefined, demo: boolean): Set<BenchmarkName> {
  const names = only === undefined ? [...BENCHMARKS] : only.split(',').map((name) => name.trim()).filter(Boolean);
  const known: readonly string[] = [...BENCHMARKS, 'demo'];
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0 || names.length === 0) {
    throw new CliError(`--only must list some of ${known.join(', ')}; got ${JSON.stringify(only)}`, 2);
  }
  const selected = new Set(names as BenchmarkName[]);
  if (demo) selected.add('demo');
  return selected;
}

/** The bytes benchmark reads the largest refresh lake up to 1M events (larger ones make the NDJSON.gz copy slow). */
function defaultBytesSize(sizes: number[]): number {
  const candidates = sizes.filter((size) => size <= 1_000_000);
  return candidates.length > 0 ? candidates[candidates.length - 1] : 100_000;
}

function option<T>(flag: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new CliError(`${flag}: ${(error as Error).message}`, 2, { cause: error });
  }
}

function formatLoad(load: number[]): string {
  return load.map((value) => value.toFixed(2)).join(', ');
}
