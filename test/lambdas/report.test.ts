import { DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { S3ObjectStore } from '../../lambdas/adapters/object-store';
import type { FunderProfileInput } from '../../lambdas/core/funder-profile';
import { runReport, type ReportRuntime } from '../../lambdas/report/run-report';
import { loadSyntheticCohort } from '../support/report-fixture';
import { createSqlHarness, type SqlHarness } from '../support/sql-harness';

const BUCKET = 'reports-bucket';
const s3Mock = mockClient(S3Client);
const sesMock = mockClient(SESv2Client);
const snsMock = mockClient(SNSClient);

const PROFILES: FunderProfileInput[] = [
  {
    id: 'state-sor',
    name: 'State SOR grant',
    clinics: 'all',
    sections: ['retention', 'outcomes'],
    periodKind: 'quarter',
    schedule: { cron: 'cron(0 7 10 1,4,7,10 ? *)', timeZone: 'America/Los_Angeles' },
    delivery: { channel: 'email', recipients: ['grants@state.example.org', 'analyst@state.example.org'] },
  },
  {
    id: 'county-fund',
    name: 'County fund',
    clinics: ['harbor-view'],
    sections: ['retention'],
    periodKind: 'month',
    schedule: { cron: 'cron(0 8 5 * ? *)', timeZone: 'UTC' },
    delivery: { channel: 'sns' },
  },
];

let harness: SqlHarness;
// Signing credentials that expire 2 hours after "now": the link must not claim to last longer.
const CREDENTIAL_EXPIRY = new Date('2026-07-10T14:00:00.000Z');
const NOW = new Date('2026-07-10T12:00:00.000Z');

function runtime(overrides: Partial<ReportRuntime> = {}): ReportRuntime {
  const s3 = new S3Client({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token', expiration: CREDENTIAL_EXPIRY },
  });
  return {
    profilesJson: JSON.stringify(PROFILES),
    engine: harness.engine,
    store: new S3ObjectStore(s3, BUCKET),
    s3,
    ses: new SESv2Client({ region: 'us-east-1' }),
    sns: new SNSClient({ region: 'us-east-1' }),
    bucket: BUCKET,
    prefix: 'reports/',
    senderEmail: 'reports@iop.example.org',
    topicArn: 'arn:aws:sns:us-east-1:123456789012:funder-reports',
    linkSeconds: 12 * 3600,
    softwareVersion: '0.1.0',
    now: () => NOW,
    ...overrides,
  };
}

const putKeys = () => s3Mock.commandCalls(PutObjectCommand).map((call) => call.args[0].input.Key!);

beforeAll(async () => {
  harness = await createSqlHarness();
  await loadSyntheticCohort(harness, { seed: 3, clinics: 2, admissions: 150, months: 18, asOf: '2026-06-30' });
}, 120_000);

afterAll(async () => {
  await harness?.close();
});

beforeEach(() => {
  s3Mock.reset();
  sesMock.reset();
  snsMock.reset();
  s3Mock.on(PutObjectCommand).resolves({});
  s3Mock.on(ListObjectsV2Command).resolves({ Contents: [], IsTruncated: false });
  s3Mock.on(DeleteObjectsCommand).resolves({});
  sesMock.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });
  snsMock.on(PublishCommand).resolves({ MessageId: 'sns-1' });
});

describe('report Lambda', () => {
  it('should write the report under reports/<funder>/<period>/ with the manifest last, then e-mail a presigned link', async () => {
    // Prepare / Act
    const result = await runReport(runtime(), { funderId: 'state-sor', period: '2026-Q2' });

    // Assess
    const keys = putKeys();
    expect(keys.every((key) => key.startsWith('reports/state-sor/2026-Q2/'))).toBe(true);
    expect(keys).toContain('reports/state-sor/2026-Q2/report.pdf');
    expect(keys).toContain('reports/state-sor/2026-Q2/csv/README.txt');
    expect(keys.at(-1)).toBe('reports/state-sor/2026-Q2/manifest.json');
    expect(new Set(keys).size).toBe(keys.length);
    const email = sesMock.commandCalls(SendEmailCommand)[0].args[0].input;
    expect(email.FromEmailAddress).toBe('reports@iop.example.org');
    expect(email.Destination?.ToAddresses).toEqual(['grants@state.example.org', 'analyst@state.example.org']);
    expect(email.Content?.Raw).toBeUndefined(); // no attachment can ride along
    const body = email.Content?.Simple?.Body?.Text?.Data ?? '';
    expect(body).toMatch(/https:\/\/reports-bucket\.s3\.us-east-1\.amazonaws\.com\/reports\/state-sor\/2026-Q2\/report\.pdf\?[^\s]*X-Amz-Expires=7200/);
    expect(result.delivery).toEqual({ channel: 'email', linkExpiresAt: CREDENTIAL_EXPIRY.toISOString(), messageId: 'ses-1' });
  });

  it('should send no report figure in the e-mail, only the link and the report identity', async () => {
    // Prepare / Act
    await runReport(runtime(), { funderId: 'state-sor', period: '2026-Q2' });

    // Assess: strip the link, dates and versions; no other number may remain.
    const body = sesMock.commandCalls(SendEmailCommand)[0].args[0].input.Content?.Simple?.Body?.Text?.Data ?? '';
    const rest = body
      .replace(/https:\/\/\S+/g, '')
      .replace(/\d{4}-\d{2}-\d{2}(T[\d:.]+Z)?/g, '')
      .replace(/2026-Q2|0\.1\.0|1–10/g, '');
    expect(rest).not.toMatch(/\d/);
  });

  it('should default to the last complete quarter on the funder clock', async () => {
    // Prepare: 03:00 UTC on 1 July is still 30 June in Los Angeles, so Q2 has not ended there.
    const early = runtime({ now: () => new Date('2026-07-01T03:00:00.000Z') });

    // Act
    const result = await runReport(early, { funderId: 'state-sor' });

    // Assess
    expect(result.period).toBe('2026-Q1');
    expect(putKeys()[0]).toMatch(/^reports\/state-sor\/2026-Q1\//);
  });

  it('should publish an SNS notification for a profile that delivers by SNS', async () => {
    // Prepare / Act
    const result = await runReport(runtime(), { funderId: 'county-fund', period: '2026-05' });

    // Assess
    const published = snsMock.commandCalls(PublishCommand)[0].args[0].input;
    expect(published.TopicArn).toBe('arn:aws:sns:us-east-1:123456789012:funder-reports');
    expect(published.Message).toContain('reports/county-fund/2026-05/report.pdf');
    expect(published.MessageAttributes?.funderId).toEqual({ DataType: 'String', StringValue: 'county-fund' });
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(0);
    expect(result.delivery.channel).toBe('sns');
  });

  it('should write the same keys on a re-run and delete only files the new run did not write', async () => {
    // Prepare
    await runReport(runtime(), { funderId: 'state-sor', period: '2026-Q2' });
    const first = putKeys();
    s3Mock.resetHistory();
    s3Mock
      .on(ListObjectsV2Command)
      .resolves({ Contents: [...first, 'reports/state-sor/2026-Q2/csv/dropped-table.csv'].map((Key) => ({ Key, Size: 1, ETag: '"x"' })), IsTruncated: false });

    // Act
    await runReport(runtime(), { funderId: 'state-sor', period: '2026-Q2' });

    // Assess
    expect(putKeys()).toEqual(first);
    const deleted = s3Mock.commandCalls(DeleteObjectsCommand).flatMap((call) => call.args[0].input.Delete?.Objects?.map((object) => object.Key));
    expect(deleted).toEqual(['reports/state-sor/2026-Q2/csv/dropped-table.csv']);
  });

  it('should throw when SES refuses the e-mail, so the scheduler retries and then dead-letters', async () => {
    // Prepare
    sesMock.on(SendEmailCommand).rejects(Object.assign(new Error('Email address is not verified.'), { name: 'MessageRejected' }));

    // Act / Assess
    await expect(runReport(runtime(), { funderId: 'state-sor', period: '2026-Q2' })).rejects.toThrow('Email address is not verified.');
  });

  it('should throw, and send nothing, when S3 refuses the write', async () => {
    // Prepare
    s3Mock.on(PutObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));

    // Act / Assess
    await expect(runReport(runtime(), { funderId: 'state-sor', period: '2026-Q2' })).rejects.toThrow('Access Denied');
    expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('should name the known funders when the event asks for an unknown one, and reject a period of the wrong kind', async () => {
    // Prepare / Act / Assess
    await expect(runReport(runtime(), { funderId: 'nobody' })).rejects.toThrow('unknown funder "nobody"; known funder profiles: state-sor, county-fund');
    await expect(runReport(runtime(), { funderId: 'state-sor', period: '2026-05' })).rejects.toThrow('reports by quarter; period "2026-05" is a month');
    await expect(runReport(runtime(), { funderId: '' })).rejects.toThrow('report event needs');
  });
});
