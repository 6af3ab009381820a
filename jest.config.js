/** Tests compile with SWC (type-checking is `npm run typecheck`, run by `npm test` first). */
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

const base = {
  testEnvironment: 'node',
  roots: ['<rootDir>/libs', '<rootDir>/apps', '<rootDir>/scripts', '<rootDir>/test'],
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  moduleNameMapper: { '^@lifeline/(.*)$': '<rootDir>/libs/$1/src' },
};

module.exports = {
  testTimeout: 60000,
  // Ends the run when the tests are done even if a test left a connection open (the summary
  // reporter names what was left): a CI run must never wait forever on a reconnecting client.
  forceExit: true,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  testSequencer: '<rootDir>/test/support/sequencer.js',
  projects: [
    // Small tests sit next to the code (*.spec.ts); the other tiers in folders of test/ (*.test.ts).
    { ...base, displayName: 'sqlite', testMatch: ['**/*.spec.ts', '**/test/*/*.test.ts'] },
    // The medium tier again, on PostgreSQL (test/support/test-store.ts): both stores keep one contract.
    {
      ...base,
      displayName: 'postgres',
      testMatch: ['**/test/medium/*.test.ts'],
      setupFiles: ['<rootDir>/test/support/on-postgres.js'],
      globalSetup: '<rootDir>/test/support/postgres-setup.js',
    },
  ],
};
