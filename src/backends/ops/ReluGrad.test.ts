/**
 * Relu's gradient on wasm through bmnb's one-pass kernel gives exactly what tfjs's own gradient
 * gives on cpu (mul(dy, cast(step(x)))), NaN, infinities, zeros and -0 included; a gradient of the
 * gradient works; other backends and dtypes keep tfjs's gradient.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { simdBuilt } from '../simd';
import { RELU_GRAD, registerReluGradient, reluGrad } from './ReluGrad';
import { rand, useOps } from './testing';

before(async () => {
  await useOps(reluGrad);
  assert.ok(registerReluGradient(tf));
});

/** The gradient of sum(relu(x) · w) with respect to x (dy = w), as bits, on a backend, and which kernels ran. */
async function gradOn(backend: 'cpu' | 'wasm', x: Float32Array, w: Float32Array): Promise<{ bits: Uint32Array; kernels: string[] }> {
  await tf.setBackend(backend);
  const kernels: string[] = [];
  const xs = tf.tensor(x);
  const ws = tf.tensor(w);
  const profile = await tf.profile(() => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.relu(t), ws)))(xs));
  for (const k of profile.kernels) kernels.push(k.name);
  const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.relu(t), ws)))(xs);
  const bits = new Uint32Array(Float32Array.from(g.dataSync()).buffer);
  tf.dispose([xs, ws, g]);
  return { bits, kernels };
}

describe('Relu gradient in one pass', () => {
  test('the SIMD module is built', () => {
    assert.ok(simdBuilt(), 'dist/simd.wasm is built (npm run build; it needs clang and lld: bash scripts/simd-setup.sh)');
  });

  // 4099: whole vectors and a tail; the specials at both.
  const n = 4099;
  const x = rand(n, 5);
  const w = rand(n, 6);
  const specials: Array<[number, number]> = [[NaN, 1], [0, -2], [-0, 3], [Infinity, 2], [-Infinity, 2], [1, Infinity], [-1, Infinity], [-1, NaN], [2, -0], [-3, -5]];
  specials.forEach(([xv, wv], i) => {
    x[i] = xv;
    w[i] = wv;
    x[n - 1 - i] = xv;
    w[n - 1 - i] = wv;
  });

  test('bit for bit what tfjs’s gradient gives on cpu, through BmnbReluGrad instead of Step, Cast and Multiply', async () => {
    const cpu = await gradOn('cpu', x, w);
    const wasm = await gradOn('wasm', x, w);
    assert.ok(wasm.kernels.includes(RELU_GRAD), `kernels on wasm: ${wasm.kernels.join(', ')}`);
    assert.ok(!wasm.kernels.includes('Step'), 'no Step on wasm');
    assert.ok(cpu.kernels.includes('Step') && !cpu.kernels.includes(RELU_GRAD), 'cpu keeps tfjs’s gradient');
    for (let i = 0; i < n; i++) assert.equal(wasm.bits[i], cpu.bits[i], `element ${i}: x ${x[i]}, dy ${w[i]}`);
    assert.ok(cpu.bits.some((b) => b !== 0), 'the reference is not all zeros');
  });

  test('a gradient of the gradient gives what cpu gives', async () => {
    // inner(t) = relu'(t) · t² = step(t) · t² (dy = t², x = a new tensor equal to t), so
    // d/dt sum(inner(t)) = 2t · step(t): through dy; relu'' is 0.
    const f = () => {
      const t = tf.tensor([-2, -0.5, 0.5, 2]);
      const inner = (u: tf.Tensor) => tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.relu(v), tf.square(u))))(tf.add(u, 0));
      return tf.grad((u: tf.Tensor) => tf.sum(inner(u)))(t);
    };
    await tf.setBackend('cpu');
    const expected = Array.from(f().dataSync());
    await tf.setBackend('wasm');
    assert.deepEqual(Array.from(f().dataSync()), expected);
    assert.deepEqual(expected.map((v) => v + 0), [0, 0, 1, 4]);
  });

  test('int32 input keeps tfjs’s gradient', async () => {
    await tf.setBackend('wasm');
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.relu(t)))(tf.tensor([-1, 2], [2], 'int32'));
    assert.deepEqual(Array.from(g.dataSync()), [0, 1]);
  });

  test('a model trains the same on wasm as on cpu (the weights after 3 steps)', async () => {
    const train = async (backend: 'cpu' | 'wasm') => {
      await tf.setBackend(backend);
      const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [6], units: 8, activation: 'relu', kernelInitializer: 'ones', biasInitializer: 'zeros' }), tf.layers.dense({ units: 1, kernelInitializer: 'ones' })] });
      model.compile({ optimizer: tf.train.sgd(0.01), loss: 'meanSquaredError' });
      const xs = tf.tensor(rand(60, 9), [10, 6]);
      const ys = tf.tensor(rand(10, 10), [10, 1]);
      for (let i = 0; i < 3; i++) await model.trainOnBatch(xs, ys);
      const weights = Array.from(model.getWeights()[0]!.dataSync());
      model.dispose();
      tf.dispose([xs, ys]);
      return weights;
    };
    const cpu = await train('cpu');
    const wasm = await train('wasm');
    for (let i = 0; i < cpu.length; i++) assert.ok(Math.abs(cpu[i]! - wasm[i]!) < 1e-5, `weight ${i}: ${wasm[i]} vs ${cpu[i]}`);
    assert.ok(cpu.some((v) => v !== 1), 'training moved the weights');
  });
});
