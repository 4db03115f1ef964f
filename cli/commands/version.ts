import type { Command } from '../command';
import { CONTRACT_VERSION } from '../../lambdas/core/event-schema';

export const command: Command = {
  summary: 'Print the software and event-contract versions',
  usage: 'iop-outcomes version',
  async run() {
    const pkg = require('../../package.json') as { version: string };
    console.log(`iop-outcomes ${pkg.version} (event contract ${CONTRACT_VERSION}, node ${process.version})`);
  },
};
