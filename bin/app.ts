/**
 * CDK entry: `npx cdk synth|deploy -c stage=dev|prod [-c account=… -c region=… -c alarmEmail=…
 * -c reportSender=… -c reportSenderIdentity=… -c clinics=a,b -c refreshSchedule=… -c refreshTimeZone=…
 * -c fundersFile=… -c cognitoDomainPrefix=…]` (see lib/stage-config.ts and docs/deploy.md).
 */
import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/iop-outcomes-app';

const app = new App();
buildApp(app);
app.synth();
