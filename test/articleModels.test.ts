/**
 * Every article's model trains on `auto` (wasm here: its missing conv gradients are registered
 * by the kernel), one short fit each, in a real kernel process.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KernelClient } from '../src/host/kernelClient';
import { run, startKernel } from './helpers/kernel';

const conv = (filters: number, inputShape?: string) =>
  `tf.layers.conv2d({ filters: ${filters}, kernelSize: 3, activation: 'relu'${inputShape ? `, inputShape: ${inputShape}` : ''} })`;
const pool = "tf.layers.maxPooling2d({ poolSize: 2 })";
const dense = (units: number, activation?: string, inputShape?: string) =>
  `tf.layers.dense({ units: ${units}${activation ? `, activation: '${activation}'` : ''}${inputShape ? `, inputShape: ${inputShape}` : ''} })`;

const MODELS: Record<string, { layers: string[]; input: number[]; loss: string; logits?: boolean }> = {
  '000 CIFAR-10 CNN': {
    layers: [conv(32, '[32, 32, 3]'), pool, conv(64), pool, conv(64), 'tf.layers.flatten()', dense(64, 'relu'), dense(10, 'softmax')],
    input: [32, 32, 3],
    loss: 'sparseCategoricalCrossentropy',
  },
  '001 CIFAR-10 small CNN': {
    layers: [conv(32, '[32, 32, 3]'), pool, 'tf.layers.flatten()', dense(64, 'relu'), dense(10, 'softmax')],
    input: [32, 32, 3],
    loss: 'sparseCategoricalCrossentropy',
  },
  '002 MNIST CNN': {
    layers: [conv(32, '[28, 28, 1]'), pool, conv(64), pool, conv(64), 'tf.layers.flatten()', dense(64, 'relu'), dense(10, 'softmax')],
    input: [28, 28, 1],
    loss: 'sparseCategoricalCrossentropy',
  },
  '003 MNIST dense 784-64-10': {
    layers: [dense(64, 'relu', '[784]'), dense(10)],
    input: [784],
    loss: 'logits',
  },
  '004 MNIST conv32-pool-dense128': {
    layers: [conv(32, '[28, 28, 1]'), pool, 'tf.layers.flatten()', dense(128, 'relu'), dense(10, 'softmax')],
    input: [28, 28, 1],
    loss: 'categoricalCrossentropy',
  },
};

describe('the article models train on auto', () => {
  let kernel: KernelClient;
  before(async () => {
    kernel = await startKernel();
    const setup = await run(kernel, "import * as tf from '@tensorflow/tfjs';\ntf.getBackend()");
    assert.equal(setup.text, 'wasm');
  });
  after(() => kernel.shutdown());

  for (const [name, m] of Object.entries(MODELS)) {
    test(name, async () => {
      const loss =
        m.loss === 'logits'
          ? '(yTrue: tf.Tensor, yPred: tf.Tensor) => tf.losses.softmaxCrossEntropy(yTrue, yPred)'
          : `'${m.loss}'`;
      const labels = m.loss === 'categoricalCrossentropy' || m.loss === 'logits' ? 'tf.oneHot(tf.randomUniform([64], 0, 10, "int32"), 10)' : 'tf.randomUniform([64, 1], 0, 10, "int32").toFloat()';
      const r = await run(
        kernel,
        [
          `const m = tf.sequential({ layers: [${m.layers.join(', ')}] });`,
          `m.compile({ optimizer: 'adam', loss: ${loss} });`,
          `const x = tf.randomUniform([64, ${m.input.join(', ')}]);`,
          `const y = ${labels};`,
          "await m.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0 }); // creates the optimizer's state",
          'const before = tf.memory().numTensors;',
          'const h = await m.fit(x, y, { epochs: 2, batchSize: 32, verbose: 0 });',
          'const losses = h.history.loss as number[];',
          'JSON.stringify({ finite: losses.every(Number.isFinite), epochs: losses.length, leaked: tf.memory().numTensors - before })',
        ].join('\n'),
      );
      assert.equal(r.status, 'ok', r.error?.stack);
      assert.deepEqual(JSON.parse(r.text!), { finite: true, epochs: 2, leaked: 0 });
    });
  }
});
