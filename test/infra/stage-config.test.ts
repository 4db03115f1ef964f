import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadStageConfig } from '../../lib/stage-config';
import { DEFAULT_INGEST_SETTINGS } from '../../lambdas/core/settings';

const PROD = { account: '123456789012', region: 'eu-west-1', alarmEmail: 'ops@example.org', reportSender: 'reports@iop.example.org' };

const profile = (overrides: Record<string, unknown> = {}) => ({
  id: 'state-sor',
  name: 'State Opioid Response',
  clinics: 'all',
  periodKind: 'quarter',
  schedule: { cron: 'cron(0 7 10 1,4,7,10 ? *)', timeZone: 'America/New_York' },
  delivery: { channel: 'email', recipients: ['grants@state.example.org'] },
  ...overrides,
});

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'stage-config-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a funders file and returns its path. */
function fundersFile(name: string, content: unknown): string {
  const file = path.join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('stage config', () => {
  it('should give dev working defaults without any context', () => {
    // Act
    const config = loadStageConfig('dev', {}, {});

    // Assess
    expect(config.stage).toBe('dev');
    expect(config.env).toEqual({ account: undefined, region: 'us-east-1' });
    expect(config.retainData).toBe(false);
    expect(config.ingest.maxEventsPerBatch).toBe(DEFAULT_INGEST_SETTINGS.maxEventsPerBatch);
    expect(config.ingest.maxBodyBytes).toBe(DEFAULT_INGEST_SETTINGS.maxBodyBytes);
    expect(config.lake).toMatchObject({ batchSize: 1000, maxBatchingWindowSeconds: 60, retryAttempts: 10, maxRecordAgeHours: 24 });
  });

  it('should take the account and region of the CDK CLI environment when no context is given', () => {
    // Act
    const config = loadStageConfig('dev', {}, { CDK_DEFAULT_ACCOUNT: '210987654321', CDK_DEFAULT_REGION: 'eu-central-1' });

    // Assess
    expect(config.env).toEqual({ account: '210987654321', region: 'eu-central-1' });
  });

  it('should refuse prod without account, region and alarm e-mail, naming the missing flags', () => {
    // Act / Assess
    expect(() => loadStageConfig('prod', { region: 'eu-west-1' }, {})).toThrow('stage prod needs -c account=… -c alarmEmail=…');
  });

  it('should retain data, reserve concurrency and keep logs a year in prod', () => {
    // Act
    const config = loadStageConfig('prod', PROD, {});

    // Assess
    expect(config.retainData).toBe(true);
    expect(config.logRetentionDays).toBe(365);
    expect(config.ingest.reservedConcurrency).toBeGreaterThan(0);
    expect(config.alarmEmail).toBe('ops@example.org');
  });

  it('should reject an invalid override naming the field', () => {
    // Act / Assess
    expect(() => loadStageConfig('dev', { alarmEmail: 'not-an-address' }, {})).toThrow(/invalid configuration for stage dev: alarmEmail: alarmEmail must be an e-mail address/);
    expect(() => loadStageConfig('dev', { account: '12345' }, {})).toThrow(/env\.account: account must be a 12-digit AWS account id/);
  });

  it('should reject an unknown stage with the accepted names', () => {
    // Act / Assess
    expect(() => loadStageConfig('staging', {}, {})).toThrow('unknown stage "staging": use -c stage=dev or -c stage=prod');
  });

  it('should read the funder profiles of config/funders.json and keep their e-mail delivery in prod', () => {
    // Act
    const config = loadStageConfig('prod', PROD, {});

    // Assess
    expect(config.reports.profiles.map((funder) => [funder.id, funder.delivery.channel])).toEqual([
      ['state-sor-grant', 'email'],
      ['county-foundation', 'sns'],
    ]);
    expect(config.reports.sender).toEqual({ email: 'reports@iop.example.org', identity: 'reports@iop.example.org' });
    expect(config.reports.mailRedirectedToTopic).toEqual([]);
  });

  it('should send dev e-mail deliveries to the report topic when no sender is given, and say which', () => {
    // Act
    const config = loadStageConfig('dev', {}, {});

    // Assess
    expect(config.reports.profiles.map((funder) => funder.delivery)).toEqual([{ channel: 'sns' }, { channel: 'sns' }]);
    expect(config.reports.mailRedirectedToTopic).toEqual(['state-sor-grant']);
    expect(config.reports.sender).toBeUndefined();
  });

  it('should refuse prod when a profile mails and no sender is given, naming the profile and the flag', () => {
    // Act / Assess
    const { reportSender, ...withoutSender } = PROD;
    expect(reportSender).toBeDefined();
    expect(() => loadStageConfig('prod', withoutSender, {})).toThrow(
      'invalid configuration for stage prod: reports.sender: funder profile(s) "state-sor-grant" deliver by e-mail: pass -c reportSender=',
    );
  });

  it('should name the profile, its entry and the field of a bad funder profile', () => {
    // Prepare
    const file = fundersFile('bad-profile.json', [profile(), profile({ id: 'county-fund', periodKind: 'week', delivery: { channel: 'sns' } })]);

    // Act / Assess
    expect(() => loadStageConfig('prod', { ...PROD, fundersFile: file }, {})).toThrow(/funder profile "county-fund" \(.*bad-profile\.json entry 2\) periodKind: /);
  });

  it('should refuse a funder cron Scheduler would reject, naming the profile and the cron field', () => {
    // Prepare
    const file = fundersFile('bad-cron.json', [profile({ schedule: { cron: 'cron(0 7 31 13 ? *)', timeZone: 'America/New_York' } })]);

    // Act / Assess
    expect(() => loadStageConfig('prod', { ...PROD, fundersFile: file }, {})).toThrow(
      /funder profile "state-sor" \(.*entry 1\) schedule\.cron: "cron\(0 7 31 13 \? \*\)": month "13" has 13, outside 1-12/,
    );
  });

  it('should refuse duplicate funder ids, an unreadable file and a file that is not a list', () => {
    // Prepare
    const duplicate = fundersFile('duplicate.json', [profile(), profile()]);
    const notAList = fundersFile('object.json', { id: 'state-sor' });
    const notJson = fundersFile('broken.json', '[{');

    // Act / Assess
    expect(() => loadStageConfig('prod', { ...PROD, fundersFile: duplicate }, {})).toThrow('duplicate funder profile id "state-sor"');
    expect(() => loadStageConfig('dev', { fundersFile: notAList }, {})).toThrow(/must hold a JSON array of profiles/);
    expect(() => loadStageConfig('dev', { fundersFile: notJson }, {})).toThrow(/broken\.json is not valid JSON/);
    expect(() => loadStageConfig('dev', { fundersFile: path.join(dir, 'missing.json') }, {})).toThrow(/cannot read the funder profiles .*missing\.json.*-c fundersFile=/);
  });

  it('should take the refresh schedule and time zone from context and refuse a bad cron or zone', () => {
    // Act
    const config = loadStageConfig('dev', { refreshSchedule: 'cron(0/30 6-20 ? * MON-FRI *)', refreshTimeZone: 'America/Chicago' }, {});

    // Assess
    expect(config.refresh).toEqual({ scheduleExpression: 'cron(0/30 6-20 ? * MON-FRI *)', timeZone: 'America/Chicago' });
    expect(() => loadStageConfig('dev', { refreshSchedule: 'cron(0 6 * * * *)' }, {})).toThrow(
      /refresh\.scheduleExpression: .*exactly one of day-of-month and day-of-week must be \?/,
    );
    expect(() => loadStageConfig('dev', { refreshSchedule: 'every hour' }, {})).toThrow(/refresh\.scheduleExpression: "every hour" is not a schedule expression/);
    expect(() => loadStageConfig('dev', { refreshTimeZone: 'EST' }, {})).toThrow(/refresh\.timeZone: "EST" is an abbreviation/);
  });

  it('should take the director clinics as a list or comma-separated text and refuse a bad clinic id', () => {
    // Act / Assess
    expect(loadStageConfig('dev', { clinics: 'harbor-view, riverside,harbor-view' }, {}).dashboard.clinicIds).toEqual(['harbor-view', 'riverside']);
    expect(loadStageConfig('dev', { clinics: ['harbor-view'] }, {}).dashboard.clinicIds).toEqual(['harbor-view']);
    expect(() => loadStageConfig('dev', { clinics: 'Harbor View' }, {})).toThrow(/dashboard\.clinicIds\.0: clinic id "Harbor View" must be 2-40 characters/);
  });

  it('should refuse a director group for a clinic called "all", the network scope of every metric', () => {
    // Act / Assess
    expect(() => loadStageConfig('dev', { clinics: 'harbor-view,all' }, {})).toThrow(
      /dashboard\.clinicIds\.1: clinic id must not be "all" \(got "all"\): that id is reserved for the network-wide rows .*give the clinic another id/,
    );
  });

  it('should derive a per-account hosted UI prefix, accept an override and refuse reserved words', () => {
    // Act
    const first = loadStageConfig('prod', PROD, {}).dashboard.cognitoDomainPrefix;
    const other = loadStageConfig('prod', { ...PROD, account: '210987654321' }, {}).dashboard.cognitoDomainPrefix;

    // Assess
    expect(first).toMatch(/^iop-outcomes-prod-[0-9a-f]{8}$/);
    expect(other).not.toBe(first);
    expect(loadStageConfig('dev', {}, {}).dashboard.cognitoDomainPrefix).toBe('iop-outcomes-dev-dashboard');
    expect(loadStageConfig('dev', { cognitoDomainPrefix: 'harbor-iop' }, {}).dashboard.cognitoDomainPrefix).toBe('harbor-iop');
    expect(() => loadStageConfig('dev', { cognitoDomainPrefix: 'my-aws-login' }, {})).toThrow(/must not contain aws, amazon or cognito/);
  });

  it('should accept a sender authorised by its domain identity and refuse one from another domain', () => {
    // Act / Assess
    expect(loadStageConfig('prod', { ...PROD, reportSenderIdentity: 'example.org' }, {}).reports.sender).toEqual({ email: 'reports@iop.example.org', identity: 'example.org' });
    expect(() => loadStageConfig('prod', { ...PROD, reportSenderIdentity: 'other.org' }, {})).toThrow(
      /reports\.sender\.identity: reportSenderIdentity "other\.org" must be the sender address "reports@iop\.example\.org" itself or its domain/,
    );
  });

  it('should protect prod with threat protection and reserved concurrency for the refresh, reports and metrics API', () => {
    // Act
    const prod = loadStageConfig('prod', PROD, {});
    const dev = loadStageConfig('dev', {}, {});

    // Assess
    expect(prod.dashboard).toMatchObject({ threatProtection: true, metricsApiReservedConcurrency: 10 });
    expect(prod.refresh.reservedConcurrency).toBe(1);
    expect(prod.reports.reservedConcurrency).toBe(2);
    expect(dev.dashboard.threatProtection).toBe(false);
    expect([dev.refresh.reservedConcurrency, dev.reports.reservedConcurrency, dev.dashboard.metricsApiReservedConcurrency]).toEqual([undefined, undefined, undefined]);
  });
});
