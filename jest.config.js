/** Jest over SWC: NestJS 12 ships ES modules, which Jest's loader can only take after a transform. */
const esmPackages = ['@nestjs', 'nestjs-pino', 'file-type', 'strtok3', 'token-types', 'uint8array-extras', '@tokenizer'];
const transformIgnorePatterns = [`node_modules/(?!(${esmPackages.join('|')})/)`];
const transform = { '^.+\\.(t|j|mj)s$': ['@swc/jest'] };
const base = { rootDir: '.', testEnvironment: 'node', transform, transformIgnorePatterns, moduleFileExtensions: ['ts', 'js', 'mjs', 'json'] };
module.exports = {
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    { ...base, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'] },
  ],
};
