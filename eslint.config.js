// ESLint for the whole repository (`npm run check:lint`, or `eslint .` in a workspace).
// typescript-eslint's type-checked recommended rules, kept to those that catch bugs: each rule
// turned off below says why. Layout and quotes are Prettier's job (.prettierrc.json), not ESLint's.
import js from '@eslint/js';
import globals from 'globals';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/.turbo/**',
      '**/coverage/**',
      '**/target/**',
      '**/__generated__/**',
      '.data/**',
      '.tools/**',
      'bench/.work/**',
      'bench/.peers/**',
      'bench/results/**',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: globals.node,
      parserOptions: {
        // Each file is checked with the tsconfig.json of its workspace, as `check:types` does.
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Promises nobody awaits or that land where a void callback is expected. node:test's test()
      // and describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      // graphql-ws's dispose() returns void | Promise<void>: awaiting a mixed array of them is right.
      '@typescript-eslint/await-thenable': ['error', { allowMixedPromiseArrays: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // import() in a type position is how a file names a type it does not otherwise import.
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      '@typescript-eslint/no-explicit-any': 'error',
      // Passing on a caught (unknown) error unchanged is not inventing a non-Error reason.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],

      // Off: async implementations of promise-returning interfaces (Apollo plugins, the event bus,
      // polling callbacks) are async without awaiting, on purpose.
      '@typescript-eslint/require-await': 'off',
      // Off: `any` arrives from JSON, Mongo command replies and Array.isArray on readonly arrays, and
      // the code checks such values by hand at its boundaries; no-explicit-any keeps new `any` out.
      // (About 110 findings, a third in src: worth turning on once the current refactors land.)
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Off: interfaces declare callbacks in method syntax (stop(): Promise<void>) that are closures,
      // so passing `child.stop` on is safe; the rule cannot tell.
      '@typescript-eslint/unbound-method': 'off',
      // Off: graphql-js's Kind and OperationTypeNode are string enums compared with their literal values.
      '@typescript-eslint/no-unsafe-enum-comparison': 'off',
      // Off: String(error.extensions.code ?? fallback) turns an unknown code into text for logs and
      // messages on purpose; a non-string code shows as it is.
      '@typescript-eslint/no-base-to-string': 'off',
      // Off: a redundant cast is noise, not a bug (64 of them across 40 files that other work is editing).
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      // Off: unions such as 'all' | string document the special value callers may pass.
      '@typescript-eslint/no-redundant-type-constituents': 'off',
    },
  },
  {
    files: ['**/tests/**/*.ts'],
    rules: {
      // Tests assert the shape first and then read through it: a `!` there is the assertion.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Tests give a variable its empty value before a try/finally or a paging loop, for clarity.
      'no-useless-assignment': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    // A CommonJS file imports with require().
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['console/src/**', 'gateway/public/**'],
    languageOptions: { globals: globals.browser },
  },
);
