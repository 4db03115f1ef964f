import { loadStageConfig } from '../../lib/stage-config';
import { DEFAULT_INGEST_SETTINGS } from '../../lambdas/core/settings';

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
    const config = loadStageConfig('prod', { account: '123456789012', region: 'eu-west-1', alarmEmail: 'ops@example.org' }, {});

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
});
