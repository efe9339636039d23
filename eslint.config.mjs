// Lint rules, and the layer rules of DESIGN.md enforced as import zones (as vscode-jupyter does).
import tseslint from 'typescript-eslint';
import importPlugin from 'eslint-plugin-import';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

const zone = (target, from, message, except) => ({ target, from, message, ...(except ? { except } : {}) });

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/results/**', '**/*.mjs', 'bin/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { import: importPlugin },
    settings: { 'import/resolver': { node: { extensions: ['.ts', '.js', '.json'] } } },
    rules: {
      '@typescript-eslint/no-namespace': 'off', // protocol messages are declared one namespace each
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import/no-restricted-paths': [
        'error',
        {
          zones: [
            zone('./src/protocol', ['./src/format', './src/kernel', './src/host', './src/cli', './src/extension', './src/renderers', './test'],
              'src/protocol holds types and constants only: it imports nothing of ours.'),
            zone('./src/format', ['./src/kernel', './src/host', './src/cli', './src/extension', './src/renderers'],
              'src/format is pure functions over the .bmnb format: it may import src/protocol only.'),
            zone('./src/kernel', ['./src/extension', './src/renderers', './src/cli', './src/host'],
              'The kernel process never imports the extension, the renderers, the CLI or the host side.'),
            zone('./src/host', ['./src/kernel', './src/extension', './src/renderers', './src/cli'],
              'src/host (the host side of the kernel) starts the kernel by path; it imports src/protocol only.'),
            zone('./src/cli', ['./src/kernel', './src/extension', './src/renderers'],
              'The CLI drives the kernel process through src/host; it never imports kernel, extension or renderer code.'),
            zone('./src/renderers', ['./src/format', './src/kernel', './src/host', './src/cli', './src/extension'],
              'Renderers run in a webview: they import only the DOM, renderer API types and src/protocol.'),
            zone('./src/extension', ['./src/kernel', './src/renderers', './src/cli'],
              'The extension starts the kernel by path and never loads kernel or renderer code.'),
          ],
        },
      ],
    },
  },
  // Nothing but tests imports from test/.
  {
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.test.ts'],
    plugins: { import: importPlugin },
    settings: { 'import/resolver': { node: { extensions: ['.ts', '.js', '.json'] } } },
    rules: {
      'import/no-restricted-paths': ['error', { zones: [zone('./src', './test', 'Production code never imports from test/.')] }],
    },
  },
  {
    files: ['src/kernel/**/*.ts', 'src/cli/**/*.ts', 'src/host/**/*.ts', 'src/format/**/*.ts', 'src/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'Only src/extension may import vscode.' }] }],
    },
  },
  {
    files: ['src/format/**/*.ts', 'src/protocol/**/*.ts', 'src/renderers/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'vscode', message: 'Only src/extension may import vscode.' },
            ...nodeBuiltins.map((name) => ({ name, message: 'This layer runs outside Node (webview) or must stay pure: no Node built-ins.' })),
          ],
        },
      ],
    },
  },
  {
    files: ['src/host/**/*.ts', 'src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'Only src/extension may import vscode.' }],
          patterns: [{ group: ['@tensorflow/*'], allowTypeImports: true, message: 'Only the kernel process loads tfjs (use `import type`).' }],
        },
      ],
    },
  },
  {
    files: ['src/extension/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@tensorflow/*'], allowTypeImports: true, message: 'The extension host never loads tfjs (use `import type`).' }] },
      ],
    },
  },
);
