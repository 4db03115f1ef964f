import { App } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, HIPAASecurityChecks } from 'cdk-nag';
import { buildApp } from '../../lib/iop-outcomes-app';
import { nagAcknowledgements } from '../../lib/nag-acknowledgements';
import type { StageName } from '../../lib/stage-config';
import { TEST_ENV } from './support/synth';

function appFor(stage: StageName) {
  const app = new App({ context: { stage, ...TEST_ENV, 'aws:cdk:bundling-stacks': [] } });
  const stack = buildApp(app, { nag: false });
  return { app, stack };
}

function findings(app: App): string[] {
  return [new AwsSolutionsChecks(app), new HIPAASecurityChecks(app)].flatMap((pack) =>
    pack.validateScope(app).violations.flatMap((violation) =>
      violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath ?? resource.resourceLogicalId}`),
    ),
  );
}

describe.each(['dev', 'prod'] as const)('cdk-nag on the %s stage', (stage) => {
  const { app, stack } = appFor(stage);

  it('should leave no unacknowledged AwsSolutions or HIPAA finding', () => {
    // Act / Assess
    expect(findings(app)).toEqual([]);
  });

  it('should give every acknowledgement a specific reason (listed below)', () => {
    // Act
    const acks = nagAcknowledgements(stack, stack.config);
    console.log(
      `${acks.length} cdk-nag acknowledgements on ${stage}:\n` + acks.map((ack) => `  ${ack.path}  ${ack.id}\n      ${ack.reason}`).join('\n'),
    );

    // Assess
    for (const ack of acks) {
      expect({ id: ack.id, reasonLongEnough: ack.reason.length >= 40 }).toEqual({ id: ack.id, reasonLongEnough: true });
      // Short ids only: the CLI's "AwsSolutions::…" form is ignored by the packs.
      expect(ack.id).not.toContain('::AwsSolutions');
      expect(ack.id).toMatch(/^(AwsSolutions|HIPAA\.Security)-[A-Za-z0-9]+(\[.+\])?$/);
    }
    const keys = acks.map((ack) => `${ack.path} ${ack.id}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

/** Every finding, acknowledged or not: cdk-nag 3 exposes no switch, so the (private) acknowledgement check is turned off. */
function rawFindings(app: App): { rule: string; path: string }[] {
  return [new AwsSolutionsChecks(app), new HIPAASecurityChecks(app)].flatMap((pack) => {
    (pack as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
    return pack.validateScope(app).violations.flatMap((violation) =>
      violation.violatingResources.map((resource) => ({ rule: violation.ruleName, path: resource.constructPath ?? '' })),
    );
  });
}

describe.each(['dev', 'prod'] as const)('cdk-nag acknowledgements on the %s stage', (stage) => {
  it('should acknowledge only findings the packs still report, so a fixed finding cannot leave a stale excuse behind', () => {
    // Prepare
    const { app, stack } = appFor(stage);
    const below = `${stack.node.path}/`;

    // Act
    const raw = rawFindings(app);
    const stale = nagAcknowledgements(stack, stack.config).filter(
      (ack) => !raw.some((finding) => finding.rule === ack.id && (finding.path === below + ack.path || finding.path.startsWith(`${below}${ack.path}/`))),
    );

    // Assess
    expect(raw.length).toBeGreaterThan(50); // the switch worked: acknowledged findings are visible
    expect(stale.map((ack) => `${ack.path} ${ack.id}`)).toEqual([]);
  });
});

describe('cdk-nag enforcement', () => {
  it('should report a finding nobody acknowledged, so the zero above means something', () => {
    // Prepare
    const { app, stack } = appFor('dev');
    new sqs.Queue(stack, 'UnencryptedQueue', { encryption: sqs.QueueEncryption.UNENCRYPTED });

    // Act
    const reported = findings(app);

    // Assess
    expect(reported).toEqual(expect.arrayContaining([expect.stringMatching(/^AwsSolutions-SQS4 at .*UnencryptedQueue/)]));
  });

  it('should fail synth on an unacknowledged finding when the packs are registered as the CLI runs them', () => {
    // Prepare
    const app = new App({ context: { stage: 'dev', ...TEST_ENV, 'aws:cdk:bundling-stacks': [] } });
    const stack = buildApp(app);
    new sqs.Queue(stack, 'UnencryptedQueue', { encryption: sqs.QueueEncryption.UNENCRYPTED });

    // Act / Assess
    expect(() => app.synth()).toThrow(/UnencryptedQueue\/Resource[\s\S]*AwsSolutions-SQS4/);
  });
});
