/**
 * `npm run test:scale`: the scale-out suite on its own (three built instances behind a real nginx), so
 * `npm test` does not run it; `.ci/run` runs both. Same transform as the other suites (jest.config.js).
 */
const root = require('./jest.config.js');
const e2e = root.projects.find((project) => project.displayName === 'e2e');

module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  transform: e2e.transform,
  transformIgnorePatterns: e2e.transformIgnorePatterns,
  moduleFileExtensions: e2e.moduleFileExtensions,
  displayName: 'scale',
  testMatch: ['<rootDir>/test/scale/**/*.scale-spec.ts'],
  setupFilesAfterEnv: ['<rootDir>/test/setup/secret-scan.ts'],
  testTimeout: 120000,
};
