/**
 * Hover (`session/inspect`), the variables view (`session/variables`) and what every execute
 * result says about tf.memory() and the tensors a cell declared, against the real kernel process.
 * No user code may run for a hover: getters and Proxies are counted, and the counts must not move.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KernelClient } from '../src/host/kernelClient';
import { KernelDiedError } from '../src/host/kernelClient';
import { parsePath } from '../src/session/inspect';
import type { ValueInfo } from '../src/protocol';
import { run, startKernel } from './helpers/kernel';

async function info(kernel: KernelClient, path: string, timeoutMs = 5000): Promise<ValueInfo | undefined> {
  const r = await kernel.inspect(path, timeoutMs);
  assert.ok(r, `inspect ${path} timed out`);
  return r.info;
}

async function ok(kernel: KernelClient, source: string) {
  const r = await run(kernel, source);
  assert.equal(r.status, 'ok', r.error?.stack);
  return r;
}

const quantile = (values: number[], q: number) => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.round(q * (s.length - 1)))]!;
};

test('parsePath splits identifiers, dotted paths and literal indices, and refuses anything else', () => {
  assert.deepEqual(parsePath('xTrain'), ['xTrain']);
  assert.deepEqual(parsePath('history.history.loss'), ['history', 'history', 'loss']);
  assert.deepEqual(parsePath('arr[0]'), ['arr', 0]);
  assert.deepEqual(parsePath(`m.layers[2]["a b"]?.c['d\\'e']`), ['m', 'layers', 2, 'a b', 'c', "d'e"]);
  for (const bad of ['f()', 'a + b', 'a[i]', '1abc', '', 'a.', 'a[-1]', 'a.b = 1']) assert.equal(parsePath(bad), undefined, bad);
});

describe('hover over session values', () => {
  let kernel: KernelClient;
  let backend: string;

  before(async () => {
    kernel = await startKernel();
    backend = kernel.info.backend;
    await ok(
      kernel,
      `import * as tf from '@tensorflow/tfjs';
let counter = 0;
const images = tf.zeros([600, 28, 28, 1]);
const special = tf.tensor([1, NaN, Infinity, -Infinity, 2, 3]);
const labels = tf.tensor1d([1, 2, 3], 'int32');
const weights = tf.variable(tf.ones([3]));
const huge = tf.zeros([2_100_000]);
const gone = tf.ones([2, 2]);
gone.dispose();
const obj = { a: { b: [10, 20, 30] }, 'key with space': 'spaced', get g() { counter++; return 1; } };
class Thrower { get boom(): number { counter++; throw new Error('a getter ran'); } }
const thrower = new Thrower();
const nested = { inner: thrower };
const proxy = new Proxy({ x: 1 }, {
  get() { counter++; throw new Error('get trap ran'); },
  has() { counter++; return true; },
  ownKeys() { counter++; return []; },
  getOwnPropertyDescriptor() { counter++; return undefined; },
  getPrototypeOf() { counter++; return null; },
});
const holdsProxy = { proxy, n: 1 };
class Tagged { get [Symbol.toStringTag]() { counter++; return 'T'; } static get name() { counter++; return 'N'; } }
const tagged = new Map([['t', new Tagged()]]);
const taggedObj = { t: new Tagged() };
const nums = [1, 2, 3, 4, 5, 6, 7];
const grid = [[1, 2, 3], [4, 5, 6]];
const cube = Array.from({ length: 4 }, () => Array.from({ length: 3 }, () => [0, 1]));
const ragged = [[1, 2], [3]];
const words = ['a', 'b'];
const mixed = [1, 'two', true];
const tensors = [tf.ones([2]), tf.zeros([3])];
const million = Array.from({ length: 1_000_000 }, (_, i) => [i, i + 1]);
const f32 = new Float32Array(1000);
const greeting = 'hello';
function helper(x: number) { return x * 2; }
const seq = tf.sequential({ layers: [
  tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 4, kernelSize: 3, activation: 'relu' }),
  tf.layers.flatten(),
  tf.layers.dense({ units: 10, activation: 'softmax' }),
] });
const inp = tf.input({ shape: [8] });
const branchA = tf.layers.dense({ units: 4 }).apply(inp) as tf.SymbolicTensor;
const branchB = tf.layers.dense({ units: 4, trainable: false }).apply(inp) as tf.SymbolicTensor;
const functional = tf.model({ inputs: inp, outputs: tf.layers.concatenate().apply([branchA, branchB]) as tf.SymbolicTensor });
const tiny = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] });
tiny.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
const history = await tiny.fit(tf.tensor2d([[1], [2]]), tf.tensor2d([[2], [4]]), { epochs: 3, verbose: 0 });`,
    );
  });
  after(() => kernel.shutdown());

  const counterIsZero = async () => assert.equal((await run(kernel, 'counter')).text, '0', 'user code ran during a hover');

  test('a tensor: one-line preview, dtype, shape, size, bytes, backend and statistics', async () => {
    const i = await info(kernel, 'images');
    assert.equal(i?.kind, 'tensor');
    assert.equal(i?.type, 'Tensor');
    assert.equal(i?.preview, `Tensor float32 [600, 28, 28, 1] · 1.79 MB · ${backend}`);
    assert.equal(i?.bytes, 600 * 28 * 28 * 4);
    assert.deepEqual(i?.tensor, { dtype: 'float32', shape: [600, 28, 28, 1], size: 470400, backend, stats: { min: 0, max: 0, mean: 0, nan: 0, inf: 0 } });

    const s = await info(kernel, 'special');
    assert.deepEqual(s?.tensor?.stats, { min: 1, max: 3, mean: 2, nan: 1, inf: 2 });
    const l = await info(kernel, 'labels');
    assert.equal(l?.preview, `Tensor int32 [3] · 12.00 B · ${backend}`);
    assert.deepEqual(l?.tensor?.stats, { min: 1, max: 3, mean: 2, nan: 0, inf: 0 });
    const w = await info(kernel, 'weights');
    assert.equal(w?.type, 'Variable');
    assert.equal(w?.kind, 'tensor');
  });

  test('a tensor too large to summarise in time has no statistics; a disposed one says so', async () => {
    const t0 = performance.now();
    const h = await info(kernel, 'huge');
    assert.ok(performance.now() - t0 < 300);
    assert.equal(h?.tensor?.size, 2_100_000);
    assert.equal(h?.tensor?.stats, undefined);
    const g = await info(kernel, 'gone');
    assert.equal(g?.kind, 'tensor');
    assert.equal(g?.tensor?.disposed, true);
    assert.equal(g?.tensor?.stats, undefined);
    assert.match(g!.preview, /^Tensor float32 \[2, 2\] · disposed$/);
  });

  test('a Sequential and a functional model: layers, params, trainable, input and output shapes', async () => {
    const s = await info(kernel, 'seq');
    assert.equal(s?.kind, 'model');
    assert.equal(s?.type, 'Sequential');
    // conv 3*3*1*4+4 = 40; dense 26*26*4*10+10 = 27050
    assert.deepEqual(s?.model, { className: 'Sequential', inputShapes: [[null, 28, 28, 1]], outputShapes: [[null, 10]], layers: 3, params: 27090, trainable: 27090 });
    assert.equal(s?.bytes, 27090 * 4);
    assert.equal(s?.preview, 'Sequential · 3 layers · 27,090 params (105.82 KB) · (None, 28, 28, 1) → (None, 10)');

    const f = await info(kernel, 'functional');
    assert.equal(f?.kind, 'model');
    assert.deepEqual(f?.model, { className: 'Functional', inputShapes: [[null, 8]], outputShapes: [[null, 8]], layers: 4, params: 72, trainable: 36 });

    const layers = await info(kernel, 'seq.layers');
    assert.equal(layers?.kind, 'array');
    assert.deepEqual(layers?.array, { length: 3, elementType: 'mixed' });
    assert.equal(layers?.type, '(Conv2D | Flatten | Dense)[]');
    const dense = await info(kernel, 'seq.layers[2]');
    assert.equal(dense?.type, 'Dense');
    assert.match(dense!.preview, /^Dense '.+' · \(None, 10\) · 27,050 params$/);
  });

  test('arrays: length, element type, and the shape of regular nested numeric arrays', async () => {
    assert.deepEqual((await info(kernel, 'nums'))?.array, { length: 7, elementType: 'number', shape: [7] });
    assert.equal((await info(kernel, 'nums'))?.preview, 'Array(7) [ 1, 2, 3, 4, 5, ... 2 more items ]');
    assert.equal((await info(kernel, 'nums'))?.type, 'number[]');
    assert.deepEqual((await info(kernel, 'grid'))?.array, { length: 2, elementType: 'number[]', shape: [2, 3] });
    assert.equal((await info(kernel, 'grid'))?.type, 'number[][]');
    assert.deepEqual((await info(kernel, 'cube'))?.array, { length: 4, elementType: 'number[][]', shape: [4, 3, 2] });
    assert.deepEqual((await info(kernel, 'ragged'))?.array, { length: 2, elementType: 'number[]' });
    assert.deepEqual((await info(kernel, 'words'))?.array, { length: 2, elementType: 'string' });
    const m = await info(kernel, 'mixed');
    assert.deepEqual(m?.array, { length: 3, elementType: 'mixed' });
    assert.equal(m?.type, '(number | string | boolean)[]');
    const t = await info(kernel, 'tensors');
    assert.deepEqual(t?.array, { length: 2, elementType: 'Tensor' });
    assert.equal(t?.preview, '[ Tensor float32 [2], Tensor float32 [3] ]');
    const t0 = performance.now();
    const big = await info(kernel, 'million');
    const ms = performance.now() - t0;
    assert.deepEqual(big?.array, { length: 1_000_000, elementType: 'number[]', shape: [1_000_000, 2] });
    assert.ok(ms < 100, `a million rows took ${ms} ms: they must be sampled`);
    const f = await info(kernel, 'f32');
    assert.deepEqual(f?.array, { length: 1000, elementType: 'float32', shape: [1000] });
    assert.equal(f?.bytes, 4000);
    assert.equal(f?.type, 'Float32Array');
  });

  test('nested paths: history.history.loss, obj.a.b, indices, quoted keys, tfjs getters', async () => {
    const loss = await info(kernel, 'history.history.loss');
    assert.equal(loss?.kind, 'array');
    assert.deepEqual(loss?.array, { length: 3, elementType: 'number', shape: [3] });
    assert.deepEqual((await info(kernel, 'obj.a.b'))?.array, { length: 3, elementType: 'number', shape: [3] });
    assert.equal((await info(kernel, 'obj.a.b[1]'))?.preview, '20');
    assert.equal((await info(kernel, 'nums[0]'))?.kind, 'number');
    assert.equal((await info(kernel, `obj['key with space']`))?.preview, `'spaced'`);
    assert.deepEqual((await info(kernel, 'images.shape'))?.array?.shape, [4]);
    assert.equal((await info(kernel, 'images.rank'))?.preview, '4'); // a getter of tfjs's Tensor class
    assert.equal((await info(kernel, 'greeting.length'))?.preview, '5');
    const fn = await info(kernel, 'helper');
    assert.equal(fn?.kind, 'function');
    assert.equal(fn?.preview, '[Function: helper]');
    assert.equal((await info(kernel, 'Thrower'))?.kind, 'class');
    assert.equal((await info(kernel, 'greeting'))?.bytes, 5);
  });

  test("a user's getter is named, never invoked", async () => {
    const g = await info(kernel, 'obj.g');
    assert.deepEqual(g, { name: 'obj.g', kind: 'getter', type: 'getter', preview: 'getter (not invoked)' });
    const b = await info(kernel, 'thrower.boom');
    assert.equal(b?.kind, 'getter');
    assert.equal(await info(kernel, 'thrower.boom.x'), undefined, 'a getter in the middle of a path gives no info');
    assert.equal((await info(kernel, 'obj'))?.preview, `{ a: [Object], 'key with space': 'spaced', g: [Getter] }`);
    assert.equal((await info(kernel, 'nested'))?.preview, '{ inner: [Thrower] }');
    // util.inspect would read Symbol.toStringTag and a class's name: those getters must not run either.
    const map = await info(kernel, 'tagged');
    assert.equal(map?.type, 'Map');
    assert.equal(map?.preview, `Map(1) { 't' => [Object] }`);
    assert.equal((await info(kernel, 'taggedObj'))?.kind, 'object');
    await kernel.variables();
    await counterIsZero();
  });

  test('a Proxy is not touched', async () => {
    const p = await info(kernel, 'proxy');
    assert.equal(p?.preview, 'Proxy');
    assert.equal(await info(kernel, 'proxy.x'), undefined);
    assert.equal((await info(kernel, 'holdsProxy'))?.preview, '{ proxy: [Proxy], n: 1 }');
    assert.equal((await info(kernel, 'holdsProxy.n'))?.preview, '1');
    await counterIsZero();
  });

  test('unknown names and paths that are not plain paths give no info', async () => {
    for (const path of ['nothingHere', 'obj.missing', 'obj.missing.deeper', 'nums[99]', 'helper()', 'a + b', 'greeting.nope.x']) {
      assert.equal(await info(kernel, path), undefined, path);
    }
  });

  test('variables: sorted by name, without the builtins, tensors with bytes and no statistics', async () => {
    const v = await kernel.variables();
    const names = v.variables.map((x) => x.name);
    assert.equal(v.total, names.length);
    assert.ok(!names.includes('require') && !names.includes('display'));
    assert.ok(names.includes('images') && names.includes('tf'));
    assert.deepEqual(names, [...names].sort((a, b) => a.localeCompare(b, 'en', { numeric: true, caseFirst: 'lower' })));
    const images = v.variables.find((x) => x.name === 'images')!;
    assert.equal(images.bytes, 600 * 28 * 28 * 4);
    assert.equal(images.tensor?.stats, undefined);
    assert.equal(v.variables.find((x) => x.name === 'proxy')?.preview, 'Proxy');
    await counterIsZero();
  });
});

describe('a busy kernel', () => {
  let kernel: KernelClient;

  before(async () => {
    kernel = await startKernel();
    await ok(
      kernel,
      `import * as tf from '@tensorflow/tfjs';
const xs = tf.randomNormal([768, 28, 28, 1]);
const ys = tf.oneHot(tf.randomUniform([768], 0, 10, 'int32'), 10).toFloat();
const cnn = tf.sequential({ layers: [
  tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 3, activation: 'relu' }),
  tf.layers.maxPooling2d({ poolSize: 2 }),
  tf.layers.flatten(),
  tf.layers.dense({ units: 10, activation: 'softmax' }),
] });
cnn.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
let batchesDone = 0;`,
    );
  });
  after(() => kernel.shutdown());

  test('answers a hover between the batches of `await model.fit(...)`, within the 300 ms limit', async (t) => {
    const fit = run(kernel, `await cnn.fit(xs, ys, { epochs: 3, batchSize: 16, verbose: 0, callbacks: { onBatchEnd: async () => { batchesDone++; } } });`);
    let finished = false;
    void fit.then(() => (finished = true));
    const latencies: number[] = [];
    const midFit: number[] = [];
    while (!finished && latencies.length < 25) {
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 60));
      const t0 = performance.now();
      const r = await kernel.inspect('batchesDone');
      const ms = performance.now() - t0;
      if (finished) break;
      assert.ok(r?.info, `no answer within 300 ms mid-fit (after ${latencies.length} answers)`);
      latencies.push(ms);
      midFit.push(Number(r.info.preview));
    }
    const result = await fit;
    assert.equal(result.status, 'ok', result.error?.stack);
    assert.ok(latencies.length >= 5, `only ${latencies.length} hovers landed during the fit`);
    assert.ok(midFit.some((n) => n > 0 && n < 144), `hovers saw batch counts ${midFit.join(', ')}: not mid-fit`);
    t.diagnostic(`inspect during fit: ${latencies.length} requests, median ${quantile(latencies, 0.5).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms`);
  });

  test('answers at once while a cell awaits a timer', async (t) => {
    const cell = run(kernel, 'await new Promise((r) => setTimeout(r, 1500)); 1');
    await new Promise((r) => setTimeout(r, 300));
    const t0 = performance.now();
    const r = await kernel.inspect('xs');
    const ms = performance.now() - t0;
    assert.equal(r?.info?.kind, 'tensor');
    assert.ok(ms < 100, `${ms} ms`);
    t.diagnostic(`inspect during an await: ${ms.toFixed(1)} ms`);
    assert.equal((await cell).text, '1');
  });

  test('a synchronous busy loop cannot answer: the client gives up after the timeout, and the kernel goes on', async () => {
    const cell = run(kernel, 'const until = Date.now() + 1200; while (Date.now() < until) {} "done"');
    await new Promise((r) => setTimeout(r, 200));
    const t0 = performance.now();
    const r = await kernel.inspect('xs');
    const ms = performance.now() - t0;
    assert.equal(r, undefined);
    assert.ok(ms >= 290 && ms < 600, `resolved after ${ms} ms`);
    assert.equal((await cell).text, 'done');
    assert.equal((await info(kernel, 'xs'))?.kind, 'tensor');
    assert.equal((await kernel.variables()).variables.find((v) => v.name === 'until')?.kind, 'number');
  });
});

describe('variables paging', () => {
  let kernel: KernelClient;
  before(async () => {
    kernel = await startKernel();
  });
  after(() => kernel.shutdown());

  test('1,200 variables: total 1200, pages of 500, sorted by name', async (t) => {
    const lines = Array.from({ length: 1200 }, (_, i) => `const v${i} = ${i};`);
    await ok(kernel, lines.join('\n'));
    const t0 = performance.now();
    const first = await kernel.variables();
    const ms = performance.now() - t0;
    assert.equal(first.total, 1200);
    assert.equal(first.variables.length, 500);
    assert.deepEqual(
      first.variables.slice(0, 3).map((v) => v.name),
      ['v0', 'v1', 'v2'],
    );
    const second = await kernel.variables({ start: 500, count: 500 });
    const third = await kernel.variables({ start: 1000 });
    assert.equal(second.variables.length, 500);
    assert.equal(third.variables.length, 200);
    assert.equal(third.variables.at(-1)?.name, 'v1199');
    const all = [...first.variables, ...second.variables, ...third.variables].map((v) => v.name);
    assert.equal(new Set(all).size, 1200);
    assert.deepEqual(all, Array.from({ length: 1200 }, (_, i) => `v${i}`));
    assert.deepEqual((await kernel.variables({ start: 5, count: 2 })).variables.map((v) => `${v.name}=${v.preview}`), ['v5=5', 'v6=6']);
    assert.deepEqual((await kernel.variables({ start: 5000 })).variables, []);
    t.diagnostic(`first page of 500 of 1,200 variables: ${ms.toFixed(1)} ms`);
  });
});

describe('execute results: memory and tensor bindings', () => {
  let kernel: KernelClient;
  before(async () => {
    kernel = await startKernel();
    await ok(kernel, `import * as tf from '@tensorflow/tfjs';`);
  });
  after(() => kernel.shutdown());

  test('a leaking cell: +1 tensor and +400 bytes each run; a tidy cell: 0', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await ok(kernel, 'const leak = tf.ones([100]);');
      assert.equal(r.memory?.numTensors, 1);
      assert.equal(r.memory?.numBytes, 400);
    }
    const tidy = await ok(kernel, 'tf.tidy(() => tf.ones([100]).add(1).sum().dataSync()[0])');
    assert.equal(tidy.text, '200');
    assert.deepEqual({ n: tidy.memory?.numTensors, b: tidy.memory?.numBytes }, { n: 0, b: 0 });
    const now = await kernel.memory();
    assert.deepEqual(tidy.memory?.after, now);
  });

  test('errors and interrupts report memory too', async () => {
    const failed = await run(kernel, 'const half = tf.ones([10]);\nthrow new Error("x");');
    assert.equal(failed.status, 'error');
    assert.equal(failed.memory?.numTensors, 1);
    assert.equal(failed.memory?.numBytes, 40);
    const syntax = await run(kernel, 'const = ;');
    assert.equal(syntax.status, 'error');
    assert.equal(syntax.memory?.numTensors, 0);
    const cell = run(kernel, 'const kept = tf.zeros([5]);\nawait new Promise((r) => setTimeout(r, 10_000));');
    await new Promise((r) => setTimeout(r, 300));
    kernel.interrupt();
    const interrupted = await cell;
    assert.equal(interrupted.status, 'interrupted');
    assert.equal(interrupted.memory?.numTensors, 1);
    assert.deepEqual(interrupted.tensors, [{ name: 'kept', line: 0, dtype: 'float32', shape: [5] }]);
  });

  test('tensors: the bindings a cell declared that hold a tensor, with their 0-based lines', async () => {
    const r = await ok(
      kernel,
      `// a comment line
const a: tf.Tensor = tf.ones([2, 3]),
  notTensor = 5,
  b = tf.zeros([4], 'int32');
interface Unused { x: number }
const { c, d: [e] } = {
  c: tf.scalar(1),
  d: [tf.ones([1, 1])],
};
let later;
var f = tf.tensor([true], [1], 'bool');`,
    );
    assert.deepEqual(r.tensors, [
      { name: 'a', line: 1, dtype: 'float32', shape: [2, 3] },
      { name: 'b', line: 3, dtype: 'int32', shape: [4] },
      { name: 'c', line: 5, dtype: 'float32', shape: [] },
      { name: 'e', line: 5, dtype: 'float32', shape: [1, 1] },
      { name: 'f', line: 10, dtype: 'bool', shape: [1] },
    ]);
    assert.deepEqual((await ok(kernel, '1 + 1')).tensors, []);
  });
});

test('inspect and variables reject when the kernel is dead, with why', async () => {
  const kernel = await startKernel();
  kernel.kill();
  await new Promise<void>((resolve) => kernel.onExit(() => resolve()));
  await assert.rejects(kernel.inspect('x'), KernelDiedError);
  await assert.rejects(kernel.variables(), KernelDiedError);
});
