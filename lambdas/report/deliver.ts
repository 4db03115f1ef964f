/**
 * Delivery of a stored report: an e-mail (SESv2) or an SNS notification carrying a
 * short-lived presigned link to the PDF — never the report itself, so no health data
 * travels by mail. Any failure throws, so the scheduler retries and then dead-letters.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { FunderProfile } from '../core/funder-profile';
import type { ReportManifest } from '../core/generate-report';

export interface DeliveryDeps {
  s3: S3Client;
  ses: Pick<SESv2Client, 'send'>;
  sns: Pick<SNSClient, 'send'>;
  bucket: string;
  senderEmail?: string;
  topicArn?: string;
  linkSeconds: number;
  now?: () => Date;
}

export interface Delivery {
  channel: 'email' | 'sns';
  /** When the link stops working: the requested lifetime, or sooner if the signing credentials expire first. */
  linkExpiresAt: string;
  messageId?: string;
}

/** A presigned URL dies with the temporary credentials that signed it (Lambda role credentials last hours). */
export async function presignedReportLink(deps: Pick<DeliveryDeps, 's3' | 'bucket' | 'linkSeconds' | 'now'>, key: string): Promise<{ url: string; expiresAt: Date }> {
  const now = (deps.now ?? (() => new Date()))();
  const credentials = await deps.s3.config.credentials();
  const requested = new Date(now.getTime() + deps.linkSeconds * 1000);
  const expiresAt = credentials.expiration && credentials.expiration < requested ? credentials.expiration : requested;
  const seconds = Math.max(60, Math.floor((expiresAt.getTime() - now.getTime()) / 1000));
  const url = await getSignedUrl(deps.s3, new GetObjectCommand({ Bucket: deps.bucket, Key: key, ResponseContentDisposition: 'attachment; filename="report.pdf"' }), {
    expiresIn: seconds,
  });
  return { url, expiresAt };
}

export function deliveryText(profile: FunderProfile, manifest: ReportManifest, url: string, expiresAt: Date): { subject: string; body: string } {
  const subject = `${profile.name}: outcomes report ${manifest.period}`;
  const body = [
    `The ${manifest.period} outcomes report for ${profile.name} is ready (data as of ${manifest.asOf}).`,
    '',
    `Download (PDF, with the tables as CSV files listed in its manifest): ${url}`,
    '',
    `The link works until ${expiresAt.toISOString()} (UTC). After that, ask your program contact to send it again.`,
    'Small counts (1–10) are suppressed in every table, as the CMS cell-size policy requires.',
    '',
    `Report ${manifest.funderId}/${manifest.period}, generated ${manifest.generatedAt} by iop-outcomes ${manifest.softwareVersion}.`,
  ].join('\n');
  return { subject, body };
}

export async function deliverReport(deps: DeliveryDeps, profile: FunderProfile, manifest: ReportManifest): Promise<Delivery> {
  const { url, expiresAt } = await presignedReportLink(deps, manifest.pdfKey);
  const { subject, body } = deliveryText(profile, manifest, url, expiresAt);
  if (profile.delivery.channel === 'email') {
    if (!deps.senderEmail) throw new Error(`funder "${profile.id}" delivers by e-mail but no sender identity is configured (REPORT_SENDER_EMAIL)`);
    const sent = await deps.ses.send(
      new SendEmailCommand({
        FromEmailAddress: deps.senderEmail,
        Destination: { ToAddresses: profile.delivery.recipients },
        Content: { Simple: { Subject: { Data: subject, Charset: 'UTF-8' }, Body: { Text: { Data: body, Charset: 'UTF-8' } } } },
      }),
    );
    return { channel: 'email', linkExpiresAt: expiresAt.toISOString(), messageId: sent.MessageId };
  }
  if (!deps.topicArn) throw new Error(`funder "${profile.id}" delivers by SNS but no topic is configured (REPORT_TOPIC_ARN)`);
  const published = await deps.sns.send(
    new PublishCommand({
      TopicArn: deps.topicArn,
      Subject: subject.slice(0, 99),
      Message: body,
      MessageAttributes: {
        funderId: { DataType: 'String', StringValue: profile.id },
        period: { DataType: 'String', StringValue: manifest.period },
      },
    }),
  );
  return { channel: 'sns', linkExpiresAt: expiresAt.toISOString(), messageId: published.MessageId };
}
