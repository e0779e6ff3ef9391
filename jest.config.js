/**
 * One jest run over every workspace. Suites that need PostgreSQL/Redis create their own
 * databases (cloned from templates built once in globalSetup) and their own Redis key prefix.
 * @type {import('jest').Config}
 */
const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }];
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j|mj)sx?$': swc },
  // ESM-only dependencies are compiled to CommonJS as well.
  transformIgnorePatterns: ['/node_modules/(?!(@faker-js|jose|@prisma/schema-engine-wasm|p-limit|yocto-queue)/)'],
  testMatch: ['<rootDir>/{packages,subgraphs,gateway,tests}/**/*.test.ts'],
  // The scale-out proof (npm run test:scale-out, run by .ci/run after the suite) and the chaos suite
  // (npm run test:chaos, tests/chaos/jest.config.js) start many processes: their own runs.
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '<rootDir>/tests/scale-out/', '<rootDir>/tests/chaos/'],
  globalSetup: '<rootDir>/tests/global-setup.ts',
  globalTeardown: '<rootDir>/tests/global-teardown.ts',
  testTimeout: 60000,
  maxWorkers: 2,
};
