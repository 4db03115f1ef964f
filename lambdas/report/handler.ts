/**
 * Scheduled funder-report Lambda (EventBridge Scheduler, payload {funderId, period?}):
 * runs the metric SQL on Athena, writes PDF + CSVs under the KMS-encrypted reports
 * prefix and sends the link. Errors propagate so the scheduler retries, then dead-letters.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import middy from '@middy/core';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';
import { createAthenaEngine } from '../adapters/athena-engine';
import { S3ObjectStore, s3ClientFromEnv } from '../adapters/object-store';
import { QUERIES_DIR } from '../adapters/query-files';
import { RUNTIME_ENV, requiredEnv } from '../core/runtime-env';
import { DEFAULT_LINK_SECONDS, DEFAULT_REPORTS_PREFIX, REPORT_ENV } from './report-env';
import { runReport, type ReportEvent, type ReportResult } from './run-report';

// Module scope: reused across warm invocations.
const s3 = s3ClientFromEnv();
const ses = new SESv2Client({});
const sns = new SNSClient({});

const log = (message: string) => console.log(JSON.stringify({ level: 'INFO', service: 'report', message }));

/** queries/ travels beside the bundled handler; in the source tree it is the project's. */
function queriesDir(): string {
  const configured = process.env[RUNTIME_ENV.queriesDir];
  if (configured) return configured;
  const bundled = join(__dirname, 'queries');
  return existsSync(bundled) ? bundled : QUERIES_DIR;
}

async function report(event: ReportEvent): Promise<ReportResult> {
  const bucket = requiredEnv(REPORT_ENV.reportsBucket);
  const dir = queriesDir();
  const engine = createAthenaEngine({
    workGroup: requiredEnv(RUNTIME_ENV.athenaWorkGroup),
    database: process.env[RUNTIME_ENV.athenaDatabase] || undefined,
    queriesDir: dir,
  });
  try {
    return await runReport(
      {
        profilesJson: requiredEnv(REPORT_ENV.funderProfiles),
        engine,
        store: new S3ObjectStore(s3, bucket),
        s3,
        ses,
        sns,
        bucket,
        prefix: process.env[REPORT_ENV.reportsPrefix] || DEFAULT_REPORTS_PREFIX,
        queriesDir: dir,
        senderEmail: process.env[REPORT_ENV.senderEmail] || undefined,
        topicArn: process.env[REPORT_ENV.topicArn] || undefined,
        linkSeconds: Number(process.env[REPORT_ENV.linkSeconds] || DEFAULT_LINK_SECONDS),
        softwareVersion: process.env[REPORT_ENV.softwareVersion] || 'unknown',
        log,
      },
      event,
    );
  } finally {
    await engine.close();
  }
}

export const handler = middy<ReportEvent, ReportResult>(report);

// The renderer the handler already bundles, exported so tests can draw a PDF with the deployed
// artefact itself (test/infra/reports.test.ts): proof that its font engine and shims work.
export { renderPdf } from './render-pdf';
