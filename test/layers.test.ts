/**
 * The layer rules bite: in a copy of the source tree, a file that imports across a zone (or loads
 * what its layer may not) fails `eslint` with that zone's message, and two files that import each
 * other fail the cycle check. `npm run lint` runs both on the real tree, where they must pass.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './helpers/kernel';

interface Layer {
  may: string[];
  what: string;
}

/** A file to plant, what it imports, and the words its lint error must contain. */
interface Plant {
  file: string;
  code: string;
  expect: string;
}

let tree: string;
let layers: Record<string, Layer>;

before(async () => {
  layers = ((await import(pathToFileURL(join(ROOT, 'eslint.config.mjs')).href)) as { LAYERS: Record<string, Layer> }).LAYERS;
  tree = mkdtempSync(join(tmpdir(), 'bmnb-layers-'));
  cpSync(join(ROOT, 'src'), join(tree, 'src'), { recursive: true });
  cpSync(join(ROOT, 'test', 'helpers'), join(tree, 'test', 'helpers'), { recursive: true });
  for (const f of ['eslint.config.mjs', 'tsconfig.json', 'package.json']) cpSync(join(ROOT, f), join(tree, f));
  symlinkSync(join(ROOT, 'node_modules'), join(tree, 'node_modules'), 'dir');
});
after(() => rmSync(tree, { recursive: true, force: true }));

function plant(file: string, code: string): void {
  mkdirSync(dirname(join(tree, file)), { recursive: true });
  writeFileSync(join(tree, file), code);
}

/** An import of each folder's main file, as a layer would write it. */
const TARGET: Record<string, string> = {
  protocol: '../protocol',
  format: '../format',
  backends: '../backends/load',
  cellLibrary: '../cellLibrary',
  session: '../session/session',
  host: '../host/kernelClient',
  cli: '../cli/run',
  extension: '../extension/controller',
  jupyter: '../jupyter/kernelspec',
  language: '../language/service',
  renderers: '../renderers/common/format',
  export: '../export',
};

describe('layer rules', () => {
  test('every forbidden import between layers fails lint with its zone’s message; the allowed ones pass', () => {
    const plants: Plant[] = [];
    const allowed: string[] = [];
    for (const [name, layer] of Object.entries(layers)) {
      for (const other of Object.keys(layers)) {
        if (other === name) continue;
        const file = `src/${name}/zzPlanted_${other}.ts`;
        plant(file, `import * as other from '${TARGET[other]}';\nexport const planted = other;\n`);
        if (layer.may.includes(other)) allowed.push(file);
        else plants.push({ file, code: '', expect: layer.what });
      }
    }
    // The three the issue names, spelled out (the table above must not lose them).
    for (const must of ['src/session/zzPlanted_extension.ts', 'src/renderers/zzPlanted_session.ts', 'src/cli/zzPlanted_session.ts']) {
      assert.ok(plants.some((p) => p.file === must), `${must} is a forbidden import`);
    }
    const results = lint([...plants.map((p) => p.file), ...allowed]);
    for (const p of plants) {
      const messages = results.get(p.file) ?? [];
      assert.ok(
        messages.some((m) => m.ruleId === 'import/no-restricted-paths' && m.message.includes(p.expect)),
        `${p.file} should fail with "${p.expect}", got: ${JSON.stringify(messages.map((m) => m.message))}`,
      );
    }
    for (const file of allowed) assert.deepEqual(results.get(file) ?? [], [], `${file} imports what its layer may`);
  });

  test('production code may not import test/, tests may; vscode, Node built-ins and tfjs only where their layer allows', () => {
    plant('src/format/zzTest.ts', "import { ROOT } from '../../test/helpers/kernel';\nexport const x = ROOT;\n");
    plant('src/format/zzTest.test.ts', "import { ROOT } from '../../test/helpers/kernel';\nexport const x = ROOT;\n");
    plant('src/session/zzVscode.ts', "import * as vscode from 'vscode';\nexport const x = vscode;\n");
    plant('src/renderers/zzFs.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n");
    plant('src/extension/zzTfjs.ts', "import * as tf from '@tensorflow/tfjs';\nexport const x = tf;\n");
    plant('src/extension/zzTfjsType.ts', "import type * as tf from '@tensorflow/tfjs';\nexport type X = typeof tf;\n");
    plant('src/backends/zzTfjs.ts', "import * as tf from '@tensorflow/tfjs';\nexport const x = tf;\n");
    const r = lint(['src/format/zzTest.ts', 'src/format/zzTest.test.ts', 'src/session/zzVscode.ts', 'src/renderers/zzFs.ts', 'src/extension/zzTfjs.ts', 'src/extension/zzTfjsType.ts', 'src/backends/zzTfjs.ts']);
    const text = (f: string) => (r.get(f) ?? []).map((m) => m.message).join('\n');
    assert.match(text('src/format/zzTest.ts'), /Production code never imports from test\//);
    assert.equal(text('src/format/zzTest.test.ts'), '');
    assert.match(text('src/session/zzVscode.ts'), /Only src\/extension may import vscode/);
    assert.match(text('src/renderers/zzFs.ts'), /run in a webview: no Node built-ins/);
    assert.match(text('src/extension/zzTfjs.ts'), /Only src\/backends loads tfjs at run time/);
    assert.equal(text('src/extension/zzTfjsType.ts'), '');
    assert.equal(text('src/backends/zzTfjs.ts'), '');
  });
});

describe('import cycles', () => {
  test('the check finds a cycle of values and a cycle of types, and names the files', () => {
    const clean = checkCycles();
    assert.equal(clean.status, 0, clean.stderr);
    plant('src/cli/zzA.ts', "import { b } from './zzB';\nexport const a = () => b;\n");
    plant('src/cli/zzB.ts', "import { a } from './zzA';\nexport const b = () => a;\n");
    plant('src/session/zzTypeA.ts', "import type { B } from './zzTypeB';\nexport interface A { b?: B }\n");
    plant('src/session/zzTypeB.ts', "import type { A } from './zzTypeA';\nexport interface B { a?: A }\n");
    const r = checkCycles();
    assert.equal(r.status, 1);
    assert.match(r.stderr, /2 import cycles/);
    assert.match(r.stderr, /src\/cli\/zzA\.ts → src\/cli\/zzB\.ts → src\/cli\/zzA\.ts/);
    assert.match(r.stderr, /src\/session\/zzTypeA\.ts → src\/session\/zzTypeB\.ts → src\/session\/zzTypeA\.ts/);
  });
});

interface LintMessage {
  ruleId: string | null;
  message: string;
}

/** Runs eslint in the copied tree on `files`; the messages of each file (relative path). */
function lint(files: string[]): Map<string, LintMessage[]> {
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js'), '--format', 'json', ...files], { cwd: tree, encoding: 'utf8' });
  assert.ok(r.stdout.startsWith('['), `eslint did not report: ${r.stderr}`);
  const out = new Map<string, LintMessage[]>();
  for (const f of JSON.parse(r.stdout) as { filePath: string; messages: LintMessage[] }[]) out.set(f.filePath.slice(tree.length + 1), f.messages);
  return out;
}

function checkCycles() {
  return spawnSync(process.execPath, [join(ROOT, 'scripts', 'check-cycles.mjs'), 'src'], { cwd: tree, encoding: 'utf8' });
}
