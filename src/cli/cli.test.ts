/**
 * `bmnb run` as a person types it: the built CLI (dist/cli.js) in a child process.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseNotebook, serializeNotebook, sourceToLines, type NotebookFile } from '../format';
import { CLI_PATH, ROOT, tempDir } from '../../test/helpers/kernel';

function bmnb(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(process.execPath, [CLI_PATH, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function notebook(cells: { source: string; tags?: string[]; kind?: 'code' | 'markdown' }[]): string {
  const nb: NotebookFile = {
    bmnb: 1,
    metadata: { title: 'test' },
    cells: cells.map((c, i) => ({
      id: `cell${i + 1}`,
      kind: c.kind ?? 'code',
      language: c.kind === 'markdown' ? 'markdown' : 'typescript',
      source: sourceToLines(c.source),
      ...(c.tags ? { metadata: { tags: c.tags } } : {}),
    })),
  };
  return serializeNotebook(nb);
}

const GOOD = notebook([
  { source: "import * as tf from '@tensorflow/tfjs';\nconst n: number = 3;", tags: ['parameters'] },
  { kind: 'markdown', source: '# Title' },
  { source: 'console.log(`n is ${n}`);\ntf.ones([n]).sum().dataSync()[0]' },
]);

describe('bmnb run', () => {
  test('await input(prompt) reads a line of stdin (the prompt on stderr); with none left, the cell fails saying so', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'ask.bmnb'), notebook([{ source: "const a = await input('First? ');\nconst b = await input('Second? ');\nconsole.log(`got ${a} and ${b}`);" }]));
    const piped = spawnSync(process.execPath, [CLI_PATH, 'run', 'ask.bmnb'], { cwd: dir, input: 'Ada\nGrace\n', encoding: 'utf8', timeout: 60_000 });
    assert.equal(piped.status, 0, piped.stderr);
    assert.match(piped.stdout, /got Ada and Grace/);
    assert.match(piped.stderr, /First\? /);
    const short = spawnSync(process.execPath, [CLI_PATH, 'run', 'ask.bmnb'], { cwd: dir, input: 'only one\n', encoding: 'utf8', timeout: 60_000 });
    assert.equal(short.status, 1);
    assert.match(short.stderr, /input\(\): stdin has no more lines \(pipe the answers in, or run bmnb at a terminal\)/);
  });

  test('display.clear() leaves the written notebook with the outputs after it only (with wait: the last frame)', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'clear.bmnb'),
      notebook([
        { source: "console.log('printed first');\ndisplay('shown first');\ndisplay.clear();\ndisplay('after the clear');" },
        { source: "for (let i = 1; i <= 3; i++) { display.clear({ wait: true }); display(`frame ${i}`); }" },
      ]),
    );
    const r = bmnb(['run', 'clear.bmnb', '--out', 'out.bmnb'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const cells = parseNotebook(readFileSync(join(dir, 'out.bmnb'), 'utf8')).cells;
    assert.deepEqual(cells[0]!.outputs?.map((o) => o.items.find((i) => i.mime === 'text/plain')?.data), ['after the clear']);
    assert.deepEqual(cells[1]!.outputs?.map((o) => o.items.find((i) => i.mime === 'text/plain')?.data), ['frame 3']);
  });

  test('runs every code cell in order, prints a progress line per cell and the outputs, exits 0, writes nothing', () => {
    const dir = tempDir({ 'nb.bmnb': GOOD });
    const r = bmnb(['run', 'nb.bmnb'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'n is 3\n3\n');
    assert.match(r.stderr, /\[1\/2\] cell 1 … ✓ \d+ ms/);
    assert.match(r.stderr, /\[2\/2\] cell 3 ✓ \d+ ms/);
    assert.match(r.stderr, /on wasm \(SIMD, \d+ threads?( for kernels of [\d.]+\+ MFLOP, 1 for smaller ones)?\), tfjs/);
    assert.match(r.stderr, /skipped tensorflow-gpu: @tensorflow\/tfjs-node-gpu is not installed/);
    assert.equal(readFileSync(join(dir, 'nb.bmnb'), 'utf8'), GOOD);
    assert.deepEqual(readdirSync(dir), ['nb.bmnb']);
  });

  test('--out writes the executed notebook with outputs, order and durations; the input is untouched', () => {
    const dir = tempDir({ 'nb.bmnb': GOOD });
    const r = bmnb(['run', 'nb.bmnb', '--out', 'done.bmnb'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(join(dir, 'nb.bmnb'), 'utf8'), GOOD);
    const out = parseNotebook(readFileSync(join(dir, 'done.bmnb'), 'utf8'));
    const cell = out.cells[2]!;
    assert.deepEqual(cell.outputs, [
      { items: [{ mime: 'application/vnd.code.notebook.stdout', data: 'n is 3\n' }] },
      { items: [{ mime: 'text/plain', data: '3' }] },
    ]);
    assert.equal(cell.execution?.order, 2);
    assert.equal(cell.execution?.success, true);
    assert.equal(typeof cell.execution?.durationMs, 'number');
    assert.deepEqual(cell.execution?.memory, { tensors: 2, bytes: 16 }, 'tf.ones([3]) and its sum were kept');
    assert.equal(out.cells[1]!.outputs, undefined);
    assert.deepEqual(readdirSync(dir).sort(), ['done.bmnb', 'nb.bmnb'], 'no temporary file is left behind');
  });

  test('--param overrides an assignment in the cell tagged parameters; --inplace keeps the author\'s source', () => {
    const dir = tempDir({ 'nb.bmnb': GOOD });
    const r = bmnb(['run', 'nb.bmnb', '--param', 'n=5', '--inplace'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'n is 5\n5\n');
    const out = parseNotebook(readFileSync(join(dir, 'nb.bmnb'), 'utf8'));
    assert.deepEqual(out.cells[0]!.source, ["import * as tf from '@tensorflow/tfjs';\n", 'const n: number = 3;']);
    assert.deepEqual(out.cells[0]!.metadata?.injectedParameters, { n: 5 });
    const unknown = bmnb(['run', 'nb.bmnb', '--param', 'epochs=5'], { cwd: dir });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /the parameters cell does not assign 'epochs' \(it assigns: n\)/);
  });

  test('a failing cell stops the run, prints the error with the cell number and line, exits 1, and --out keeps every output up to it', () => {
    const dir = tempDir({
      'nb.bmnb': notebook([
        { source: 'console.log("first");' },
        { source: 'const ok = 1;\nconsole.log("before");\n(null as any).boom();' },
        { source: 'console.log("never");' },
      ]),
    });
    const r = bmnb(['run', 'nb.bmnb', '--out', 'out.bmnb'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, 'first\nbefore\n');
    assert.match(r.stderr, /\[2\/3\] cell 2 ✗ failed after \d+ ms \(cell 2, line 3, column 15\)/);
    assert.match(r.stderr, /TypeError: Cannot read properties of null \(reading 'boom'\)\n {4}at cell 2:3:15/);
    assert.match(r.stderr, /stopped at cell 2; 1 later cell\(s\) not run/);
    const out = parseNotebook(readFileSync(join(dir, 'out.bmnb'), 'utf8'));
    assert.equal(out.cells[0]!.outputs?.[0]?.items[0]?.data, 'first\n');
    const failed = out.cells[1]!;
    assert.equal(failed.execution?.success, false);
    assert.equal(failed.outputs?.[0]?.items[0]?.data, 'before\n');
    const error = JSON.parse(failed.outputs?.[1]?.items[0]?.data as string);
    assert.equal(error.name, 'TypeError');
    assert.match(error.stack, /at cell 2:3:15/);
    assert.equal(out.cells[2]!.outputs, undefined);
  });

  test('a syntax error fails its cell with line and column', () => {
    const dir = tempDir({ 'nb.bmnb': notebook([{ source: 'const a = 1;\nconst b = a +;' }]) });
    const r = bmnb(['run', 'nb.bmnb'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /SyntaxError: Unexpected ";" \(line 2, column 14\)/);
  });

  test('a malformed notebook exits 2, names the path and the problem, and is never written over', () => {
    const bad = '{\n  "bmnb": 1,\n  "cells": [\n    { "id": "a", "kind": "code", "language": "typescript" }\n  ]\n}\n';
    const dir = tempDir({ 'bad.bmnb': bad, 'notjson.bmnb': '{ "bmnb": 1,\n  "cells": [ }' });
    const r = bmnb(['run', 'bad.bmnb', '--inplace'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.bmnb: .*\n.*\$\.cells\[0\]: missing required field "source"/);
    assert.equal(readFileSync(join(dir, 'bad.bmnb'), 'utf8'), bad);
    const j = bmnb(['run', 'notjson.bmnb', '--inplace'], { cwd: dir });
    assert.equal(j.code, 2);
    assert.match(j.stderr, /not valid JSON.*line 2/);
    assert.equal(readFileSync(join(dir, 'notjson.bmnb'), 'utf8'), '{ "bmnb": 1,\n  "cells": [ }');
    const missing = bmnb(['run', 'nowhere.bmnb'], { cwd: dir });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nowhere\.bmnb: no such file/);
  });

  test('an unknown option or backend exits 2 with the valid ones', () => {
    const dir = tempDir({ 'nb.bmnb': GOOD });
    const opt = bmnb(['run', 'nb.bmnb', '--fast'], { cwd: dir });
    assert.equal(opt.code, 2);
    assert.match(opt.stderr, /Unknown option '--fast'/);
    assert.match(opt.stderr, /Valid options: --out, --to, --inplace, --backend, --param, --timeout/);
    const backend = bmnb(['run', 'nb.bmnb', '--backend', 'cuda'], { cwd: dir });
    assert.equal(backend.code, 2);
    assert.match(backend.stderr, /unknown backend 'cuda'; valid backends: auto, tensorflow-gpu, tensorflow, webgpu, wasm, cpu/);
    const limit = bmnb(['run', 'nb.bmnb', '--max-output', 'lots'], { cwd: dir });
    assert.equal(limit.code, 2);
    assert.match(limit.stderr, /--max-output expects a positive number, got 'lots'/);
  });

  test('naming a backend that cannot load exits 2, listing what is available and how to install the rest', () => {
    const dir = tempDir({ 'nb.bmnb': GOOD });
    const r = bmnb(['run', 'nb.bmnb', '--backend', 'tensorflow-gpu'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Backend 'tensorflow-gpu' cannot load here/);
    assert.match(r.stderr, /Available: webgpu, wasm, cpu\./);
    assert.match(r.stderr, /tensorflow-gpu: run `npm install @tensorflow\/tfjs-node-gpu` in the notebook's folder/);
  });

  test('--backend cpu runs on the cpu backend', () => {
    const dir = tempDir({ 'nb.bmnb': notebook([{ source: "import * as tf from '@tensorflow/tfjs';\ntf.getBackend()" }]) });
    const r = bmnb(['run', 'nb.bmnb', '--backend', 'cpu'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'cpu\n');
  });

  test('--timeout stops a cell that runs too long', () => {
    const dir = tempDir({ 'nb.bmnb': notebook([{ source: 'while (true) {}' }]) });
    const started = Date.now();
    const r = bmnb(['run', 'nb.bmnb', '--timeout', '1'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /timed out after 1 s \(--timeout\)/);
    assert.ok(Date.now() - started < 15_000);
  });

  test('the built-in demo notebook runs (npm start)', () => {
    const r = bmnb(['run', join(ROOT, 'samples', 'demo.bmnb')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /learned y = 2\.00x - 1\.00/);
    assert.ok(!existsSync(join(ROOT, 'samples', '.demo.bmnb.tmp')));
  });
});

describe('backend discovery', () => {
  // The native backends cannot be installed on machines without their download; a stand-in
  // package with the same name exercises where the kernel looks for them and what it reports.
  const standIn = (name: string) =>
    `const tf = require(${JSON.stringify(require.resolve('@tensorflow/tfjs'))});\n` +
    `tf.registerBackend('tensorflow', tf.findBackendFactory('cpu'));\n` +
    `tf.${name === 'gpu' ? 'standInGpu' : 'standIn'} = true;\nmodule.exports = tf;\n`;

  test('auto takes tfjs-node from the notebook folder, says so, and says why tensorflow-gpu was skipped', () => {
    const dir = tempDir({
      'node_modules/@tensorflow/tfjs-node/index.js': standIn('cpu'),
      'node_modules/@tensorflow/tfjs-node/package.json': '{ "name": "@tensorflow/tfjs-node", "main": "index.js" }',
      'nb.bmnb': notebook([{ source: "import * as tf from '@tensorflow/tfjs';\nimport * as tfn from '@tensorflow/tfjs-node';\n[tf.getBackend(), (tf as any).standIn, tf === tfn].join(' ')" }]),
    });
    const r = bmnb(['run', 'nb.bmnb'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'tensorflow true true\n');
    assert.match(r.stderr, /on tensorflow \(@tensorflow\/tfjs-node from /);
    assert.match(r.stderr, /skipped tensorflow-gpu: @tensorflow\/tfjs-node-gpu is not installed/);
  });

  test('BMNB_TFJS_NODE_PATH points at an installation elsewhere', () => {
    const elsewhere = tempDir({
      'node_modules/@tensorflow/tfjs-node-gpu/index.js': standIn('gpu'),
      'node_modules/@tensorflow/tfjs-node-gpu/package.json': '{ "name": "@tensorflow/tfjs-node-gpu", "main": "index.js" }',
    });
    const dir = tempDir({ 'nb.bmnb': notebook([{ source: "import * as tf from '@tensorflow/tfjs';\n[tf.getBackend(), (tf as any).standInGpu].join(' ')" }]) });
    const r = bmnb(['run', 'nb.bmnb'], { cwd: dir, env: { BMNB_TFJS_NODE_PATH: elsewhere } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'tensorflow true\n');
    assert.match(r.stderr, /on tensorflow-gpu \(@tensorflow\/tfjs-node-gpu from /);
  });

  test('a native backend that is installed but fails to load is skipped with its error', () => {
    const dir = tempDir({
      'node_modules/@tensorflow/tfjs-node-gpu/index.js': "throw new Error('libcudart.so.11.0: cannot open shared object file');\n",
      'node_modules/@tensorflow/tfjs-node-gpu/package.json': '{ "name": "@tensorflow/tfjs-node-gpu", "main": "index.js" }',
      'nb.bmnb': notebook([{ source: '1' }]),
    });
    const r = bmnb(['run', 'nb.bmnb'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /skipped tensorflow-gpu: @tensorflow\/tfjs-node-gpu is installed but failed to load: libcudart\.so\.11\.0/);
    assert.match(r.stderr, /on wasm/);
  });
});

// Keep the fixture writer honest: what the tests write is a canonical notebook.
describe('bmnb check', () => {
  const TYPED = notebook([
    { source: "import * as tf from '@tensorflow/tfjs';\nconst n: number = 3;" },
    { kind: 'markdown', source: '# Title' },
    { source: "console.log('this must not run');\nconst label: string = n;" },
  ]);

  test('the samples and the demo type-check with no errors', () => {
    const samples = readdirSync(join(ROOT, 'samples')).filter((f) => f.endsWith('.bmnb')).map((f) => join('samples', f));
    const r = bmnb(['check', ...samples], { cwd: ROOT });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`no type errors in ${samples.length} notebook\\(s\\)`));
  });

  test('a type error names the notebook, the cell (as bmnb run numbers it), the line and the column; exit 1', () => {
    const dir = tempDir({ 'nb.bmnb': TYPED });
    const r = bmnb(['check', 'nb.bmnb'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "nb.bmnb: cell 3, line 2, column 7: error TS2322: Type 'number' is not assignable to type 'string'.\n");
    assert.match(r.stderr, /1 type error\(s\) in 1 notebook\(s\)/);
  });

  test('bmnb run --typecheck prints the type errors and runs nothing (exit 2); bad input to check exits 2', () => {
    const dir = tempDir({ 'nb.bmnb': TYPED, 'bad.bmnb': '{ "bmnb": 1, "cells": [ { "id": "a" } ] }' });
    const r = bmnb(['run', 'nb.bmnb', '--typecheck'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '', 'no cell ran');
    assert.match(r.stderr, /nb\.bmnb: cell 3, line 2, column 7: error TS2322/);
    assert.match(r.stderr, /nothing was run \(drop --typecheck to run anyway\)/);
    const bad = bmnb(['check', 'bad.bmnb', 'missing.bmnb', 'nb.bmnb'], { cwd: dir });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /bad\.bmnb: This is not a valid bmnb notebook[^]*\$\.cells\[0\]: missing required field "kind"/);
    assert.match(bad.stderr, /missing\.bmnb: no such file/);
    assert.match(bad.stderr, /1 type error\(s\) in 1 notebook\(s\); 2 could not be checked/);
    const ok = bmnb(['run', 'nb.bmnb', '--typecheck'], { cwd: tempDir({ 'nb.bmnb': GOOD }) });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, 'n is 3\n3\n');
  });
});

test('test notebooks are canonical .bmnb files', () => {
  assert.equal(serializeNotebook(parseNotebook(GOOD)), GOOD);
  writeFileSync(join(tempDir(), 'x.bmnb'), GOOD);
});
