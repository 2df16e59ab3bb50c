import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.qmtl/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflows must stay deterministic: no Node I/O, no clocks outside Temporal's.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['fs', 'net', 'http', 'crypto', '../activities/*', '../api/*', '../workers/*', 'pg', 'better-sqlite3', 'ccxt'] },
      ],
    },
  },
  {
    files: ['domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['@temporalio/*', 'express', 'pg', 'better-sqlite3', 'ccxt', 'fs', 'net', 'http'] },
      ],
    },
  },
);
