/**
 * Benchmark 6, `npm start` wall time: runs `demo --fresh --exit` in a child process with
 * its own IOP_LOCAL_DIR (a temp folder) and free ports, and reports the total it prints
 * ("Ready in … s (start …, generate …, …)") with each step, plus the wall time seen from outside.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../cli/local/free-port';
import { measure } from './measure';
import type { ResultTable } from './table';

export interface DemoWallResult {
  /** Seconds the demo reports for itself. */
  readySeconds: number;
  /** Wall seconds from spawning the process to its exit (includes tsx start-up and shutdown). */
  processSeconds: number;
  steps: { step: string; seconds: number }[];
}

const READY_LINE = /^Ready in (\d+(?:\.\d+)?) s \((.*)\)\.?$/m;

/** Reads "Ready in 52 s (start 5.1 s, generate 2.0 s, …)." into numbers. */
export function parseReadyLine(output: string): Omit<DemoWallResult, 'processSeconds'> {
  const match = READY_LINE.exec(output);
  if (!match) throw new Error('the demo did not print a "Ready in … s (…)" line; run `npm start -- --fresh --exit` to see why');
  const steps = match[2]
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const step = /^(.+?)\s+(\d+(?:\.\d+)?)\s*s$/.exec(part);
      if (!step) throw new Error(`cannot read the demo step "${part}"; expected "<step> <seconds> s"`);
      return { step: step[1], seconds: Number(step[2]) };
    });
  return { readySeconds: Number(match[1]), steps };
}

export async function runDemoWallBenchmark(projectRoot: string, log: (line: string) => void = () => {}): Promise<DemoWallResult> {
  const localDir = mkdtempSync(join(tmpdir(), 'iop-bench-demo-'));
  const [apiPort, dashboardPort] = [await freePort(), await freePort()];
  try {
    log(`demo: npm start --fresh --exit with IOP_LOCAL_DIR=${localDir}, ports ${apiPort}/${dashboardPort}…`);
    const run = await measure(
      () =>
        new Promise<string>((resolve, reject) => {
          const child = spawn(
            process.execPath,
            [join(projectRoot, 'cli', 'iop-outcomes.cjs'), 'demo', '--fresh', '--exit', '--port', String(apiPort), '--dashboard-port', String(dashboardPort)],
            { cwd: projectRoot, env: { ...process.env, IOP_LOCAL_DIR: localDir }, stdio: ['ignore', 'pipe', 'pipe'] },
          );
          let output = '';
          let errors = '';
          child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
          child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString('utf8')));
          child.on('error', reject);
          child.on('close', (code) => {
            if (code === 0) resolve(output);
            else reject(new Error(`the demo exited with code ${code}: ${(errors || output).trim().split('\n').slice(-5).join(' | ')}`));
          });
        }),
    );
    return { ...parseReadyLine(run.value), processSeconds: run.wallSeconds };
  } finally {
    rmSync(localDir, { recursive: true, force: true });
  }
}

export function demoWallTable(result: DemoWallResult): ResultTable {
  return {
    title: '`npm start` (demo --fresh --exit) wall time',
    columns: ['step', 'seconds'],
    rows: [
      ...result.steps.map((step) => [step.step, step.seconds.toFixed(1)]),
      ['Ready in (as printed)', result.readySeconds.toFixed(0)],
      ['process wall time (spawn to exit)', result.processSeconds.toFixed(1)],
    ],
    notes: ['No target in the issue; the demo is still being tuned.'],
  };
}
