import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatedDocs } from '../../cli/docs/contract-docs';

describe('generated contract docs', () => {
  it('should be up to date with the schemas (run `npx iop-outcomes docs` after changing them)', () => {
    for (const [path, content] of Object.entries(generatedDocs())) {
      expect({ path, content: readFileSync(join(__dirname, '..', '..', path), 'utf8') }).toEqual({ path, content });
    }
  });

  it('should publish a JSON Schema that forbids unknown fields in every event type', () => {
    const schema = JSON.parse(generatedDocs()['docs/event-contract.schema.json']) as {
      properties: { events: { items: { oneOf?: { additionalProperties: boolean }[]; anyOf?: { additionalProperties: boolean }[] } } };
    };
    const variants = schema.properties.events.items.oneOf ?? schema.properties.events.items.anyOf ?? [];
    expect(variants).toHaveLength(6);
    for (const variant of variants) expect(variant.additionalProperties).toBe(false);
  });
});
