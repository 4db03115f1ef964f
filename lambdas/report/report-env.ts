/**
 * Environment of the report Lambda, named once for the handler and the CDK construct
 * (lib/reports.ts) that sets it.
 */
export const REPORT_ENV = {
  /** Bucket holding the KMS-encrypted `reports/` prefix. */
  reportsBucket: 'REPORTS_BUCKET',
  reportsPrefix: 'REPORTS_PREFIX',
  /** The funder profiles of the stage, as JSON (validated by funder-profile.ts at cold start). */
  funderProfiles: 'FUNDER_PROFILES',
  /** Verified SESv2 identity the e-mails come from. */
  senderEmail: 'REPORT_SENDER_EMAIL',
  /** SNS topic for profiles that deliver by notification. */
  topicArn: 'REPORT_TOPIC_ARN',
  /** Requested lifetime of the download link (seconds); the signing credentials may end it sooner. */
  linkSeconds: 'REPORT_LINK_SECONDS',
  /** Software version printed on the report (the package version at synth time). */
  softwareVersion: 'SOFTWARE_VERSION',
} as const;

export const DEFAULT_REPORTS_PREFIX = 'reports/';
export const DEFAULT_LINK_SECONDS = 12 * 3600;
