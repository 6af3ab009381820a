/**
 * Writes a generated directory: `npm run directory:gen -- --people 1000000 [--seed 7] [--out f]`.
 * JSON for large ones (YAML parsers choke on hundreds of megabytes), YAML for the demo.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Document, isScalar, isSeq, visit } from 'yaml';
import { arg } from './lib/args';
import { generateDirectory, writeDirectoryJson } from './lib/directory-generator';

async function main(): Promise<void> {
  const people = Number(arg('people') ?? '500');
  const seed = Number(arg('seed') ?? '7');
  if (!Number.isInteger(people) || people < 1) throw new Error(`--people: expected a positive whole number, got ${arg('people') ?? ''}`);
  const out = arg('out') ?? (people <= 2_000 ? 'config/directory.yaml' : `data/directory-${people}.json`);
  const dir = generateDirectory({ people, seed });
  mkdirSync(dirname(out), { recursive: true });
  if (out.endsWith('.json')) await writeDirectoryJson(dir, out, (n) => process.stderr.write(`\r${n.toLocaleString()} / ${people.toLocaleString()} people`));
  else {
    const doc = new Document({ areas: dir.areas, people: [...dir.people()] });
    // Coordinates and role lists on one line each: a shape is a line, not thirty.
    visit(doc, { Seq: (_, node) => void (node.items.every((i) => isScalar(i) || isSeq(i)) && (node.flow = true)) });
    writeFileSync(out, `# Demo directory (generated: npm run directory:gen -- --people ${people} --seed ${seed}).\n${doc.toString({ lineWidth: 0 })}`);
  }
  process.stderr.write(`\nwrote ${out}\n`);
}

main().catch((e) => {
  process.stderr.write(`directory:gen: ${(e as Error).message}\n`);
  process.exit(2);
});
