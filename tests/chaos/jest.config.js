const path = require('node:path');
const base = require('../../jest.config.js');

/**
 * `npm run test:chaos`: the chaos suite (issue 12 item 7), apart from `npm test` because it kills
 * and stops real processes and waits out faults (minutes, not seconds). One suite at a time: each
 * runs its own processes and would only slow the other's faults down.
 * @type {import('jest').Config}
 */
module.exports = {
  ...base,
  rootDir: path.resolve(__dirname, '../..'),
  testMatch: ['<rootDir>/tests/chaos/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 300_000,
  maxWorkers: 1,
};
