/** bmnb's SIMD bias Add ([..., C] + [C]) gives exactly the cpu backend's sums; other adds stay the backend's. */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { simdBuilt } from '../simd';
import { add } from './Add';
import { leavesOneBufferEach, rand, sameOnBoth, sizeOf, useOps } from './testing';

before(() => useOps(add));

describe('Add of a bias matches cpu exactly', () => {
  test('the SIMD module is built', () => {
    assert.ok(simdBuilt(), 'dist/simd.wasm is built (npm run build; it needs clang and lld: bash scripts/simd-setup.sh)');
  });

  const cases: Array<[number[], number[]]> = [
    [[8, 26, 26, 32], [32]], // a conv's bias
    [[128, 10], [10]], // a dense layer's
    [[3, 5, 7], [7]], // channels not a multiple of 4
    [[7], [4, 7]], // the bias first
    [[6, 5], [6, 5]], // same shapes: the backend's own kernel
    [[6, 5], []], // a scalar: the backend's own kernel
    [[6, 5], [6, 1]], // a column: the backend's own kernel
  ];
  for (const [i, [a, b]] of cases.entries()) {
    test(`[${a}] + [${b}]`, async () => {
      const av = rand(sizeOf(a), 50 + i);
      const bv = rand(sizeOf(b), 70 + i);
      await sameOnBoth(() => tf.add(tf.tensor(av, a), tf.tensor(bv, b)), `[${a}] + [${b}]`);
    });
  }

  test('a bias is added by bmnb’s kernel, other shapes are left to the backend’s', async () => {
    await tf.setBackend('wasm');
    const backend = add.backend(tf.backend(), 'Add');
    const x = tf.tensor(rand(4 * 6, 8), [4, 6]);
    const b = tf.tensor(rand(6, 9), [6]);
    const out = add.run(tf, { inputs: { a: x, b }, backend, attrs: {} });
    assert.ok(out && !Array.isArray(out), 'bmnb’s kernel answered');
    const got = tf.engine().makeTensorFromTensorInfo(out);
    assert.deepEqual(Array.from(got.dataSync()), Array.from(tf.add(x, b).dataSync()));
    assert.equal(add.run(tf, { inputs: { a: x, b: x }, backend, attrs: {} }), null);
    tf.dispose([x, b, got]);
  });

  test('infinities and NaN add as on cpu, and each call leaves one buffer', async () => {
    await sameOnBoth(() => tf.add(tf.tensor([[1, Infinity, -Infinity, NaN, 2]]), tf.tensor([Infinity, 1, Infinity, 3, -2])), 'specials');
    await tf.setBackend('wasm');
    const x = tf.tensor(rand(64 * 9, 3), [64, 9]);
    const b = tf.tensor(rand(9, 4), [9]);
    leavesOneBufferEach([() => tf.add(x, b), () => tf.add(b, x)]);
    tf.dispose([x, b]);
  });
});
