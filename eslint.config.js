// ESLint for the whole repository: typescript-eslint's type-checked recommendations on the
// TypeScript, ESLint's own on the plain JavaScript, each file with the globals of where it runs.
// The import boundaries are dependency-cruiser's (.dependency-cruiser.cjs), formatting Prettier's.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    // Build output and generated bundles; git ignores them too.
    ignores: ['dist/', 'dist.*/', 'cdk.out/', 'coverage/', 'test-artifacts/', '.bench-out/', '.scratch/', '**/bundle/', 'origin/container/'],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: dirname(fileURLToPath(import.meta.url)) },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `_name` marks a parameter a signature needs but the body does not use.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Off: an `async` function that awaits nothing still turns a throw into a rejection, which
      // every Source, door and mock here promises; the rule would trade that for Promise.reject.
      '@typescript-eslint/require-await': 'off',
      // Passing a caught `unknown` on unchanged is right; only-throw-error allows the same for throw.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
    },
  },
  {
    // Tests read synthesized CloudFormation, parsed JSON and mock calls, which are `any` by
    // nature; an assertion that fails is the check, so typing them would only add casts.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
    // @typescript-eslint/no-unused-vars (above) covers JavaScript as well.
    rules: { 'no-unused-vars': 'off' },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },
  {
    // The playground's page scripts run in the browser, as ES modules.
    files: ['origin/src/playground/page/**/*.js'],
    languageOptions: { sourceType: 'module', globals: globals.browser },
  },
  {
    // A CloudFront Function (cloudfront-js-2.0): a script with `handler` as its entry point,
    // called by CloudFront and by the tests through the template, never by another module.
    files: ['lib/cdk/edge/viewer-request.js'],
    languageOptions: { sourceType: 'script', globals: {} },
    rules: { '@typescript-eslint/no-unused-vars': ['error', { varsIgnorePattern: '^handler$', caughtErrors: 'none' }] },
  },
);
