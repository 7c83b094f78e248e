// @ts-check
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/** What the pure libraries may never depend on: the framework, drivers, brokers, the apps, I/O. */
const infrastructure = [
  { group: ['@nestjs/*'], message: 'libs/domain and libs/events stay free of the framework.' },
  {
    group: ['@eventstore/*', 'mongodb', 'kafkajs', 'better-sqlite3', 'jose', 'pino'],
    message: 'No drivers in pure libs.',
  },
  { group: ['**/apps/**', 'apps/*'], message: 'Libraries never import applications.' },
  { group: ['node:*', 'fs', 'net', 'http', 'child_process'], message: 'Pure libs do no I/O.' },
  { group: ['@ledger/infra', '@ledger/infra/*'], message: 'Pure libs do not know their adapters.' },
];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'data/**',
      '.servers/**',
      'coverage/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['libs/domain/**/*.ts', 'libs/events/**/*.ts', 'libs/projections/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: infrastructure }] },
  },
);
