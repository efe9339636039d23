/**
 * Every article's model trains on `auto` (wasm here: its missing conv gradients are registered
 * by the kernel), one short fit each, in a real kernel process.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KernelClient } from '../src/host/kernelClient';
import { run, startKernel } from './helpers/kernel';
import { ARTICLE_MODELS, lossCode, oneHotLabels } from './helpers/articleModels';

describe('the article models train on auto', () => {
  let kernel: KernelClient;
  before(async () => {
    kernel = await startKernel();
    const setup = await run(kernel, "import * as tf from '@tensorflow/tfjs';\ntf.getBackend()");
    assert.equal(setup.text, 'wasm');
  });
  after(() => kernel.shutdown());

  for (const [name, m] of Object.entries(ARTICLE_MODELS)) {
    test(name, async () => {
      const loss = lossCode(m);
      const labels = oneHotLabels(m) ? 'tf.oneHot(tf.randomUniform([64], 0, 10, "int32"), 10)' : 'tf.randomUniform([64, 1], 0, 10, "int32").toFloat()';
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
