/**
 * Identity and same-dtype Cast on wasm share the input's data instead of copying it: no new heap
 * buffer, the same values, and the data lives until the last tensor over it is disposed. Casts
 * that change the dtype, strings and complex numbers still convert or move as before.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { cast, identity } from './Identity';
import { rand, sameOnBoth, useOps, values, wasmDataIds } from './testing';

before(() => useOps(identity, cast));

describe('Identity and Cast without copies', () => {
  for (const [name, f] of [
    ['clone', (x: tf.Tensor) => tf.clone(x)],
    ['cast to its own dtype', (x: tf.Tensor) => tf.cast(x, x.dtype)],
  ] as const) {
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      test(`${name} of a ${dtype} tensor: no new buffer, the same values, and they outlive the input`, async () => {
        await tf.setBackend('wasm');
        const x = values([3, 5, 7], dtype, 11);
        const expected = Array.from(x.dataSync());
        const buffers = wasmDataIds();
        const y = f(x);
        assert.equal(wasmDataIds(), buffers, 'no new heap buffer');
        assert.equal(y.dtype, dtype);
        assert.deepEqual(y.shape, [3, 5, 7]);
        x.dispose();
        assert.equal(wasmDataIds(), buffers, 'the data stays while the clone holds it');
        assert.deepEqual(Array.from(y.dataSync()), expected);
        y.dispose();
        assert.equal(wasmDataIds(), buffers - 1, 'the data goes with the last tensor over it');
      });
    }
  }

  test('a clone is not changed by what happens to the variable it was taken from', async () => {
    await tf.setBackend('wasm');
    const v = tf.variable(tf.tensor1d([1, 2, 3]));
    const saved = tf.clone(v);
    v.assign(tf.tensor1d([7, 8, 9]));
    assert.deepEqual(Array.from(saved.dataSync()), [1, 2, 3]);
    assert.deepEqual(Array.from(v.dataSync()), [7, 8, 9]);
    tf.dispose([v, saved]);
  });

  test('casts that change the dtype give what cpu gives', async () => {
    const x = rand(40, 3).map((v) => v * 7);
    x.set([0, -0, NaN, 0.25, -0.5, 256, Infinity], 0);
    const ints = Int32Array.from(x, (v) => (Number.isFinite(v) ? Math.round(v) : 0));
    ints.set([256, 0, -1, 512], 0);
    await sameOnBoth(() => tf.cast(tf.tensor(x, [5, 8]), 'int32'), 'float32 → int32');
    await sameOnBoth(() => tf.cast(tf.tensor(x, [5, 8]), 'bool'), 'float32 → bool');
    await sameOnBoth(() => tf.cast(tf.tensor(ints, [40], 'int32'), 'bool'), 'int32 → bool');
    await sameOnBoth(() => tf.cast(tf.tensor(ints, [40], 'int32'), 'float32'), 'int32 → float32');
    await sameOnBoth(() => tf.cast(tf.cast(tf.tensor(ints, [40], 'int32'), 'bool'), 'int32'), 'bool → int32');
  });

  test('a cast to bool is 1 wherever the number is not 0, NaN included (stock wasm gave 3.7 → 3, 256 → 0)', async () => {
    await tf.setBackend('wasm');
    assert.deepEqual(Array.from(tf.cast(tf.tensor([3.7, -2, 256, 0, -0, NaN, 0.001]), 'bool').dataSync()), [1, 1, 1, 0, 0, 1, 1]);
    assert.deepEqual(Array.from(tf.cast(tf.tensor([256, -1, 0], [3], 'int32'), 'bool').dataSync()), [1, 1, 0]);
  });

  test('strings are still cloned', async () => {
    await tf.setBackend('wasm');
    const s = tf.tensor(['a', 'bc']);
    const c = tf.clone(s);
    s.dispose();
    assert.deepEqual(c.arraySync(), ['a', 'bc']);
    c.dispose();
  });
});
