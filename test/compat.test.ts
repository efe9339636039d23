/**
 * Code written for TensorFlow.js, run as cells on the default backend and on cpu, side by side in
 * two real kernels: the results must agree. Snippets of the kinds people bring from tfjs's docs,
 * tests and examples (our own code): models that train (dense, conv, recurrent, embeddings with
 * masking, batch norm, every optimizer), ops the default backend lacks or got wrong, checks against
 * values computed by hand, and models saved with file:// on one backend and loaded on the other.
 *
 * Each snippet's last expression is `JSON.stringify(...)` of numbers; they are compared within a
 * tolerance relative to their size.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KernelClient } from '../src/host/kernelClient';
import { run, startKernel, tempDir } from './helpers/kernel';

type Json = number | Json[] | { [k: string]: Json };

function flatten(x: Json, out: number[] = []): number[] {
  if (typeof x === 'number') out.push(x);
  else if (Array.isArray(x)) for (const v of x) flatten(v, out);
  else for (const k of Object.keys(x).sort()) flatten(x[k]!, out);
  return out;
}

function assertAgree(actual: Json, expected: Json, what: string, rtol = 1e-4): void {
  const a = flatten(actual);
  const e = flatten(expected);
  assert.equal(a.length, e.length, `${what}: ${a.length} numbers against ${e.length}`);
  const scale = Math.max(1, ...e.map(Math.abs));
  for (let i = 0; i < a.length; i++) {
    const ok = Number.isNaN(e[i]!) ? Number.isNaN(a[i]!) : Math.abs(a[i]! - e[i]!) <= rtol * scale;
    assert.ok(ok, `${what}: element ${i} is ${a[i]} on the default backend, ${e[i]} on cpu`);
  }
}

const HEADER = "import * as tf from '@tensorflow/tfjs';\n";

/** Snippets: [what, source]. Each sets the seed it needs so both kernels compute the same thing. */
const SNIPPETS: [string, string][] = [
  [
    'a dense regression model trains (sgd, mse)',
    `const xs = tf.linspace(-1, 1, 64).reshape([64, 1]);
const ys = xs.mul(3).add(0.5).add(tf.randomNormal([64, 1], 0, 0.05, 'float32', 3));
const m = tf.sequential({ layers: [tf.layers.dense({ units: 8, inputShape: [1], activation: 'tanh', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }), tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) })] });
m.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
const h = await m.fit(xs, ys, { epochs: 5, batchSize: 16, shuffle: false, verbose: 0 });
JSON.stringify({ loss: h.history.loss, pred: Array.from((m.predict(tf.tensor2d([[0.25]])) as tf.Tensor).dataSync()) })`,
  ],
  [
    'a CNN with batch norm and dropout off trains (adam, categorical cross-entropy)',
    `const x = tf.randomUniform([16, 10, 10, 1], 0, 1, 'float32', 5);
const y = tf.oneHot(tf.tensor1d([0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0], 'int32'), 3).toFloat();
const init = (s: number) => tf.initializers.glorotUniform({ seed: s });
const m = tf.sequential({ layers: [
  tf.layers.conv2d({ inputShape: [10, 10, 1], filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: init(1) }),
  tf.layers.batchNormalization(),
  tf.layers.maxPooling2d({ poolSize: 2 }),
  tf.layers.depthwiseConv2d({ kernelSize: 2, depthMultiplier: 2, depthwiseInitializer: init(2) }),
  tf.layers.flatten(),
  tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(3) })] });
m.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
const h = await m.fit(x, y, { epochs: 3, batchSize: 8, shuffle: false, verbose: 0 });
JSON.stringify({ loss: h.history.loss, acc: h.history.acc })`,
  ],
  [
    'LSTM, GRU and SimpleRNN layers train on a sequence task',
    `const x = tf.randomNormal([8, 5, 3], 0, 1, 'float32', 7);
const y = tf.randomNormal([8, 2], 0, 1, 'float32', 8);
const out: number[][] = [];
for (const [i, layer] of [tf.layers.lstm, tf.layers.gru, tf.layers.simpleRNN].entries()) {
  const m = tf.sequential({ layers: [layer({ units: 4, inputShape: [5, 3], kernelInitializer: tf.initializers.glorotUniform({ seed: 10 + i }), recurrentInitializer: tf.initializers.orthogonal({ seed: 20 + i }) }), tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: 30 + i }) })] });
  m.compile({ optimizer: tf.train.rmsprop(0.01), loss: 'meanSquaredError' });
  const h = await m.fit(x, y, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
  out.push(h.history.loss as number[]);
}
JSON.stringify(out)`,
  ],
  [
    'an embedding with masking feeds an LSTM (padded sequences are skipped)',
    `const ids = tf.tensor2d([[1, 2, 3, 0, 0], [4, 5, 0, 0, 0], [6, 7, 8, 9, 1], [2, 0, 0, 0, 0]], [4, 5], 'int32');
const m = tf.sequential({ layers: [
  tf.layers.embedding({ inputDim: 10, outputDim: 4, maskZero: true, inputLength: 5, embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.1, maxval: 0.1, seed: 4 }) }),
  tf.layers.lstm({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }), recurrentInitializer: tf.initializers.orthogonal({ seed: 6 }) }),
  tf.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: 7 }) })] });
m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy' });
const h = await m.fit(ids, tf.tensor2d([[1], [0], [1], [0]]), { epochs: 3, verbose: 0 });
// The same sequence with more padding gives the same prediction (the mask works).
const p = (m.predict(tf.tensor2d([[2, 0, 0, 0, 0], [2, 0, 0, 0, 0]], [2, 5], 'int32')) as tf.Tensor).dataSync();
JSON.stringify({ loss: h.history.loss, p: Array.from(p) })`,
  ],
  [
    'every optimizer takes the same steps',
    `const opts = { sgd: tf.train.sgd(0.1), momentum: tf.train.momentum(0.1, 0.9, true), adam: tf.train.adam(0.05), adamax: tf.train.adamax(0.05), adagrad: tf.train.adagrad(0.1), adadelta: tf.train.adadelta(1), rmsprop: tf.train.rmsprop(0.05, 0.9, 0.5, 1e-7, true) };
const out: Record<string, number[]> = {};
for (const [name, opt] of Object.entries(opts)) {
  const w = tf.variable(tf.tensor1d([1.5, -2, 0.5]));
  for (let i = 0; i < 4; i++) opt.minimize(() => w.sub(tf.tensor1d([0.2, 0.1, -0.3])).square().sum().add(w.abs().sum().mul(0.01)) as tf.Scalar);
  out[name] = Array.from(w.dataSync());
}
JSON.stringify(out)`,
  ],
  [
    'every built-in loss and its gradient',
    `const yt = tf.tensor2d([[0, 1, 0], [1, 0, 0]]);
const yp = tf.tensor2d([[0.2, 0.7, 0.1], [0.6, 0.3, 0.1]]);
const fns = [tf.losses.absoluteDifference, tf.losses.meanSquaredError, tf.losses.cosineDistance, tf.losses.hingeLoss, tf.losses.huberLoss, tf.losses.logLoss, tf.losses.sigmoidCrossEntropy, tf.losses.softmaxCrossEntropy];
const out = fns.map((f, i) => {
  const loss = (p: tf.Tensor) => (i === 2 ? tf.losses.cosineDistance(yt, p, 1) : (f as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor)(yt, p)) as tf.Scalar;
  const { value, grad } = tf.valueAndGrad(loss)(yp);
  return [value.dataSync()[0], ...Array.from(grad.dataSync())];
});
JSON.stringify(out)`,
  ],
  [
    'ops the default backend lacks: einsum, complex numbers, FFTs and an STFT',
    `const a = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 11);
const b = tf.randomNormal([2, 4, 5], 0, 1, 'float32', 12);
const e = tf.einsum('bij,bjk->bik', a, b);
const t = tf.einsum('ij,ij->', tf.randomNormal([4, 4], 0, 1, 'float32', 13), tf.eye(4));
const c = tf.complex(tf.tensor1d([1, 2, 3, 4, 5]), tf.tensor1d([0, -1, 0.5, 2, 0]));
const f = tf.spectral.fft(c);
const r = tf.spectral.rfft(tf.sin(tf.linspace(0, 6, 16)));
const s = tf.signal.stft(tf.sin(tf.linspace(0, 40, 256)), 64, 32);
JSON.stringify({ e: Array.from(e.dataSync()), t: t.dataSync()[0], f: [Array.from(tf.real(f).dataSync()), Array.from(tf.imag(f).dataSync())], r: Array.from(tf.abs(r).dataSync()), s: Array.from(tf.abs(s).dataSync()), sShape: s.shape })`,
  ],
  [
    'batched fused matMul with bias and activation (attention blocks, converted graph models)',
    `const a = tf.randomNormal([2, 6, 4], 0, 1, 'float32', 21);
const b = tf.randomNormal([2, 4, 5], 0, 1, 'float32', 22);
const bias = tf.randomNormal([5], 0, 1, 'float32', 23);
const r = tf.fused.matMul({ a, b, bias, activation: 'relu' });
const rT = tf.fused.matMul({ a, b: tf.transpose(b, [0, 2, 1]), transposeB: true, bias, activation: 'elu' });
JSON.stringify([Array.from(r.dataSync()), Array.from(rT.dataSync())])`,
  ],
  [
    'values computed by hand: softmax, log-softmax, a dense layer with set weights, categorical cross-entropy',
    `const softmax = Array.from(tf.softmax(tf.tensor1d([1, 2, 3])).dataSync());
const dense = tf.layers.dense({ units: 2, inputShape: [3], weights: [tf.tensor2d([[1, 0], [0, 1], [1, 1]]), tf.tensor1d([0.5, -0.5])] });
const out = Array.from((dense.apply(tf.tensor2d([[1, 2, 3]])) as tf.Tensor).dataSync());
const cce = tf.metrics.categoricalCrossentropy(tf.tensor2d([[0, 1]]), tf.tensor2d([[0.25, 0.75]])).dataSync()[0];
JSON.stringify({ softmax, logSoftmax: Array.from(tf.logSoftmax(tf.tensor1d([1, 2, 3])).dataSync()), out, cce })`,
  ],
];

/** What the hand-computed snippet must give (the same on both backends). */
const BY_HAND = {
  softmax: [0.09003057, 0.24472847, 0.66524096],
  logSoftmax: [-2.40760596, -1.40760596, -0.40760596],
  out: [4.5, 4.5],
  cce: -Math.log(0.75),
};

describe('tfjs code on the default backend agrees with cpu', () => {
  let main: KernelClient;
  let cpu: KernelClient;
  const dir = tempDir();
  before(async () => {
    [main, cpu] = await Promise.all([startKernel({ notebookDir: dir }), startKernel({ notebookDir: dir, backend: 'cpu' })]);
    assert.equal(cpu.info.backend, 'cpu');
    assert.notEqual(main.info.backend, 'cpu', 'the default backend is another one');
  });
  after(async () => {
    await Promise.all([main?.shutdown(), cpu?.shutdown()]);
  });

  for (const [what, source] of SNIPPETS) {
    test(what, async () => {
      const [a, b] = await Promise.all([run(main, HEADER + source), run(cpu, HEADER + source)]);
      assert.equal(a.status, 'ok', `${main.info.backend}: ${a.error?.stack}`);
      assert.equal(b.status, 'ok', `cpu: ${b.error?.stack}`);
      const ja = JSON.parse(a.text!) as Json;
      const jb = JSON.parse(b.text!) as Json;
      assertAgree(ja, jb, what);
      if (what.startsWith('values computed by hand')) assertAgree(jb, BY_HAND as unknown as Json, 'cpu against the values by hand', 1e-6);
    });
  }

  test('a model saved with file:// on one backend loads on the other and predicts the same', async () => {
    const train = `${HEADER}const m = tf.sequential({ layers: [tf.layers.dense({ units: 4, inputShape: [3], activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }), tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) })] });
m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
await m.fit(tf.randomNormal([32, 3], 0, 1, 'float32', 3), tf.oneHot(tf.tensor1d(Array.from({ length: 32 }, (_, i) => i % 2), 'int32'), 2).toFloat(), { epochs: 2, verbose: 0 });
await m.save('file://models/compat');
JSON.stringify(Array.from((m.predict(tf.tensor2d([[0.1, -0.2, 0.3]])) as tf.Tensor).dataSync()))`;
    const saved = await run(main, train);
    assert.equal(saved.status, 'ok', saved.error?.stack);
    const load = `${HEADER}const back = await tf.loadLayersModel('file://models/compat/model.json');
JSON.stringify(Array.from((back.predict(tf.tensor2d([[0.1, -0.2, 0.3]])) as tf.Tensor).dataSync()))`;
    const [onCpu, onMain] = await Promise.all([run(cpu, load), run(main, load)]);
    assert.equal(onCpu.status, 'ok', onCpu.error?.stack);
    assert.deepEqual(JSON.parse(onMain.text!), JSON.parse(saved.text!), 'loaded on the same backend: the same numbers exactly');
    assertAgree(JSON.parse(onCpu.text!) as Json, JSON.parse(saved.text!) as Json, 'loaded on cpu');
  });
});
