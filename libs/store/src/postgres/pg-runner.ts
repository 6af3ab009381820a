import { types, type QueryResult } from 'pg';
import type { Param, SqlRunner } from '../sql';
import { PG_DIALECT } from './pg-dialect';

/** Something that runs a query: the pool (committed state) or the writer's client (a transaction). */
export interface Queryable {
  query(text: string, values: Param[]): Promise<QueryResult>;
}

/**
 * bigint (int8) and numeric arrive as strings by default, since they may exceed 2^53. Here they are
 * epoch milliseconds, counts and sums of counts: numbers, as SQLite returns them.
 */
export const PG_TYPES = {
  getTypeParser: ((oid: number, format?: string) => {
    if (oid === types.builtins.INT8 || oid === types.builtins.NUMERIC) return (v: string) => Number(v);
    return types.getTypeParser(oid, format as 'text');
  }) as typeof types.getTypeParser,
};

const converted = new Map<string, string>();

/** `?` placeholders as PostgreSQL's `$1, $2 ...`, outside quoted literals and names. */
export function toPg(sql: string): string {
  let out = converted.get(sql);
  if (out !== undefined) return out;
  let n = 0;
  let quote: string | null = null;
  out = '';
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = null;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else out += ch === '?' ? `$${++n}` : ch;
  }
  converted.set(sql, out);
  return out;
}

/** The repositories' runner on PostgreSQL. */
export class PgRunner implements SqlRunner {
  readonly dialect = PG_DIALECT;

  constructor(private readonly q: Queryable) {}

  async all<T>(sql: string, ...params: Param[]): Promise<T[]> {
    return (await this.q.query(toPg(sql), params)).rows as T[];
  }

  async get<T>(sql: string, ...params: Param[]): Promise<T | undefined> {
    return (await this.q.query(toPg(sql), params)).rows[0] as T | undefined;
  }

  async run(sql: string, ...params: Param[]): Promise<number> {
    return (await this.q.query(toPg(sql), params)).rowCount ?? 0;
  }
}
