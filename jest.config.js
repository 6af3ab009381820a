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

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/libs', '<rootDir>/apps', '<rootDir>/test'],
  // Small tests sit next to the code (*.spec.ts); the other tiers in folders of test/ (*.test.ts).
  testMatch: ['**/*.spec.ts', '**/test/*/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  moduleNameMapper: { '^@lifeline/(.*)$': '<rootDir>/libs/$1/src' },
  testTimeout: 60000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
