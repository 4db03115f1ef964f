/**
 * Ingest under DynamoDB trouble, end to end: the real ingest client sends a messy export
 * to the local API (bundled authorizer and ingest handlers, real SDK and event-store
 * adapter) while a proxy in front of DynamoDB Local throttles, fails and drops answers
 * of writes that did happen. Nothing may be lost and nothing written twice: the table
 * must hold exactly the export's final facts, each with the content a fault-free write
 * stores.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestFile, type IngestSummary } from '../../cli/ingest-client';
import { type ApiServer, startApiServer } from '../../cli/local/api-server';
import { type DynamoDbLocal, ensureEventsTable, LOCAL_AWS_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from '../../cli/local/dynamodb-local';
import { ensureLocalSecrets } from '../../cli/local/local-secrets';
import { cohortClinicIds, cohortLines, writeCohort } from '../../cli/synthetic/emit';
import { eventPk } from '../../lambdas/core/events-table';
import { checkEvents } from '../../lambdas/core/ingest';
import { type FaultProxy, startFaultProxy } from '../support/e2e-fault-proxy';
import { scanEventsTable } from '../support/e2e-local-stack';

const TABLE = 'events';
const AS_OF = new Date().toISOString().slice(0, 10);
const COHORT = { seed: 515, clinics: 3, admissions: 80, months: 12, asOf: AS_OF, clean: false } as const;

describe('ingest while DynamoDB throttles, fails and drops answers', () => {
  let localDir: string;
  let db: DynamoDbLocal;
  let proxy: FaultProxy;
  let api: ApiServer;
  let pseudonymSecret: string;
  let ingest: IngestSummary;
  const restores: (() => void)[] = [];

  beforeAll(async () => {
    // The API server points process.env at its servers; later test files in this worker must not inherit that.
    const environment = { ...process.env };
    restores.push(() => {
      for (const key of Object.keys(process.env)) if (!(key in environment)) delete process.env[key];
      Object.assign(process.env, environment);
    });
    // Handler warnings about the faults are expected; keep them out of the report.
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write.bind(stream);
      stream.write = (() => true) as typeof stream.write;
      restores.push(() => void (stream.write = write));
    }
    localDir = mkdtempSync(join(tmpdir(), 'e2e-ingest-faults-'));
    process.env.IOP_LOCAL_DIR = localDir;
    const secrets = ensureLocalSecrets(cohortClinicIds(COHORT.seed, COHORT.clinics));
    pseudonymSecret = readFileSync(secrets.pseudonymKeyFile, 'utf8').trim();
    db = await startDynamoDbLocal();
    await ensureEventsTable(db.client, TABLE);
    proxy = await startFaultProxy(db.endpoint, { throttled: 0.2, serverError: 0.08, answerLost: 0.08 }, 2026);
    api = await startApiServer({
      env: {
        EVENTS_TABLE_NAME: TABLE,
        PSEUDONYM_KEY_FILE: secrets.pseudonymKeyFile,
        CLINIC_CREDENTIALS_FILE: secrets.credentialsFile,
        AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint,
        AWS_REGION: LOCAL_REGION,
        AWS_ACCESS_KEY_ID: LOCAL_AWS_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_AWS_CREDENTIALS.secretAccessKey,
      },
      log: () => {},
    });

    // Act
    const cohortFile = join(localDir, 'cohort.ndjson');
    await writeCohort(COHORT, cohortFile);
    ingest = await ingestFile(cohortFile, { apiUrl: api.url, credentials: secrets.credentials, batchSize: 50, retry: { baseDelayMs: 50, maxDelayMs: 2000 } });
  }, 600_000);

  afterAll(async () => {
    await api?.stop();
    await proxy?.stop();
    await db?.stop();
    restores.forEach((restore) => restore());
    if (localDir) rmSync(localDir, { recursive: true, force: true });
  });

  it('should have met every kind of fault and still delivered every line', () => {
    // Assess: the faults happened (else this proves nothing), and the client gave up on nothing
    expect(proxy.counts.throttled).toBeGreaterThan(15);
    expect(proxy.counts.serverError).toBeGreaterThan(5);
    expect(proxy.counts.answerLost).toBeGreaterThan(5);
    expect(ingest.notSent).toBe(0);
    expect(ingest.accepted + ingest.duplicate + ingest.stale + ingest.rejected).toBe(ingest.events);
    expect(ingest.retracted).toBe(ingest.retractions);
  });

  it('should hold exactly the final facts of the export, each as a fault-free write stores it', async () => {
    // Prepare: the final fact per event (latest version, retractions applied, invalid never stored)
    const expected = new Map<string, { version: number; contentHash: string }>();
    for (const line of cohortLines(COHORT)) {
      if (line.kind === 'retract') {
        expected.delete(eventPk(line.clinicId, line.eventId));
        continue;
      }
      if (line.role === 'invalid') continue;
      const [checked] = checkEvents([line.event], { callerClinicId: line.event.clinicId, pseudonymSecret, receivedAt: new Date() });
      if (checked.kind !== 'valid') throw new Error(`generated event ${line.event.eventId} did not validate`);
      const known = expected.get(checked.stored.pk);
      if (!known || known.version < checked.stored.version) expected.set(checked.stored.pk, { version: checked.stored.version, contentHash: checked.stored.contentHash });
    }

    // Act
    const items = await scanEventsTable({ dynamoEndpoint: db.endpoint, tableName: TABLE });

    // Assess: same keys (nothing lost, nothing extra), same versions and content
    expect(items.length).toBe(expected.size);
    const actual = new Map(items.map((item) => [String(item.pk), { version: Number(item.version), contentHash: String(item.contentHash) }]));
    expect(actual).toEqual(expected);
  });
});
