import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../lib/iop-outcomes-app';
import { DEFAULT_FUNDERS_FILE } from '../../lib/stage-config';
import { TEST_ENV } from './support/synth';

function appWith(context: Record<string, unknown>) {
  return new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
}

describe('the CDK app', () => {
  it('should read every deployer setting from context into the stage config', () => {
    // Prepare
    const app = appWith({
      stage: 'prod',
      ...TEST_ENV,
      reportSenderIdentity: 'iop.example.org',
      // cdk.json may hold a list
      clinics: ['harbor-view', 'riverside'],
      refreshSchedule: 'cron(0 5-22 * * ? *)',
      refreshTimeZone: 'America/Denver',
      fundersFile: DEFAULT_FUNDERS_FILE,
      cognitoDomainPrefix: 'harbor-iop-directors',
    });

    // Act
    const stack = buildApp(app, { nag: false });

    // Assess
    expect(stack.stackName).toBe('iop-outcomes-prod');
    expect(stack.config.env).toEqual({ account: TEST_ENV.account, region: TEST_ENV.region });
    expect(stack.config.alarmEmail).toBe(TEST_ENV.alarmEmail);
    expect(stack.config.reports.sender).toEqual({ email: TEST_ENV.reportSender, identity: 'iop.example.org' });
    expect(stack.config.dashboard).toMatchObject({ clinicIds: ['harbor-view', 'riverside'], cognitoDomainPrefix: 'harbor-iop-directors' });
    expect(stack.config.refresh).toMatchObject({ scheduleExpression: 'cron(0 5-22 * * ? *)', timeZone: 'America/Denver' });
    Template.fromStack(stack).hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 5-22 * * ? *)',
      ScheduleExpressionTimezone: 'America/Denver',
    });
  });

  it('should take the clinics of `-c clinics=a,b` as comma-separated text', () => {
    // Act
    const stack = buildApp(appWith({ stage: 'dev', ...TEST_ENV, clinics: 'harbor-view,riverside' }), { nag: false });

    // Assess
    expect(stack.config.dashboard.clinicIds).toEqual(['harbor-view', 'riverside']);
  });

  it('should stop with the configuration error before building anything', () => {
    // Act / Assess
    expect(() => buildApp(appWith({ stage: 'dev', refreshSchedule: 'cron(0 6 * * * *)' }), { nag: false })).toThrow(
      /invalid configuration for stage dev: refresh\.scheduleExpression: .*exactly one of day-of-month and day-of-week must be \?/,
    );
  });
});
