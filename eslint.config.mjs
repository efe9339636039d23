// Lint rules, and the layer rules of docs/architecture.md enforced as import zones (as
// vscode-jupyter does). Every rule about imports is built from the one LAYERS table below into
// blocks whose file sets do not overlap: in flat config a later block that sets the same rule for
// a file replaces the earlier one, so two blocks for one file would silently drop zones.
// test/layers.test.ts plants a forbidden import in a copy of the tree and expects each zone's
// message.
import tseslint from 'typescript-eslint';
import importPlugin from 'eslint-plugin-import';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

/**
 * The folders of src/, what each may import of the others (`may`), where it runs (`runtime`:
 * `node`, `pure` — no Node built-ins, it is shared or must stay side-effect free — or `webview`),
 * and whether it may load tfjs at run time (`tfjs`; everyone else may use `import type`).
 */
const LAYERS = {
  protocol: { may: [], runtime: 'pure', tfjs: false, what: 'src/protocol holds types and constants only: it imports nothing of ours' },
  format: { may: ['protocol'], runtime: 'pure', tfjs: false, what: 'src/format is pure functions over the .bmnb format: it may import src/protocol only' },
  backends: { may: ['protocol'], runtime: 'node', tfjs: true, what: 'src/backends (finding and loading tfjs backends, bmnb\'s ops) may import src/protocol only' },
  cellLibrary: { may: ['protocol', 'backends'], runtime: 'node', tfjs: false, what: 'src/cellLibrary (the bmnb module of cells) may import src/protocol and src/backends\' types only; the session hands it tfjs' },
  session: { may: ['protocol', 'backends', 'cellLibrary'], runtime: 'node', tfjs: false, what: 'src/session (the kernel process) may import src/protocol, src/backends and src/cellLibrary only: never the extension, the renderers, the CLI or the host side' },
  host: { may: ['protocol'], runtime: 'node', tfjs: false, what: 'src/host (the host side of a kernel) starts the kernel by path: it may import src/protocol only' },
  language: { may: ['protocol', 'cellLibrary'], runtime: 'node', tfjs: false, what: 'src/language (the notebook as one TypeScript program: type checks, completions) may import src/protocol and the declarations of src/cellLibrary (what cells see) only; TypeScript is handed in' },
  jupyter: { may: ['protocol', 'host'], runtime: 'node', tfjs: false, what: 'src/jupyter (bmnb as a Jupyter kernel: the Jupyter channels, and its kernelspec) drives the kernel process through src/host: it may import src/protocol and src/host only' },
  cli: { may: ['protocol', 'format', 'host', 'language', 'jupyter', 'export'], runtime: 'node', tfjs: false, what: 'src/cli drives the kernel process through src/host, checks types through src/language, installs the Jupyter kernelspec through src/jupyter and exports through src/export: it may import src/protocol, src/format, src/host, src/language, src/jupyter and src/export only' },
  extension: { may: ['protocol', 'format', 'host'], runtime: 'node', tfjs: false, what: 'src/extension starts the kernel by path through src/host and never loads kernel or renderer code (exports run dist/cli.js): it may import src/protocol, src/format and src/host only' },
  export: { may: ['protocol', 'format'], runtime: 'node', tfjs: false, what: 'src/export (HTML and Markdown exports of a notebook) reads the built renderer bundles from dist, never their source: it may import src/protocol and src/format only' },
  renderers: { may: ['protocol'], runtime: 'webview', tfjs: false, what: 'src/renderers run in a webview: they import only the DOM, renderer API types and src/protocol' },
};

const names = Object.keys(LAYERS);
const importSettings = { 'import/resolver': { node: { extensions: ['.ts', '.js', '.json'] } } };

/** The zones: each layer against every other folder it may not import, and production code against test/. */
const zones = [
  ...names.map((name) => ({
    target: `./src/${name}`,
    from: names.filter((other) => other !== name && !LAYERS[name].may.includes(other)).map((other) => `./src/${other}`),
    message: `${LAYERS[name].what}.`,
  })),
  { target: './src/**/!(*.test).ts', from: './test', message: 'Production code never imports from test/ (only *.test.ts files do).' },
];

/** What a layer's files may not import from packages, as one no-restricted-imports option per layer. */
function packageRules(name, test) {
  const layer = LAYERS[name];
  const paths = [];
  const patterns = [];
  if (name !== 'extension') paths.push({ name: 'vscode', message: 'Only src/extension may import vscode.' });
  if (layer.runtime !== 'node' && !test) {
    const why = layer.runtime === 'webview' ? 'src/renderers run in a webview: no Node built-ins.' : `src/${name} must stay pure: no Node built-ins.`;
    paths.push(...nodeBuiltins.map((n) => ({ name: n, message: why })));
  }
  if (!layer.tfjs && !test) {
    patterns.push({
      group: ['@tensorflow/*'],
      allowTypeImports: true,
      message: 'Only src/backends loads tfjs at run time; everyone else is handed the session\'s instance (use `import type`).',
    });
  }
  return ['error', { paths, patterns }];
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/results/**', '**/*.mjs', 'bin/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { import: importPlugin },
    settings: importSettings,
    rules: {
      '@typescript-eslint/no-namespace': 'off', // protocol messages are declared one namespace each
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import/no-restricted-paths': ['error', { zones }],
    },
  },
  // Packages, per layer: production files and tests (tests may use Node and load tfjs).
  ...names.flatMap((name) => [
    { files: [`src/${name}/**/*.ts`], ignores: ['**/*.test.ts'], rules: { 'no-restricted-imports': packageRules(name, false) } },
    { files: [`src/${name}/**/*.test.ts`], rules: { 'no-restricted-imports': packageRules(name, true) } },
  ]),
);

export { LAYERS };
