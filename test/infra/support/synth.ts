/** Synthesises the stack for a stage without bundling (fast); tests assert on the template. */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { IopOutcomesStack, type IopOutcomesStackProps } from '../../../lib/iop-outcomes-stack';
import { type StageName, loadStageConfig } from '../../../lib/stage-config';

/** What a deployer passes (`-c …`); the sample profiles in config/funders.json mail one funder, so prod needs a sender. */
export const TEST_ENV = { account: '123456789012', region: 'eu-west-1', alarmEmail: 'ops@example.org', reportSender: 'reports@iop.example.org' };

export interface Synthesised {
  app: App;
  stack: IopOutcomesStack;
  template: Template;
}

export function synthStack(stage: StageName = 'dev', queries?: IopOutcomesStackProps['queries']): Synthesised {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const config = loadStageConfig(stage, TEST_ENV, {});
  const stack = new IopOutcomesStack(app, config.namePrefix, { config, queries });
  return { app, stack, template: Template.fromStack(stack) };
}

/** The single resource of a type whose logical id starts with the given construct-path prefix. */
export function resourceId(template: Template, type: string, logicalIdPrefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(logicalIdPrefix));
  if (ids.length !== 1) throw new Error(`expected one ${type} with id ${logicalIdPrefix}…, found ${ids.join(', ') || 'none'}`);
  return ids[0];
}
