/** @jest-config-loader esbuild-register */
import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(t|j|mj)s$': ['@swc/jest', {}] },
  // @middy/core ships ESM only; let swc turn it into CommonJS for jest.
  transformIgnorePatterns: ['/node_modules/(?!@middy/)'],
  setupFiles: ['<rootDir>/test/support/env.ts'],
  // One emulator per worker, shared by the test files it runs (testbed/moto.ts workerEmulator).
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // Integration suites: every request checked against the AWS model and the deployed roles.
  setupFilesAfterEnv: ['<rootDir>/test/support/request-checks.ts'],
  testTimeout: 60_000,
  maxWorkers: 2,
};

export default config;
