// ESLint flat config, run first by `npm test` (scripts/test.sh). Type-aware rules read tsconfig.json.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';

// Workflow code runs in Temporal's deterministic sandbox, and the domain modules are pure and imported by
// workflows: neither may load Node built-ins, the worker runtime or AWS clients. Side effects belong in
// activities (https://docs.temporal.io/develop/typescript/core-application#workflow-logic-requirements).
const sandboxForbidden = {
  paths: [
    ...builtinModules
      .filter((name) => !name.startsWith('_'))
      .flatMap((name) => [name, `node:${name}`])
      .map((name) => ({
        name,
        message: 'Workflows and domain modules run in the workflow sandbox: no Node built-ins. Do this in an activity.',
      })),
    { name: '@temporalio/worker', message: 'Workflow and domain code must not load the worker runtime.' },
  ],
  patterns: [
    { group: ['@aws-sdk/*'], message: 'AWS calls are side effects: make them in an activity (src/activities).' },
    {
      group: ['**/activities', '**/activities/*'],
      allowTypeImports: true,
      message: 'Workflows reach activities through proxyActivities: import their types only (`import type`).',
    },
  ],
};

export default tseslint.config(
  { ignores: ['lib/', 'node_modules/', '.modelship/', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    plugins: { 'import-x': importX },
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    settings: {
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [importX.createNodeResolver({ extensions: ['.ts', '.js', '.json'] })],
    },
    rules: {
      // A promise nobody awaits loses its error and, in a workflow, its ordering.
      // node:test's describe/it return promises the runner itself tracks
      // (https://typescript-eslint.io/rules/no-floating-promises/#allowforknownsafecalls).
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // `const { a, ...rest } = x` drops `a` on purpose; `_name` marks a deliberately unused binding.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true, argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    files: ['src/workflows/**/*.ts', 'src/domain/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', sandboxForbidden] },
  },
);
