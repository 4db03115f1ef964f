/**
 * The report Lambda's work, without middy (so tests and the local runtime can call it):
 * resolve the funder and period, generate into the reports prefix, deliver the link.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { ObjectStore } from '../adapters/object-store';
import type { QueryEngine } from '../adapters/query-engine';
import { findFunderProfile, parseFunderProfiles, resolvePeriod } from '../core/funder-profile';
import { generateReport } from '../core/generate-report';
import { deliverReport, type Delivery } from './deliver';

/** The EventBridge Scheduler payload: which funder, and optionally which period (default: last complete). */
export interface ReportEvent {
  funderId: string;
  period?: string;
}

export interface ReportResult {
  funderId: string;
  period: string;
  manifestKey: string;
  delivery: Delivery;
}

export interface ReportRuntime {
  profilesJson: string;
  engine: Pick<QueryEngine, 'runQuery'>;
  store: ObjectStore;
  s3: S3Client;
  ses: Pick<SESv2Client, 'send'>;
  sns: Pick<SNSClient, 'send'>;
  bucket: string;
  prefix: string;
  queriesDir?: string;
  senderEmail?: string;
  topicArn?: string;
  linkSeconds: number;
  softwareVersion: string;
  now?: () => Date;
  log?: (message: string) => void;
}

export async function runReport(runtime: ReportRuntime, event: ReportEvent): Promise<ReportResult> {
  if (!event || typeof event.funderId !== 'string' || event.funderId === '') {
    throw new Error('report event needs {"funderId": "<profile id>", "period"?: "2026-Q2" | "2026-05"}');
  }
  let parsedProfiles: unknown;
  try {
    parsedProfiles = JSON.parse(runtime.profilesJson);
  } catch (error) {
    throw new Error('FUNDER_PROFILES is not valid JSON; the stack writes it from the stage config', { cause: error });
  }
  const profile = findFunderProfile(parseFunderProfiles(parsedProfiles, 'FUNDER_PROFILES'), event.funderId);
  const now = runtime.now ?? (() => new Date());
  const period = resolvePeriod(profile, event.period, now());
  const generated = await generateReport(
    { engine: runtime.engine, store: runtime.store, prefix: runtime.prefix, queriesDir: runtime.queriesDir },
    { profile, period, softwareVersion: runtime.softwareVersion, generatedAt: now() },
  );
  runtime.log?.(`report ${profile.id}/${period.label} written (${generated.manifest.files.length} files)`);
  const delivery = await deliverReport(
    { s3: runtime.s3, ses: runtime.ses, sns: runtime.sns, bucket: runtime.bucket, senderEmail: runtime.senderEmail, topicArn: runtime.topicArn, linkSeconds: runtime.linkSeconds, now },
    profile,
    generated.manifest,
  );
  runtime.log?.(`report ${profile.id}/${period.label} delivered by ${delivery.channel}`);
  return { funderId: profile.id, period: period.label, manifestKey: generated.manifestKey, delivery };
}
