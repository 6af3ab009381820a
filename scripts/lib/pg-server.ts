import { Client } from 'pg';

/**
 * One session on a PostgreSQL server for an administrative step (create a database, drop a
 * schema, end sessions), closed afterwards whatever happens: for scripts, the bench and tests.
 */
export async function withPg<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** The URL of database `name` on the server of `url` (same user, host and port). */
export function databaseUrl(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}
