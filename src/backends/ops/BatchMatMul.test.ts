/**
 * bmnb's wasm BatchMatMul and _FusedMatMul (transposed explicitly first; batched fused products
 * computed right) against the cpu backend: all four transpose flags, batch broadcasting, the fused
 * kernel with every activation and biases of any rank, its gradients, no leaks, and a dense
 * training step.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { batchMatMul } from './BatchMatMul';
import { fusedMatMul } from './_FusedMatMul';
import { assertClose, on, rand, sizeOf, useOps } from './testing';

/** The stored shape of an operand that reads as `logical` ([…batch, rows, cols]) after its flag. */
function stored(logical: number[], transposed: boolean): number[] {
  if (!transposed) return logical;
  const s = logical.slice();
  const r = s.length;
  [s[r - 2], s[r - 1]] = [s[r - 1], s[r - 2]];
  return s;
}

/** [a as M×K, b as K×N] pairs, with batch broadcasting. */
const CASES: Array<[number[], number[]]> = [
  [[7, 5], [5, 3]],
  [[16, 784], [784, 8]],
  [[1, 6, 4], [3, 4, 5]],
  [[3, 6, 4], [1, 4, 5]],
  [[3, 6, 4], [4, 5]],
  [[2, 3, 6, 4], [2, 3, 4, 5]],
  [[2, 1, 6, 4], [3, 4, 5]],
  [[1, 9], [9, 1]],
  // bmnb's SIMD product (one matrix by one, 4,096+ multiply-adds): rows and columns past whole
  // 4×8 blocks, an inner dimension past one 256-long tile, batch dimensions of 1.
  [[37, 129], [129, 21]],
  [[1, 130, 600], [600, 70]],
  [[64, 300], [1, 300, 9]],
];

before(() => useOps(batchMatMul, fusedMatMul));

test('a dense layer’s product runs in bmnb’s SIMD kernel, not XNNPACK’s', async () => {
  await tf.setBackend('wasm');
  const a = tf.tensor(rand(37 * 129, 7), [37, 129]);
  const b = tf.tensor(rand(129 * 21, 8), [129, 21]);
  const backend = batchMatMul.backend(tf.backend(), 'BatchMatMul');
  const out = batchMatMul.run(tf, { inputs: { a, b }, backend, attrs: { transposeA: false, transposeB: false } });
  assert.ok(out && !Array.isArray(out), 'bmnb’s op answered itself (null hands the call to the backend’s kernel)');
  const got = tf.engine().makeTensorFromTensorInfo(out);
  assert.deepEqual(got.shape, [37, 21]);
  process.env.BMNB_SIMD_PRODUCT = '0';
  try {
    assert.equal(batchMatMul.run(tf, { inputs: { a, b }, backend, attrs: { transposeA: false, transposeB: false } }), null, 'BMNB_SIMD_PRODUCT=0 leaves it to XNNPACK');
  } finally {
    delete process.env.BMNB_SIMD_PRODUCT;
  }
  tf.dispose([a, b, got]);
});

test('matMul on wasm equals cpu for all four transpose flags and broadcast batch shapes', async () => {
  let seed = 1;
  for (const [la, lb] of CASES) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        const sa = stored(la, ta);
        const sb = stored(lb, tb);
        const va = rand(sizeOf(sa), seed++);
        const vb = rand(sizeOf(sb), seed++);
        const f = () => tf.matMul(tf.tensor(va, sa), tf.tensor(vb, sb), ta, tb);
        assertClose(await on('wasm', f), await on('cpu', f), `[${sa}]${ta ? 'ᵀ' : ''}×[${sb}]${tb ? 'ᵀ' : ''}`);
      }
    }
  }
});

test('fused matMul on wasm equals cpu: every activation, all four transpose flags, batches above 1, bias of any rank', async () => {
  let seed = 100;
  // [a as M×K, b as K×N, bias shape]: batch 1 (the backend's own kernel) and batch above 1 with
  // broadcasting and biases of rank 1 to 3 (stock wasm gets these wrong, or refuses them). tfjs
  // broadcasts the bias against the product with its batch dimensions folded into one, on cpu too.
  const cases: Array<[number[], number[], number[]]> = [
    [[6, 4], [4, 5], [5]],
    [[2, 6, 4], [2, 4, 5], [5]],
    [[2, 6, 4], [2, 4, 5], [2, 1, 5]],
    [[3, 6, 4], [4, 5], [5]],
    [[1, 6, 4], [3, 4, 5], [6, 5]],
    [[2, 3, 6, 4], [2, 3, 4, 5], [6, 5]],
    [[6, 4], [4, 5], [6, 5]],
  ];
  for (const [la, lb, lbias] of cases) {
    for (const activation of ['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu', 'prelu'] as const) {
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        const sa = stored(la, ta);
        const sb = stored(lb, tb);
        const va = rand(sizeOf(sa), seed++);
        const vb = rand(sizeOf(sb), seed++);
        const vbias = rand(sizeOf(lbias), seed++);
        const valpha = rand(5, seed++);
        const f = () =>
          tf.fused.matMul({
            a: tf.tensor(va, sa),
            b: tf.tensor(vb, sb),
            transposeA: ta,
            transposeB: tb,
            bias: tf.tensor(vbias, lbias),
            activation,
            leakyreluAlpha: 0.3,
            preluActivationWeights: activation === 'prelu' ? tf.tensor1d(valpha) : undefined,
          });
        assertClose(await on('wasm', f), await on('cpu', f), `fused ${activation} [${sa}]${ta ? 'ᵀ' : ''}×[${sb}]${tb ? 'ᵀ' : ''} + bias [${lbias}]`);
      }
    }
  }
});

test('the gradients of a batched fused matMul with bias on wasm equal cpu\'s (attention-style blocks train)', async () => {
  const va = rand(2 * 6 * 4, 301);
  const vb = rand(2 * 4 * 5, 302);
  const vbias = rand(5, 303);
  for (const wrt of [0, 1, 2]) {
    const f = () => {
      const args = [tf.tensor(va, [2, 6, 4]), tf.tensor(vb, [2, 4, 5]), tf.tensor1d(vbias)];
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor) => tf.fused.matMul({ a, b, bias, activation: 'relu' }).square().sum());
      return g(args)[wrt]!;
    };
    assertClose(await on('wasm', f), await on('cpu', f), `gradient with respect to input ${wrt}`);
  }
});

test('a batched fused matMul leaves only its output on the heap', async () => {
  await tf.setBackend('wasm');
  const backend = tf.engine().backend;
  const a = tf.tensor(rand(2 * 6 * 4, 401), [2, 6, 4]);
  const b = tf.tensor(rand(2 * 4 * 5, 402), [2, 4, 5]);
  const bias = tf.tensor1d(rand(5, 403));
  const ids0 = backend.numDataIds();
  const r = tf.fused.matMul({ a, b, bias, activation: 'elu', transposeB: false });
  assert.equal(backend.numDataIds(), ids0 + 1);
  tf.dispose([r, a, b, bias]);
});

test('no tensors, bytes or wasm heap buffers leak; the engine sees one new buffer per call', async () => {
  await tf.setBackend('wasm');
  const backend = tf.engine().backend;
  const a = tf.tensor(rand(128 * 78, 7), [128, 78]);
  const b = tf.tensor(rand(128 * 16, 8), [128, 16]);
  const c = tf.tensor(rand(32 * 78, 9), [32, 78]);
  const d = tf.tensor(rand(16 * 128, 11), [16, 128]);
  const bias = tf.tensor1d(rand(16, 10));
  const mem0 = tf.memory();
  const ids0 = backend.numDataIds();
  for (const [x, y, ta, tb] of [
    [a, b, true, false],
    [c, a, false, true],
    [a, d, true, true],
    [a, a, true, false],
  ] as const) {
    const r = tf.matMul(x, y, ta, tb);
    assert.equal(tf.memory().numTensors, mem0.numTensors + 1);
    assert.equal(backend.numDataIds(), ids0 + 1, 'only the output is on the heap');
    r.dispose();
  }
  const f = tf.fused.matMul({ a, b, transposeA: true, bias, activation: 'relu' });
  assert.equal(backend.numDataIds(), ids0 + 1);
  f.dispose();
  // gradients through transposed matMuls
  const g = tf.grad((x: tf.Tensor) => tf.matMul(x, b, true, false).sum())(a);
  g.dispose();
  assert.equal(tf.memory().numTensors, mem0.numTensors);
  assert.equal(tf.memory().numBytes, mem0.numBytes);
  assert.equal(backend.numDataIds(), ids0);
  tf.dispose([a, b, c, d, bias]);
});

test('one training step of a dense 784-64-10 model gives the same loss and weights on wasm as on cpu', async () => {
  const xs = rand(32 * 784, 21);
  const labels = Array.from({ length: 32 }, (_, i) => (i * 7) % 10);
  const init: Float32Array[] = [];
  const step = async (backend: 'cpu' | 'wasm'): Promise<{ loss: number; weights: Float32Array[] }> => {
    await tf.setBackend(backend);
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [784], units: 64, activation: 'relu' }),
        tf.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    if (init.length === 0) for (const w of model.getWeights()) init.push(Float32Array.from(w.dataSync()));
    model.setWeights(model.getWeights().map((w, i) => tf.tensor(init[i], w.shape)));
    model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
    const x = tf.tensor2d(xs, [32, 784]);
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 10).toFloat();
    const before = tf.memory().numTensors;
    const loss = (await model.trainOnBatch(x, y)) as number;
    assert.equal(tf.memory().numTensors, before, `${backend}: trainOnBatch leaks`);
    const weights = model.getWeights().map((w) => Float32Array.from(w.dataSync()));
    tf.dispose([x, y]);
    model.dispose();
    return { loss, weights };
  };
  const cpu = await step('cpu');
  const wasm = await step('wasm');
  assert.ok(Math.abs(wasm.loss - cpu.loss) <= 1e-4 * Math.max(1, Math.abs(cpu.loss)), `loss ${wasm.loss} vs ${cpu.loss}`);
  for (let i = 0; i < cpu.weights.length; i++) {
    assertClose({ shape: [cpu.weights[i].length], values: wasm.weights[i] }, { shape: [cpu.weights[i].length], values: cpu.weights[i] }, `weight ${i}`);
  }
  // the step changed the weights (a useless comparison otherwise)
  assert.ok(cpu.weights[0].some((v, j) => v !== init[0][j]));
});
