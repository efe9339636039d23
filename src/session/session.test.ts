/**
 * The Session in memory, with the real tfjs on the cpu backend and a notebook folder of its own:
 * what a user relies on across cells (bindings that carry over and rebind, order numbers, errors
 * placed in the cell, interrupts that keep the variables, tensor bindings and the memory delta,
 * display and live training outputs), without forking a kernel process.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { MIME, type ExecuteResult, type OutputItemPayload } from '../protocol';
import { Session } from './session';

const folders: string[] = [];
after(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

interface Harness {
  session: Session;
  dir: string;
  /** Every call of the display option, in order. */
  displays: { executionId: string; items: OutputItemPayload[]; displayId?: string; update?: boolean }[];
  /** Every call of the executing option, in order. */
  executing: boolean[];
  /** Every call of the training option, in order. */
  training: (1 | -1)[];
  /** Runs a cell; its label is `cell N` unless given. */
  run(source: string, label?: string): Promise<ExecuteResult>;
}

let executions = 0;

function newSession(): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'bmnb-test-'));
  folders.push(dir);
  const displays: Harness['displays'] = [];
  const executing: boolean[] = [];
  const training: (1 | -1)[] = [];
  let seq = 0;
  const session = new Session({
    tf,
    notebookDir: dir,
    // The session's own files (and this test) are the kernel here: their frames are left out.
    kernelFiles: [dirname(__filename)],
    display: (executionId, items, displayId, update) => displays.push({ executionId, items, ...(displayId ? { displayId, update } : {}) }),
    executing: (on) => {
      executing.push(on);
      return on ? ++seq : seq;
    },
    training: (delta) => training.push(delta),
  });
  let cells = 0;
  return {
    session,
    dir,
    displays,
    executing,
    training,
    run: (source, label) => {
      const n = ++cells;
      return session.execute({ executionId: `exec-${++executions}`, cellId: `id-${n}`, cellLabel: label ?? `cell ${n}`, language: 'typescript', source });
    },
  };
}

const text = (items: OutputItemPayload[] | undefined) => items?.find((i) => i.mime === MIME.text)?.data;
const lines = (...l: string[]) => l.join('\n');
const ok = (r: ExecuteResult) => assert.equal(r.status, 'ok', r.error?.stack);

/**
 * Sessions hook tfjs's fit once per process (the hooks are idempotent), for the first session
 * made: the training tests use that one.
 */
let first: Harness;
before(async () => {
  await tf.setBackend('cpu');
  first = newSession();
});

describe('bindings across cells', () => {
  test('re-running a cell that declares const rebinds it; later cells see the latest bindings; orders count 1, 2, 3…', async () => {
    const h = newSession();
    const results = [
      await h.run('const x: number = 1;\nx'),
      await h.run('const x: number = 2;\nx'),
      await h.run('x * 10'),
      await h.run('let y = x + 1;\nfunction twice(v: number) { return v * 2; }\nclass Box { constructor(readonly v: number) {} }'),
      await h.run('twice(new Box(y).v)'),
    ];
    results.forEach(ok);
    assert.deepEqual(results.map((r) => text(r.result)), ['1', '2', '20', undefined, '6']);
    assert.deepEqual(results.map((r) => r.order), [1, 2, 3, 4, 5]);
    assert.deepEqual(results.map((r) => r.executionId), results.map((_, i) => `exec-${executions - 4 + i}`));
    assert.equal(h.session.scope.x, 2);
  });

  test('cells sent together run one at a time, in the order sent', async () => {
    const h = newSession();
    const a = h.run('await new Promise((r) => setTimeout(r, 30));\nconst slow = "first";');
    const b = h.run('slow + " then second"');
    const c = h.run('const third: number = 3;\nthird');
    const [ra, rb, rc] = await Promise.all([a, b, c]);
    assert.deepEqual([ra.status, rb.status, rc.status], ['ok', 'ok', 'ok']);
    assert.equal(text(rb.result), 'first then second');
    assert.deepEqual([ra.order, rb.order, rc.order], [1, 2, 3]);
  });

  test('the value shown is the last expression: text for plain values, a tensor payload for a tensor, nothing for undefined', async () => {
    const h = newSession();
    assert.deepEqual((await h.run('"text"')).result, [{ mime: MIME.text, data: 'text' }]);
    assert.deepEqual((await h.run('[1, 2].map((v) => v * 10)')).result, [{ mime: MIME.text, data: '[ 10, 20 ]' }]);
    assert.equal((await h.run('const nothing = 5;')).result, undefined);
    assert.equal((await h.run('undefined')).result, undefined);
    const t = await h.run('import * as tf from "@tensorflow/tfjs";\ntf.tensor2d([[1, 2], [3, 4]])');
    ok(t);
    assert.deepEqual(t.result!.map((i) => i.mime), [MIME.tensor, MIME.text]);
    assert.match(String(text(t.result)), /^Tensor float32 \[2, 2\] · 16.00 B · cpu/);
  });

  test('every tfjs import in a cell is the session\'s tfjs', async () => {
    const h = newSession();
    h.session.scope.sessionTf = tf;
    const r = await h.run(
      lines('import * as a from "@tensorflow/tfjs";', 'import * as b from "@tensorflow/tfjs-node";', 'import { tensor } from "@tensorflow/tfjs-core";', 'const c = require("@tensorflow/tfjs");', '[a, b, c].every((m) => m === sessionTf) && tensor === sessionTf.tensor'),
    );
    ok(r);
    assert.equal(text(r.result), 'true');
  });

  test('the notebook folder\'s own .ts files import, and an edited file is read again by the next cell that imports it', async () => {
    const h = newSession();
    writeFileSync(join(h.dir, 'helper.ts'), 'export const version: number = 1;\nexport function double(x: number): number { return x * 2; }\n');
    const r1 = await h.run('import { version, double } from "./helper";\n[version, double(21)]');
    ok(r1);
    assert.equal(text(r1.result), '[ 1, 42 ]');
    writeFileSync(join(h.dir, 'helper.ts'), 'export const version: number = 2;\n');
    const r2 = await h.run('import { version } from "./helper";\nversion');
    assert.equal(text(r2.result), '2');
  });

  test('a module that is nowhere fails the cell, saying where it looked and how to install it', async () => {
    const h = newSession();
    const r = await h.run('import nope from "no-such-package-anywhere-bmnb";');
    assert.equal(r.status, 'error');
    assert.match(r.error!.message, /Cannot find module 'no-such-package-anywhere-bmnb'/);
    assert.ok(r.error!.message.includes(h.dir), r.error!.message);
    assert.match(r.error!.message, /npm install no-such-package-anywhere-bmnb/);
  });
});

describe('errors', () => {
  test('a runtime error: status error, the cell\'s label, line and column in its TypeScript source, and only the cell\'s frames', async () => {
    const h = newSession();
    const r = await h.run(
      lines('interface Shape {', '  w: number;', '  h: number;', '}', 'function area(s: Shape): number {', '  return s.w * (s as any).missing.h;', '}', 'const before = 1;', 'area({ w: 1, h: 2 });'),
      'cell 7',
    );
    assert.equal(r.status, 'error');
    assert.equal(r.error!.name, 'TypeError');
    assert.deepEqual(r.error!.location, { cellId: 'id-1', cellLabel: 'cell 7', line: 6, column: 35 });
    assert.equal(r.error!.stack, lines("TypeError: Cannot read properties of undefined (reading 'h')", '    at area (cell 7:6:35)', '    at cell 7:9:1'));
    assert.equal(r.result, undefined);
    // What ran before the error stays, and the session goes on.
    const next = await h.run('before + 1');
    ok(next);
    assert.equal(text(next.result), '2');
    assert.deepEqual([r.order, next.order], [1, 2]);
  });

  test('an error thrown by a function of an earlier cell points at that cell, then at the calling cell', async () => {
    const h = newSession();
    ok(await h.run('function fails(): never {\n  throw new RangeError("too far");\n}', 'cell 20'));
    const r = await h.run('const before = 1;\nfails();', 'cell 21');
    assert.equal(r.status, 'error');
    assert.equal(r.error!.stack, lines('RangeError: too far', '    at fails (cell 20:2:9)', '    at cell 21:2:1'));
    assert.deepEqual(r.error!.location, { cellId: 'id-1', cellLabel: 'cell 20', line: 2, column: 9 });
  });

  test('a syntax error fails the cell at its line and column without running any of it; the order still counts', async () => {
    const h = newSession();
    const r = await h.run('const ok = 1;\nconst broken = (;\n', 'cell 9');
    assert.equal(r.status, 'error');
    assert.equal(r.error!.name, 'SyntaxError');
    assert.deepEqual(r.error!.location, { cellId: 'id-1', cellLabel: 'cell 9', line: 2, column: 17 });
    assert.match(r.error!.message, /line 2, column 17/);
    assert.deepEqual(h.executing, [], 'no user code started');
    assert.equal(Object.prototype.hasOwnProperty.call(h.session.scope, 'ok'), false);
    const next = await h.run('1 + 1');
    assert.deepEqual([next.status, next.order, text(next.result)], ['ok', 2, '2']);
  });

  test('a thrown non-Error value is an error too', async () => {
    const h = newSession();
    const r = await h.run('throw "plain text";');
    assert.equal(r.status, 'error');
    assert.equal(r.error!.message, 'a cell threw a non-Error value: plain text');
  });

  test('executing is told when user code starts and stops, failing cells included', async () => {
    const h = newSession();
    await h.run('1');
    await h.run('throw new Error("x")');
    assert.deepEqual(h.executing, [true, false, true, false]);
  });
});

describe('interrupt', () => {
  // An interrupt that does not end the wait would leave the cell waiting forever: fail instead.
  /** A cell that calls started() and then waits forever; resolves once it waits. */
  function waitingCell(h: Harness, source: string) {
    let started!: () => void;
    const waiting = new Promise<void>((resolve) => (started = resolve));
    h.session.scope.started = () => started();
    return { result: h.run(source), waiting };
  }

  test('ends a pending await with status interrupted, and keeps the variables set before it', { timeout: 10_000 }, async () => {
    const h = newSession();
    const cell = waitingCell(h, lines('const kept: string = "still here";', 'started();', 'await new Promise(() => {});', 'const never = "not reached";'));
    await cell.waiting;
    h.session.interrupt();
    const r = await cell.result;
    assert.equal(r.status, 'interrupted');
    assert.equal(r.error?.name, 'InterruptError');
    assert.equal(r.error?.message, 'The cell was interrupted.');
    assert.deepEqual(h.executing, [true, false]);
    const later = await h.run('[kept, never]');
    ok(later);
    assert.equal(text(later.result), "[ 'still here', undefined ]");
  });

  test('ends an await inside a function the cell awaits, and code after the await does not run later', { timeout: 10_000 }, async () => {
    const h = newSession();
    ok(await h.run('let after = "not yet";\nasync function sleepy() {\n  started();\n  await new Promise((r) => setTimeout(r, 100));\n  after = "ran on";\n}'));
    const cell = waitingCell(h, 'await sleepy();');
    await cell.waiting;
    h.session.interrupt();
    assert.equal((await cell.result).status, 'interrupted');
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(h.session.scope.after, 'not yet');
  });

  test('an interrupt with no cell running does nothing to the next cell', { timeout: 10_000 }, async () => {
    const h = newSession();
    h.session.interrupt();
    const r = await h.run('await new Promise((r) => setTimeout(r, 10));\n"fine"');
    assert.deepEqual([r.status, text(r.result)], ['ok', 'fine']);
  });

  test('a forced termination notice ends its own execution, and one that comes late is ignored', { timeout: 10_000 }, async () => {
    const h = newSession();
    const cell = waitingCell(h, 'started();\nawait new Promise(() => {});');
    await cell.waiting;
    const seq = h.executing.length; // executing(true) returned 1 for this first execution
    h.session.afterTermination(seq + 5); // a notice for some other execution
    h.session.afterTermination(seq);
    const r = await cell.result;
    assert.equal(r.status, 'interrupted');
    assert.equal(r.error?.message, 'The cell was interrupted (its code was stopped by force).');
    const late = waitingCell(h, 'started();\nawait new Promise((r) => setTimeout(r, 20));\n"untouched"');
    await late.waiting;
    h.session.afterTermination(seq);
    const lr = await late.result;
    assert.deepEqual([lr.status, text(lr.result)], ['ok', 'untouched']);
  });
});

describe('tensors and memory', () => {
  test('tensors lists the tensor bindings the cell declared, with their lines, dtype and shape', async () => {
    const h = newSession();
    ok(await h.run('import * as tf from "@tensorflow/tfjs";\nconst earlier = tf.scalar(1);'));
    const r = await h.run(
      lines(
        'const a: tf.Tensor2D = tf.zeros([2, 3]);',
        'const n: number = 5;',
        'interface Pair { b: tf.Tensor; c: string }',
        'const { b, c }: Pair = { b: tf.ones([4], "int32"), c: "text" };',
        'let d: tf.Tensor | undefined;',
        'var e = tf.tensor([true, false], [1, 2], "bool");',
        'earlier.add(1);',
      ),
    );
    ok(r);
    assert.deepEqual(r.tensors, [
      { name: 'a', line: 0, dtype: 'float32', shape: [2, 3] },
      { name: 'b', line: 3, dtype: 'int32', shape: [4] },
      { name: 'e', line: 5, dtype: 'bool', shape: [1, 2] },
    ]);
    const reassigned = await h.run('let a = "no longer a tensor";\nconst f = tf.zeros([1]);');
    assert.deepEqual(reassigned.tensors, [{ name: 'f', line: 1, dtype: 'float32', shape: [1] }]);
  });

  test('memory is how tf.memory() changed over the cell, with the count after it', async () => {
    const h = newSession();
    ok(await h.run('import * as tf from "@tensorflow/tfjs";'));
    const start = tf.memory();
    const made = await h.run(lines('const a = tf.zeros([2, 3]);', 'tf.dispose(tf.ones([10]));', 'const b = tf.tidy(() => tf.ones([4]).mul(2));'));
    ok(made);
    assert.deepEqual(made.memory, { numTensors: 2, numBytes: 40, after: { numTensors: start.numTensors + 2, numBytes: start.numBytes + 40 } });
    const freed = await h.run('a.dispose();');
    assert.deepEqual(freed.memory, { numTensors: -1, numBytes: -24, after: { numTensors: start.numTensors + 1, numBytes: start.numBytes + 16 } });
    assert.deepEqual([tf.memory().numTensors, tf.memory().numBytes], [start.numTensors + 1, start.numBytes + 16]);
  });

  test('a failing cell still reports the tensors it made and bound before the error', async () => {
    const h = newSession();
    const r = await h.run('import * as tf from "@tensorflow/tfjs";\nconst leak = tf.ones([3]);\nthrow new Error("after the tensor");');
    assert.equal(r.status, 'error');
    assert.equal(r.memory!.numTensors, 1);
    assert.equal(r.memory!.numBytes, 12);
    assert.deepEqual(r.tensors, [{ name: 'leak', line: 1, dtype: 'float32', shape: [3] }]);
  });
});

describe('display', () => {
  test('display(value) in a cell sends an output for that execution, as does display from the bmnb module', async () => {
    const h = newSession();
    const r = await h.run('import { display as show } from "bmnb";\nimport * as tf from "@tensorflow/tfjs";\ndisplay({ a: 1 });\nshow("second");\ndisplay(tf.ones([2]));\n3');
    ok(r);
    assert.deepEqual(
      h.displays.map((d) => [d.executionId, d.items.map((i) => i.mime)]),
      [
        [r.executionId, [MIME.text]],
        [r.executionId, [MIME.text]],
        [r.executionId, [MIME.tensor, MIME.text]],
      ],
    );
    assert.deepEqual(h.displays.slice(0, 2).map((d) => text(d.items)), ['{ a: 1 }', 'second']);
    assert.equal(text(r.result), '3');
  });

  test('outputs go to the execution that is running when they are shown', async () => {
    const h = newSession();
    const [r1, r2] = await Promise.all([h.run('display("one");'), h.run('await null;\ndisplay("two");')]);
    assert.deepEqual(h.displays.map((d) => [d.executionId, text(d.items)]), [
      [r1.executionId, 'one'],
      [r2.executionId, 'two'],
    ]);
  });

  test('display after its cell ended goes to the last cell run (as printed text does); before any cell, nowhere', async () => {
    const h = newSession();
    h.session.display('before any cell');
    assert.equal(h.displays.length, 0);
    ok(await h.run('const later = () => display("too late");'));
    const lastId = `exec-${executions}`;
    (h.session.scope.later as () => void)();
    assert.deepEqual(
      h.displays.map((d) => [d.executionId, d.items.find((i) => i.mime === 'text/plain')?.data]),
      [[lastId, 'too late']],
    );
  });
});

describe('training (the first session of the process: tfjs\'s fit is hooked for it)', () => {
  const setup = lines(
    'import * as tf from "@tensorflow/tfjs";',
    'const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] });',
    'model.compile({ optimizer: "sgd", loss: "meanSquaredError" });',
    'const xs = tf.tensor2d([[1], [2], [3], [4]]);',
    'const ys = tf.tensor2d([[2], [4], [6], [8]]);',
  );

  test('fit shows live training curves in one output of the cell, tells training +1/-1, and is not shown again as the value', async () => {
    const h = first;
    ok(await h.run(setup));
    h.displays.length = 0;
    h.training.length = 0;
    const r = await h.run('const history = await model.fit(xs, ys, { epochs: 3, batchSize: 2 });\nhistory');
    ok(r);
    assert.deepEqual(h.training, [1, -1]);
    assert.ok(h.displays.length >= 2, `${h.displays.length} live updates`);
    const liveId = `${r.executionId}/live-1`;
    assert.ok(h.displays.every((d) => d.executionId === r.executionId && d.displayId === liveId && d.items[0]!.mime === MIME.training));
    assert.deepEqual(h.displays.map((d) => d.update), [false, ...h.displays.slice(1).map(() => true)]);
    assert.equal(r.result, undefined, 'the History was shown live');
    assert.equal((h.session.scope.history as tf.History).history.loss!.length, 3);

    h.displays.length = 0;
    const quiet = await h.run('await model.fit(xs, ys, { epochs: 1, verbose: 0 })');
    ok(quiet);
    assert.deepEqual(h.displays, [], 'verbose: 0 turns the live output off');
    assert.equal(quiet.result?.[0]?.mime, MIME.training, 'so the History is the value');
  });

  test('an interrupt during fit stops it after the current batch; the cell is interrupted and the model keeps its weights', async () => {
    const h = first;
    ok(await h.run(setup));
    h.session.scope.interruptNow = () => h.session.interrupt();
    const before = (await h.run('model.getWeights()[0].dataSync()[0]')).result;
    const r = await h.run('await model.fit(xs, ys, { epochs: 5, batchSize: 1, callbacks: { onBatchEnd: async (batch) => { if (batch === 1) interruptNow(); } } });\n"not reached"');
    assert.equal(r.status, 'interrupted');
    // Stopped after the batch it was in: 2 of the first epoch's batches ran, and no epoch is complete
    // (tfjs calls onEpochEnd for the epoch it leaves half done too).
    assert.equal(r.error?.message, 'Training was interrupted after 0 complete epoch(s) and 2 batch(es) of the next; the model keeps the weights it had learned.');
    const afterFit = (await h.run('model.getWeights()[0].dataSync()[0]')).result;
    assert.notDeepEqual(afterFit, before, 'two batches of training changed the weights');
    const next = await h.run('"goes on"');
    assert.deepEqual([next.status, text(next.result)], ['ok', 'goes on']);
  });
});
