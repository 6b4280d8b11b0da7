/**
 * Jest in ESM mode (MikroORM 7 is ESM-only), TypeScript through SWC with
 * legacy decorators and decorator metadata, as in .swcrc.
 * @type {import('jest').Config}
 */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
          target: 'es2023',
          keepClassNames: true,
        },
        module: { type: 'es6' },
      },
    ],
  },
  globalSetup: '<rootDir>/test/support/global-setup.mjs',
  globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
  // A bound for a test that hangs, not a measure: tests wait for outcomes, and a busy 2-core machine is slow.
  testTimeout: 120_000,
  // Two cores: two workers, each test file on its own database cloned from a template.
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/support/totals-reporter.js'],
};
