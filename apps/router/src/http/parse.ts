import type { z } from 'zod';
import { invalid } from './errors';

/** Parses a body or query with its contract schema; a failure names every field at fault. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw invalid(r.error, what);
  return r.data;
}
