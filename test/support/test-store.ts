import { createHash } from 'node:crypto';
import type { Client } from 'pg';
import { databaseUrl, withPg } from '../../scripts/lib/pg-server';
import { openStore, PostgresStore, SqliteStore, toPg, type Param, type Storage } from '@lifeline/store';

/**
 * Which store a test runs on. SQLite by default; the `postgres` jest project sets
 * LIFELINE_TEST_STORE=postgres and the medium tier runs again on PostgreSQL, each harness in a
 * schema of its own.
 */
export const ON_POSTGRES = process.env.LIFELINE_TEST_STORE === 'postgres';
/**
 * Lanes of the delivery work in the medium tier on PostgreSQL (`LIFELINE_TEST_LANES`, default 3:
 * several writers at once, and partitions spread unevenly over them); SQLite has one.
 */
export const TEST_LANES = Number(process.env.LIFELINE_TEST_LANES ?? 3);
export const TEST_PG_URL = process.env.LIFELINE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Schemas the tests make start with this; the postgres project's global setup drops leftovers. */
export const SCHEMA_PREFIX = 'lt_';

let made = 0;

/**
 * Where a test's database lives. On SQLite: the file (or memory). On PostgreSQL: the test
 * database, in a schema named after the file, so a test that restarts a router on "the same file"
 * finds its rows again; a test with no file gets a fresh schema, dropped by `drop`.
 */
export function testDatabase(file?: string): { database: string; schema?: string; drop(): Promise<void> } {
  if (!ON_POSTGRES) return { database: file ?? ':memory:', drop: async () => undefined };
  const named = file !== undefined && file !== ':memory:';
  const schema = named
    ? `${SCHEMA_PREFIX}${createHash('sha256').update(file).digest('hex').slice(0, 16)}`
    : `${SCHEMA_PREFIX}${process.pid}_${++made}_${Date.now().toString(36)}`;
  return { database: TEST_PG_URL, schema, drop: async () => (named ? undefined : dropSchemas([schema])) };
}

export async function dropSchemas(schemas: readonly string[]): Promise<void> {
  if (!schemas.length) return;
  await withPg(TEST_PG_URL, async (c) => {
    for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  });
}

/** Runs `fn` with a session on the test server (its `test` database, or `database` there). */
export function onTestServer<T>(fn: (c: Client) => Promise<T>, database?: string): Promise<T> {
  return withPg(testDatabaseUrl(database), fn);
}

/** The URL of a database on the test server (the `test` database by default). */
export function testDatabaseUrl(database?: string): string {
  return database ? databaseUrl(TEST_PG_URL, database) : TEST_PG_URL;
}

/**
 * A database of its own on the test server, for router processes (which take no schema), as
 * `npm run cluster` makes one; leftovers of an earlier run with the same prefix are dropped first.
 */
export async function freshTestDatabase(prefix: string): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${process.pid}`;
  await onTestServer(async (c) => {
    const old = await c.query('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [`${prefix}_`]);
    for (const { datname } of old.rows) await c.query(`DROP DATABASE "${datname}" WITH (FORCE)`);
    await c.query(`CREATE DATABASE "${name}"`);
  });
  return { name, url: testDatabaseUrl(name), drop: () => onTestServer((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined) };
}

/** The SQLite store itself, for tests of SQLite's own behaviour (a pragma, a digest of the file). */
export function sqliteOf(store: Storage): SqliteStore {
  if (!(store instanceof SqliteStore)) throw new Error('this test needs the SQLite store');
  return store;
}

/**
 * Cuts every connection of a store to PostgreSQL from the server's side, as a failed link or a
 * restarted server would (the sessions of its schema only: other tests share the database).
 */
export async function cutConnections(store: Storage): Promise<number> {
  if (!(store instanceof PostgresStore)) throw new Error('this test needs the PostgreSQL store');
  const r = await onTestServer((c) => c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [store.db.applicationName]));
  return r.rowCount ?? 0;
}

/** A describe block that runs on PostgreSQL only: what it tests is the way to a server. */
export const describeOnPostgres: jest.Describe = ON_POSTGRES ? describe : describe.skip;

/** A describe block that runs on SQLite only: what it tests is SQLite's (pragmas, files, locks). */
export const describeOnSqlite: jest.Describe = ON_POSTGRES ? describe.skip : describe;

/** Runs a statement on either store, outside the router's writer (a test changing the world under it). */
export async function runSql(store: Storage, sql: string, ...params: Param[]): Promise<number> {
  if (store instanceof SqliteStore) return store.db.sql.run(sql, ...params);
  if (store instanceof PostgresStore) return (await store.db.pool.query(toPg(sql), params)).rowCount ?? 0;
  throw new Error('unknown store');
}

/** Rows of a query on either store, outside the router's writer. */
export async function querySql<T>(store: Storage, sql: string, ...params: Param[]): Promise<T[]> {
  if (store instanceof SqliteStore) return store.db.sql.all<T>(sql, ...params);
  if (store instanceof PostgresStore) return (await store.db.pool.query(toPg(sql), params)).rows as T[];
  throw new Error('unknown store');
}

/** A store of a test's own: SQLite in memory (or at `file`), or PostgreSQL in a schema of its own. */
export async function openTestStore(file?: string): Promise<{ store: Storage; close(): Promise<void> }> {
  const db = testDatabase(file);
  const store = await openStore(db.database, { schema: db.schema, lanes: TEST_LANES });
  return {
    store,
    close: async () => {
      await store.close();
      await db.drop();
    },
  };
}
