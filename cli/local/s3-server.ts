/**
 * The local S3 API: s3rver on loopback in a child node process, its objects under a
 * data folder (in `.local/` for `serve`), with the lake bucket(s) created. The Lambda
 * code reaches it through the real S3 client (AWS_ENDPOINT_URL_S3, path style).
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_AWS_CREDENTIALS } from './dynamodb-local';

export interface S3ServerOptions {
  /** Loopback port; a free one when omitted. */
  port?: number;
  /** Folder s3rver keeps buckets and objects in (objects as `<key>._S3rver_object`). */
  dataDir: string;
  /** Buckets to create if missing. */
  buckets?: string[];
  /** Milliseconds to wait for the server to listen. */
  startTimeoutMs?: number;
}

export interface S3Server {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

const CHILD_SCRIPT = join(__dirname, 's3rver-child.cjs');

export async function startS3Server(options: S3ServerOptions): Promise<S3Server> {
  mkdirSync(options.dataDir, { recursive: true });
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', CHILD_SCRIPT, options.dataDir, String(options.port ?? 0), (options.buckets ?? []).join(',')],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        ...process.env,
        LOCAL_ACCESS_KEY_ID: LOCAL_AWS_CREDENTIALS.accessKeyId,
        LOCAL_SECRET_ACCESS_KEY: LOCAL_AWS_CREDENTIALS.secretAccessKey,
      },
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const port = await new Promise<number>((resolvePort, reject) => {
    let stdout = '';
    const timer = setTimeout(() => fail(new Error(`no answer within ${options.startTimeoutMs ?? 15_000} ms`)), options.startTimeoutMs ?? 15_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`the local S3 server (s3rver) did not start: ${error.message}\n${stderr}`));
    };
    child.once('error', fail);
    const onExit = (code: number | null) => fail(new Error(`it exited with code ${code}`));
    child.once('exit', onExit);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n')[0];
      if (!stdout.includes('\n')) return;
      clearTimeout(timer);
      child.removeListener('exit', onExit);
      try {
        resolvePort((JSON.parse(line) as { port: number }).port);
      } catch (error) {
        fail(error as Error);
      }
    });
  });
  child.stdout.resume();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(killer);
    },
  };
}
