// The postgres jest project: the medium tier's harness opens PostgreSQL (test/support/test-store.ts).
process.env.LIFELINE_TEST_STORE = 'postgres';
