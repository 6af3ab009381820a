import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateXML } from 'xmllint-wasm';

/**
 * CAP 1.2 documents checked against libs/cap/schema/cap-1.2.xsd by libxml2 (xmllint-wasm:
 * libxml2 built to WebAssembly, no native build, no network: `--nonet`, and its file system is
 * an in-memory one holding only these files). A call starts a worker and compiles the module
 * (about half a second here), so tests hand many documents to one call.
 */
const SCHEMA = { fileName: 'cap-1.2.xsd', contents: readFileSync(join(__dirname, '../../libs/cap/schema/cap-1.2.xsd'), 'utf8') };

export interface XsdResult {
  valid: boolean;
  /** libxml2's messages for this document, without file name and line. */
  errors: string[];
}

export async function xsdCheck(docs: readonly string[]): Promise<XsdResult[]> {
  if (!docs.length) return [];
  const files = docs.map((contents, i) => ({ fileName: `doc${i}.xml`, contents }));
  const r = await validateXML({ xml: files, schema: SCHEMA, maxMemoryPages: 1024, modifyArguments: (args) => ['--nonet', ...args] });
  return files.map((f) => {
    const errors = r.errors.filter((e) => e.loc?.fileName === f.fileName).map((e) => e.message);
    const failed = r.rawOutput.includes(`${f.fileName} fails to validate`);
    return { valid: !failed && !errors.length, errors };
  });
}

/** Throws naming what libxml2 found, for tests that expect a valid document. */
export async function expectSchemaValid(...docs: string[]): Promise<void> {
  const bad = (await xsdCheck(docs)).map((r, i) => ({ ...r, i })).filter((r) => !r.valid);
  if (bad.length) throw new Error(`not valid CAP 1.2 by the schema:\n${bad.map((b) => `document ${b.i}: ${b.errors.join('; ')}\n${docs[b.i].slice(0, 400)}`).join('\n')}`);
}
