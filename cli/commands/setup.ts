import type { Command } from '../command';
import { CliError } from '../command';
import { ensureDynamoDbLocal, javaAvailable } from '../local/dynamodb-local';

export const command: Command = {
  summary: 'Check prerequisites and fetch DynamoDB Local (run once; `start` does it too)',
  usage: 'iop-outcomes setup',
  async run() {
    if (!javaAvailable()) {
      throw new CliError('Java 17+ is missing (DynamoDB Local needs it). Install it: apt-get install -y openjdk-17-jre-headless');
    }
    const dir = ensureDynamoDbLocal((line) => console.log(line));
    console.log(`DynamoDB Local ready in ${dir}`);
  },
};
