import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from '../command';
import { generatedDocs } from '../docs/contract-docs';
import { PROJECT_ROOT } from '../local/paths';

export const command: Command = {
  summary: 'Regenerate the event contract (JSON Schema + Markdown) and the lake data dictionary in docs/',
  usage: 'iop-outcomes docs',
  async run() {
    for (const [path, content] of Object.entries(generatedDocs())) {
      const target = join(PROJECT_ROOT, path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, content);
      console.log(`wrote ${path}`);
    }
  },
};
