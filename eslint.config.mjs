// Type-aware linting: floating promises and non-exhaustive switches are errors.
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

// ---- Floors: which folder may import which (see the README's Layout section). Lint fails on a wrong-way import.
/** The domain folders of src/. common/ (and config/, database/, redis/) sit below all of them. */
const DOMAINS = ['auth', 'users', 'services', 'bookings', 'payments', 'notifications', 'password-reset', 'mail', 'health'];
const APP_MODULE = {
  regex: '(^|/)app\\.module$',
  message: 'Only the composition roots (main.ts through app.setup.ts, cli.ts) and tests import AppModule.',
};
const PAYMENTS_BELOW_BOOKINGS = {
  regex: '^(\\.\\./)+bookings(/|$)',
  message: 'payments/ sits below bookings/ and never imports it: a flow that moves a booking and a payment lives in bookings/.',
};
/** For a file `depth` folders below src/common/, a relative import that climbs out of common/ into a domain. */
const commonToDomain = (depth) => ({
  regex: `^(\\.\\./){${depth}}(${DOMAINS.join('|')})(/|$)`,
  message: 'common/ knows no domain: move the piece into the domain, or pass what common/ needs in.',
});
const floors = (files, patterns) => ({ files, rules: { 'no-restricted-imports': ['error', { patterns: [APP_MODULE, ...patterns] }] } });

// ---- One way to the database (src/common/database/README.md): raw SQL only in repositories.
const RAW_SQL = {
  selector: "CallExpression[callee.type='MemberExpression'][callee.property.name=/^(query|rows|one|createQueryBuilder|getRepository)$/]",
  message:
    'SQL, query builders and TypeORM repositories are used only in *.repository.ts (see src/common/database/README.md): give the repository an intent-named method.',
};

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.data/', 'bench/.work/', '*.js', '*.mjs', 'docker/', 'test/docker/'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  prettier,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-extraneous-class': 'off',
    },
  },
  floors(['src/**/*.ts'], []),
  floors(['src/payments/**/*.ts'], [PAYMENTS_BELOW_BOOKINGS]),
  ...[1, 2, 3, 4].map((depth) => floors([`src/common/${'*/'.repeat(depth - 1)}*.ts`], [commonToDomain(depth)])),
  { files: ['src/main.ts', 'src/app.setup.ts', 'src/cli.ts'], rules: { 'no-restricted-imports': 'off' } },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.repository.ts', 'src/common/database/**', 'src/database/**', 'src/**/*.spec.ts'],
    rules: { 'no-restricted-syntax': ['error', RAW_SQL] },
  },
  {
    // Floors: payments/ sits below bookings/ (a flow that moves both lives in bookings/), and bookable time
    // (services/availability/) is called by bookings/, never the other way round.
    files: ['src/payments/**/*.ts', 'src/services/availability/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/bookings/*', '**/bookings'], message: 'This folder sits below bookings/: move the flow into bookings/ instead.' }] },
      ],
    },
  },
  {
    files: ['test/**/*.ts', '**/*.spec.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
);
