// ESLint flat config: type-aware rules for src, and no console in src/core (core prints nothing).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const NODE_GLOBALS = Object.fromEntries(
  ['process', 'Buffer', 'URL', 'console', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'AbortController', 'performance'].map((name) => [name, 'readonly']),
);

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.bench-tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-floating-promises': 'error',
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-console': 'error',
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'src/core reads no environment: take it as a parameter.' },
        { object: 'process', property: 'exit', message: 'src/core never exits: throw an ExaiError.' },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.{ts,mjs}', 'scripts/**/*.mjs', '*.js', '*.ts'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    // Plain Node scripts: the runtime's globals, without pulling in a globals package.
    files: ['bench/**/*.mjs', 'bin/**/*.js', 'scripts/**/*.mjs'],
    languageOptions: { globals: NODE_GLOBALS },
  },
);
