/** CDK entry: `npx cdk synth|deploy -c stage=dev|prod [-c account=… -c region=… -c alarmEmail=…]`. */
import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/iop-outcomes-app';

const app = new App();
buildApp(app);
app.synth();
