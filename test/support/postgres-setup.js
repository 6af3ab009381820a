// Global setup of the `postgres` jest project: the test database exists, and schemas left by
// earlier runs (a killed run drops nothing) are gone before this one starts.
const { Client } = require('pg');

module.exports = async () => {
  const url = process.env.LIFELINE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const c = new Client({ connectionString: url });
  try {
    await c.connect();
  } catch (e) {
    throw new Error(`the postgres test project needs PostgreSQL at ${url} (set LIFELINE_TEST_PG_URL, or run only the sqlite project: jest --selectProjects sqlite): ${e.message}`);
  }
  try {
    const { rows } = await c.query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'lt\\_%'");
    for (const r of rows) await c.query(`DROP SCHEMA IF EXISTS "${r.nspname}" CASCADE`);
  } finally {
    await c.end();
  }
};
