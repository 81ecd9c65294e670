import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** Node's globals as the plugins' handlers and tests use them (plain JS, no type information). */
const nodeGlobals = Object.fromEntries(
  [
    'AbortController',
    'AbortSignal',
    'Buffer',
    'URL',
    'URLSearchParams',
    'clearInterval',
    'clearTimeout',
    'console',
    'crypto',
    'fetch',
    'process',
    'queueMicrotask',
    'setImmediate',
    'setInterval',
    'setTimeout',
    'structuredClone',
    'TextDecoder',
    'TextEncoder',
  ].map((name) => [name, 'readonly']),
);

export default defineConfig(
  { ignores: ['dist/', 'dist-*/', 'node_modules/', 'data/', 'test-artifacts/', 'manifests/types/'] },
  {
    files: ['platform/**/*.{ts,tsx}', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts', 'manifests/**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        // The platform's own config first: it adds noUncheckedIndexedAccess, which the rules must see too.
        project: ['./tsconfig.platform.json', './tsconfig.ui.json', './tsconfig.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // A handler may be async for its callers' sake (an interface wants a promise) without awaiting itself.
      '@typescript-eslint/require-await': 'off',
      // Every String(x) it flags follows a check that x is no object, which TypeScript narrows from unknown only to {}.
      '@typescript-eslint/no-base-to-string': 'off',
      // A leading underscore names a value left out on purpose (a rest destructuring that drops a key).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // Tests and benches read JSON bodies and AdminJS records, which their libraries type as `any`;
    // asserting on those values is the test's own check, so the any-flow rules would only add casts.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
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
    // AdminJS and RJSF hand the admin's components `any` (record params, filters, widget values, props).
    files: ['platform/admin/ui/**/*.{ts,tsx}'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['plugins/**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'module', globals: nodeGlobals },
  },
  {
    files: ['eslint.config.js'],
    extends: [js.configs.recommended],
  },
);
