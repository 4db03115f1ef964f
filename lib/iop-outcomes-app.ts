/**
 * Builds the CDK app for the stage named in context (`-c stage=dev|prod`), with the
 * cdk-nag AwsSolutions and HIPAA Security packs on the whole app: any unacknowledged
 * finding fails synth.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks } from 'cdk-nag';
import { IopOutcomesStack } from './iop-outcomes-stack';
import { loadStageConfig } from './stage-config';

export interface BuildAppOptions {
  /** Register the nag packs as synth-time validation (default true; tests run the packs directly). */
  nag?: boolean;
}

function contextString(app: App, key: string): string | undefined {
  const value: unknown = app.node.tryGetContext(key);
  return value === undefined || value === null || value === '' ? undefined : String(value);
}

export function buildApp(app: App, options: BuildAppOptions = {}): IopOutcomesStack {
  const clinics: unknown = app.node.tryGetContext('clinics');
  const config = loadStageConfig(contextString(app, 'stage') ?? 'dev', {
    account: contextString(app, 'account'),
    region: contextString(app, 'region'),
    alarmEmail: contextString(app, 'alarmEmail'),
    reportSender: contextString(app, 'reportSender'),
    reportSenderIdentity: contextString(app, 'reportSenderIdentity'),
    // cdk.json may hold a list; `-c clinics=a,b` arrives as text.
    clinics: Array.isArray(clinics) ? clinics.map(String) : contextString(app, 'clinics'),
    refreshSchedule: contextString(app, 'refreshSchedule'),
    refreshTimeZone: contextString(app, 'refreshTimeZone'),
    fundersFile: contextString(app, 'fundersFile'),
    cognitoDomainPrefix: contextString(app, 'cognitoDomainPrefix'),
  });
  const stack = new IopOutcomesStack(app, config.namePrefix, { config });
  if (options.nag !== false) {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new HIPAASecurityChecks(app));
  }
  return stack;
}
