// ESLint 9 flat config (issue #15): the recommended rules of ESLint and typescript-eslint (no
// type-aware rules: they would double the time of `npm run lint`), with every formatting rule
// turned off by eslint-config-prettier, since Prettier owns the layout (`npm run format`).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  globalIgnores(['dist/', 'coverage/', '.data/', '**/node_modules/']),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // `_name` marks a parameter or binding kept on purpose (a resolver's unused argument, a rest sibling).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  { files: ['dashboard/src/**'], languageOptions: { globals: { ...globals.browser } } },
  // Tests read loosely typed GraphQL responses.
  { files: ['test/**'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  prettier,
);
