import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A file of `test/fixtures` as text. Small tests of pure libraries read their fixtures through
 * here: the layer rule keeps file access out of those libraries, specs included.
 */
export function fixture(path: string): string {
  return readFileSync(join(__dirname, '..', 'fixtures', path), 'utf8');
}
