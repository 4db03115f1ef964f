/**
 * A loopback proxy in front of DynamoDB Local that misbehaves like DynamoDB on a bad
 * day: throttling errors, internal server errors, and writes that happen but whose
 * answer never arrives (the connection drops). Faults are injected on the wire, so the
 * real SDK, adapter and handler see exactly what AWS would send them. Seeded.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FaultRates {
  /** 400 ProvisionedThroughputExceededException, nothing written. */
  throttled: number;
  /** 500 InternalServerError, nothing written. */
  serverError: number;
  /** Forwarded and executed, then the connection is cut before the answer. */
  answerLost: number;
}

export interface FaultProxy {
  endpoint: string;
  /** Faults injected so far, by kind, and requests seen. */
  counts: { requests: number; throttled: number; serverError: number; answerLost: number };
  stop(): Promise<void>;
}

/** Operations faults are injected into: the ingest writes and reads, never table administration. */
const FAULTY_OPERATIONS = /\.(TransactWriteItems|PutItem|GetItem|DeleteItem|BatchWriteItem|UpdateItem)$/;

export async function startFaultProxy(target: string, rates: FaultRates, seed: number): Promise<FaultProxy> {
  const upstream = new URL(target);
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0; // mulberry32
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const counts = { requests: 0, throttled: 0, serverError: 0, answerLost: 0 };

  const fail = (response: ServerResponse, status: number, type: string, message: string) => {
    const body = JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message });
    response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': type, 'content-length': Buffer.byteLength(body) });
    response.end(body);
  };

  const forward = (request: IncomingMessage, body: Buffer, onAnswer: (status: number, headers: IncomingMessage['headers'], answer: Buffer) => void, onError: (error: Error) => void) => {
    const outgoing = httpRequest(
      { hostname: upstream.hostname, port: upstream.port, path: request.url, method: request.method, headers: { ...request.headers, host: upstream.host } },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => onAnswer(answer.statusCode ?? 502, answer.headers, Buffer.concat(chunks)));
        answer.on('error', onError);
      },
    );
    outgoing.on('error', onError);
    outgoing.end(body);
  };

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      counts.requests += 1;
      const body = Buffer.concat(chunks);
      const operation = String(request.headers['x-amz-target'] ?? '');
      const roll = FAULTY_OPERATIONS.test(operation) ? random() : 1;
      if (roll < rates.throttled) {
        counts.throttled += 1;
        return fail(response, 400, 'ProvisionedThroughputExceededException', 'The level of configured provisioned throughput for the table was exceeded.');
      }
      if (roll < rates.throttled + rates.serverError) {
        counts.serverError += 1;
        return fail(response, 500, 'InternalServerError', 'Internal server error');
      }
      const loseAnswer = roll < rates.throttled + rates.serverError + rates.answerLost;
      forward(
        request,
        body,
        (status, headers, answer) => {
          if (loseAnswer) {
            counts.answerLost += 1;
            response.socket?.destroy(); // the write happened; the caller never hears of it
            return;
          }
          response.writeHead(status, headers);
          response.end(answer);
        },
        () => response.socket?.destroy(),
      );
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts,
    stop: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
