/** Jest runs TypeScript through swc (type checking is `tsc --noEmit` in `npm test`). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(t|m?j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  // ESM-only packages must be transformed too.
  transformIgnorePatterns: ['/node_modules/(?!(@middy|hyparquet|dt-sql-parser|antlr4-c3|antlr4ng)/)'],
  moduleNameMapper: {
    '^@middy/([^/]+)$': '<rootDir>/node_modules/@middy/$1/index.js',
  },
  setupFiles: ['<rootDir>/test/support/env.cjs'],
  reporters: ['default', '<rootDir>/test/support/summary-reporter.cjs'],
  setupFilesAfterEnv: ['aws-cdk-lib/testhelpers/jest-autoclean'],
  testTimeout: 60000,
  // Integration tests start real servers (DynamoDB Local, S3 API); two cores.
  maxWorkers: 2,
};
