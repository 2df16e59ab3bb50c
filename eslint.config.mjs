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
    // Plain CommonJS files run by node directly (jest config, postinstall helpers).
    files: ['**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        __dirname: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Workflows must stay deterministic: no Node I/O, no clocks outside Temporal's.
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['fs', 'net', 'http', 'crypto', 'node:*', 'pg', 'better-sqlite3', 'ccxt'],
              message: 'workflows do no I/O',
            },
            { group: ['../api/*', '../workers/*'], message: 'workflows import only domain/ and Temporal' },
            {
              group: ['../activities/*'],
              allowTypeImports: true,
              message: 'workflows may import activity types only',
            },
          ],
        },
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
