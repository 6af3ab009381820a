/**
 * `npm run docs`: writes the HTTP API as OpenAPI (docs/openapi.json) and the WebSocket frames as
 * JSON Schemas (docs/schemas/), from the zod schemas in libs/contracts. A test fails when the
 * committed files differ from what this writes: run it after changing a schema.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONTRACT_VERSION, frameSchemas, openApiDocument } from '@lifeline/contracts';

export function docFiles(): Record<string, string> {
  const text = (doc: unknown) => `${JSON.stringify(doc, null, 2)}\n`;
  const files: Record<string, string> = { 'openapi.json': text(openApiDocument(CONTRACT_VERSION)) };
  for (const [name, doc] of Object.entries(frameSchemas())) files[join('schemas', name)] = text(doc);
  return files;
}

if (require.main === module) {
  for (const [name, text] of Object.entries(docFiles())) {
    const file = join('docs', name);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, text);
    process.stdout.write(`wrote ${file}\n`);
  }
}
