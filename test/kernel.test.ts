/**
 * Cell semantics, against the real kernel process (dist/kernel.js) over JSON-RPC.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { KernelClient } from '../src/host/kernelClient';
import { ROOT, run, startKernel, tempDir } from './helpers/kernel';

describe('a session', () => {
  let kernel: KernelClient;
  let dir: string;

  before(async () => {
    dir = tempDir({
      'helper.ts': `import * as tf from '@tensorflow/tfjs';\nexport function double(x: number): number { return x * 2; }\nexport const helperTf = tf;\n`,
      'util.js': `exports.greet = (name) => 'hello ' + name;\n`,
      // As tfjs-examples' programs are written for babel-node: import/export mixed with require.
      'babelish.js': `const tf = require('@tensorflow/tfjs');\nimport { double } from './helper';\nexport const sum = (a) => tf.tensor1d(a).sum().dataSync()[0];\nexport default function twice(x) { return double(x); }\n`,
      'node_modules/local-only/index.js': `module.exports = { where: 'notebook folder' };\n`,
      'node_modules/esbuild/index.js': `module.exports = { shadowed: true };\n`,
      'node_modules/esbuild/package.json': `{ "name": "esbuild", "main": "index.js" }\n`,
    });
    kernel = await startKernel({ notebookDir: dir });
  });
  after(() => kernel.shutdown());

  test('runs TypeScript with its types stripped, and JavaScript', async () => {
    const ts = await run(kernel, 'interface P { x: number }\nconst p: P = { x: 2 };\nconst sq = (n: number): number => n * n;\nsq(p.x) as number');
    assert.equal(ts.status, 'ok');
    assert.equal(ts.text, '4');
    const js = await run(kernel, 'const q = [1, 2, 3];\nq.map((v) => v * 10)', 'javascript');
    assert.equal(js.text, '[ 10, 20, 30 ]');
  });

  test('keeps top-level const, let, var, function and class for later cells', async () => {
    await run(kernel, 'const a = 1;\nlet b = 2;\nvar c = 3;\nfunction add(x: number, y: number) { return x + y; }\nclass Box { constructor(public v: number) {} }');
    const later = await run(kernel, 'add(a + b + c, new Box(4).v)');
    assert.equal(later.text, '10');
  });

  test('re-running a cell that declares const rebinds it', async () => {
    const first = await run(kernel, 'const rerun = 1;\nrerun');
    const again = await run(kernel, 'const rerun = 2;\nrerun');
    assert.equal(first.status, 'ok');
    assert.equal(again.status, 'ok');
    assert.equal(again.text, '2');
    assert.equal((await run(kernel, 'rerun * 10')).text, '20');
  });

  test('re-running an unchanged cell runs it again: side effects, fresh values, its errors and its label', async () => {
    const source = 'const drawn: number = Math.random();\n(globalThis as any).reruns = ((globalThis as any).reruns ?? 0) + 1;\n[(globalThis as any).reruns, drawn]';
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(JSON.parse((await run(kernel, source, 'typescript', 'cell 30')).text!.replace(/\s+/g, '')) as [number, number]);
    assert.deepEqual(runs.map((r) => r[0]), [1, 2, 3]);
    assert.equal(new Set(runs.map((r) => r[1])).size, 3, 'each run draws its own number');
    const failing = 'const fine = 1;\n(null as any).boom;';
    for (const label of ['cell 31', 'cell 31', 'cell 32']) {
      const r = await run(kernel, failing, 'typescript', label);
      assert.equal(r.status, 'error');
      assert.deepEqual([r.error!.location?.cellLabel, r.error!.location?.line], [label, 2]);
    }
  });

  test('destructuring declarations bind every name', async () => {
    await run(kernel, 'const { d1, d2: [d3] } = { d1: "one", d2: ["three"] };');
    assert.equal((await run(kernel, 'd1 + " " + d3')).text, 'one three');
  });

  test('functions from earlier cells see later values of session variables', async () => {
    await run(kernel, 'let counter = 0;\nfunction bump() { counter++; return counter; }');
    await run(kernel, 'bump(); bump();');
    assert.equal((await run(kernel, 'counter')).text, '2');
  });

  test('every tfjs import is the session\'s one tfjs instance, whatever the package name', async () => {
    await run(kernel, "import * as tf from '@tensorflow/tfjs';\nconst first = tf;");
    const r = await run(
      kernel,
      [
        "import * as tf2 from '@tensorflow/tfjs';",
        "import * as tfNode from '@tensorflow/tfjs-node';",
        "import * as tfGpu from '@tensorflow/tfjs-node-gpu';",
        "import { tensor, ones } from '@tensorflow/tfjs';",
        "const viaRequire = require('@tensorflow/tfjs');",
        "import { helperTf } from './helper';",
        'JSON.stringify([tf2 === first, tfNode === first, tfGpu === first, viaRequire === first, helperTf.engine() === first.engine(), tensor === first.tensor, ones([2]).shape[0]])',
      ].join('\n'),
    );
    assert.equal(r.status, 'ok', r.error?.stack);
    assert.equal(r.text, '[true,true,true,true,true,true,2]');
  });

  test('named, default and namespace imports, require, and the notebook folder\'s own .ts and .js files', async () => {
    const r = await run(
      kernel,
      [
        "import path from 'node:path';",
        "import { join as joinPath } from 'node:path';",
        "import * as os from 'node:os';",
        "import { double } from './helper';",
        "const { greet } = require('./util.js');",
        "[path.basename('/a/b.txt'), joinPath('x', 'y'), typeof os.cpus, double(21), greet('you')]",
      ].join('\n'),
    );
    assert.equal(r.status, 'ok', r.error?.stack);
    assert.equal(r.text, "[ 'b.txt', 'x/y', 'function', 42, 'hello you' ]");
  });

  test('a notebook folder .js file that mixes import/export with require (babel-node style) loads', async () => {
    const r = await run(kernel, "import twice, { sum } from './babelish';\nconst viaRequire = require('./babelish.js');\n[twice(4), sum([1, 2, 3]), viaRequire.sum([4])]", 'javascript');
    assert.equal(r.status, 'ok', r.error?.stack);
    assert.equal(r.text, '[ 8, 6, 4 ]');
  });

  test('modules resolve from the notebook folder first, then from the kernel\'s own dependencies', async () => {
    const r = await run(kernel, "import local from 'local-only';\nimport * as esb from 'esbuild';\nimport wasm from '@tensorflow/tfjs-backend-wasm';\n[local.where, (esb as any).shadowed, typeof wasm]");
    assert.equal(r.status, 'ok', r.error?.stack);
    assert.equal(r.text, "[ 'notebook folder', true, 'object' ]");
    const missing = await run(kernel, "import nope from 'no-such-package-anywhere';");
    assert.equal(missing.status, 'error');
    assert.match(missing.error!.message, /Cannot find module 'no-such-package-anywhere'/);
    assert.match(missing.error!.message, /npm install no-such-package-anywhere/);
  });

  test('top-level await', async () => {
    const r = await run(kernel, 'const waited = await new Promise<number>((resolve) => setTimeout(() => resolve(7), 20));\nwaited * 2');
    assert.equal(r.text, '14');
  });

  test('shows the last expression, and nothing when it is undefined or the cell ends in a declaration', async () => {
    assert.equal((await run(kernel, '"text"')).text, 'text');
    assert.equal((await run(kernel, 'undefined')).result, undefined);
    assert.equal((await run(kernel, 'const nothingShown = 5;')).result, undefined);
    assert.equal((await run(kernel, 'console.log("x")')).result, undefined);
    const t = await run(kernel, "import * as tf from '@tensorflow/tfjs';\ntf.tensor2d([[1, 2], [3, 4]])");
    assert.match(t.text!, /^Tensor float32 \[2, 2\] · 16.00 B · (wasm|cpu)/);
    assert.match(t.text!, /\[\[1, 2\],\s+\[3, 4\]\]/);
  });

  test('display(value) adds an output while the cell runs, as does display from the bmnb module', async () => {
    const r = await run(kernel, "import { display as show } from 'bmnb';\ndisplay({ a: 1 });\nshow('second');\n3");
    assert.deepEqual(r.displays, ['{ a: 1 }', 'second']);
    assert.equal(r.text, '3');
  });

  test('text printed after its cell ended goes to the kernel log, not to a later cell', async () => {
    await run(kernel, 'setTimeout(() => console.log("late line"), 50);');
    await new Promise((r) => setTimeout(r, 150));
    const next = await run(kernel, '"next"');
    assert.equal(next.stdout, '');
    assert.match(kernel.log, /late line/);
  });

  test('console output streams while the cell runs, in order, stdout and stderr apart', async () => {
    const r = await run(
      kernel,
      'for (let i = 0; i < 4; i++) {\n  console.log(`tick ${i}`);\n  if (i === 1) console.warn("careful");\n  await new Promise((r) => setTimeout(r, 250));\n}\nprocess.stdout.write("raw\\n");',
    );
    const finishedAt = Date.now();
    assert.equal(r.stdout, 'tick 0\ntick 1\ntick 2\ntick 3\nraw\n');
    assert.equal(r.stderr, 'careful\n');
    assert.deepEqual(
      r.streams.map((s) => s.text.trim()),
      ['tick 0', 'tick 1', 'careful', 'tick 2', 'tick 3', 'raw'],
    );
    // The first line arrived while the cell still had most of its second to run.
    assert.ok(finishedAt - r.streams[0]!.at >= 600, `first line arrived ${finishedAt - r.streams[0]!.at} ms before the end`);
    const gaps = r.streams.filter((s) => s.text.startsWith('tick')).map((s, i, all) => (i ? s.at - all[i - 1]!.at : 250));
    assert.ok(gaps.every((g) => g >= 150), `lines should arrive as printed, ~250 ms apart: ${gaps.join(', ')}`);
  });

  test('an error names the cell and the line and column in its TypeScript source', async () => {
    const r = await run(
      kernel,
      ['interface Shape {', '  w: number;', '  h: number;', '}', 'function area(s: Shape): number {', '  return s.w * (s as any).missing.h;', '}', 'area({ w: 1, h: 2 });'].join('\n'),
      'typescript',
      'cell 7',
    );
    assert.equal(r.status, 'error');
    assert.equal(r.error!.name, 'TypeError');
    assert.match(r.error!.message, /Cannot read properties of undefined \(reading 'h'\)/);
    assert.deepEqual(r.error!.location, { cellId: r.error!.location!.cellId, cellLabel: 'cell 7', line: 6, column: 35 });
    const lines = r.error!.stack.split('\n');
    assert.equal(lines[0], "TypeError: Cannot read properties of undefined (reading 'h')");
    assert.equal(lines[1], '    at area (cell 7:6:35)');
    assert.equal(lines[2], '    at cell 7:8:1');
    assert.doesNotMatch(r.error!.stack, /kernel\.js|node:internal|bmnb-cell/);
  });

  test('an error thrown from a function defined in an earlier cell points at that cell', async () => {
    await run(kernel, 'function fails(): never {\n  throw new RangeError("too far");\n}', 'typescript', 'cell 20');
    const r = await run(kernel, 'const before = 1;\nfails();', 'typescript', 'cell 21');
    assert.equal(r.error!.name, 'RangeError');
    assert.match(r.error!.stack, /at fails \(cell 20:2:9\)\n {4}at cell 21:2:1/);
  });

  test('a syntax error fails the cell with line and column; the kernel stays usable', async () => {
    const r = await run(kernel, 'const ok = 1;\nconst broken = (;\n', 'typescript', 'cell 9');
    assert.equal(r.status, 'error');
    assert.equal(r.error!.name, 'SyntaxError');
    assert.equal(r.error!.location?.line, 2);
    assert.equal(r.error!.location?.column, 17);
    assert.match(r.error!.message, /line 2, column 17/);
    assert.equal((await run(kernel, '1 + 1')).text, '2');
  });

  test('each execution reports its order number and duration', async () => {
    const a = await run(kernel, '1');
    const b = await run(kernel, 'await new Promise((r) => setTimeout(r, 120)); 2');
    assert.equal(b.order, a.order + 1);
    assert.ok(b.durationMs >= 100 && b.durationMs < 5000, `duration ${b.durationMs}`);
    assert.ok(a.durationMs >= 0);
  });

  test('a rejected promise nobody awaited is reported on stderr and does not kill the kernel', async () => {
    const r = await run(kernel, 'Promise.reject(new Error("forgotten"));\nawait new Promise((r) => setTimeout(r, 50));\n"still here"');
    assert.equal(r.text, 'still here');
    assert.match(r.stderr, /Unhandled promise rejection: Error: forgotten/);
    assert.ok(kernel.alive);
  });

  test('the repository itself is not on the module path of a notebook in another folder', () => {
    assert.ok(!dir.startsWith(ROOT + '/'), `${dir} is outside ${join(ROOT)}`);
  });
});
