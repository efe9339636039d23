/** bmnb's faster wasm GatherV2 gives the cpu backend's answers for every axis, batchDims and dtype, rejects bad indices with tfjs's message, allocates one buffer per call, and keeps model.fit training. */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { gatherV2 } from './GatherV2';
import { rand, sameOnBoth, useOps, values, leavesOneBufferEach, type DType } from './testing';

before(() => useOps(gatherV2));

describe('GatherV2 matches cpu', () => {
  const cases: Array<{ shape: number[]; ids: number[]; idsShape?: number[]; axis: number; batchDims?: number; dtype?: DType }> = [
    { shape: [600, 784], ids: [5, 599, 0, 5, 17, 300], axis: 0 }, // fit's batch rows
    { shape: [100, 28, 28, 1], ids: Array.from({ length: 32 }, (_, i) => (i * 37) % 100), axis: 0 },
    { shape: [50, 10], ids: [3, 1, 4, 1, 5, 9, 2, 6], axis: 0, dtype: 'int32' },
    { shape: [4, 9, 3], ids: [8, 0, 4], axis: 1, dtype: 'bool' },
    { shape: [4, 9, 3], ids: [2, 0, 1, 1], idsShape: [2, 2], axis: 2 },
    { shape: [1000, 16], ids: [[1, 2], [3, 999], [0, 0]].flat(), idsShape: [3, 2], axis: 0 }, // an embedding lookup
    { shape: [3, 5, 4], ids: [4, 0, 1, 3, 2, 2], idsShape: [3, 2], axis: 1, batchDims: 1 },
    { shape: [2, 3, 6, 5], ids: [5, 0, 1, 2, 3, 4, 0, 0], idsShape: [2, 4], axis: 2, batchDims: 1 },
    { shape: [7], ids: [6, 0, 3], axis: 0 },
    { shape: [5, 3], ids: [], axis: 0 }, // no indices
  ];
  for (const [i, c] of cases.entries()) {
    test(`[${c.shape}] ${c.ids.length} indices, axis ${c.axis}, batchDims ${c.batchDims ?? 0} ${c.dtype ?? 'float32'}`, async () => {
      await sameOnBoth(
        () => tf.gather(values(c.shape, c.dtype ?? 'float32', 30 + i), tf.tensor(c.ids, c.idsShape ?? [c.ids.length], 'int32'), c.axis, c.batchDims),
        'gather',
      );
    });
  }

  test('an index out of range is an error that names it and the range', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([10, 3]);
    assert.throws(() => tf.gather(x, tf.tensor1d([2, 10], 'int32')), /GatherV2: the index value 10 is not in \[0, 9\]/);
    assert.throws(() => tf.gather(x, tf.tensor1d([-1], 'int32')), /the index value -1 is not in \[0, 9\]/);
    x.dispose();
  });
});

describe('on the wasm heap', () => {
  test('each call leaves exactly one new buffer (its output) and no tensor behind', async () => {
    await tf.setBackend('wasm');
    const x = values([64, 12, 12, 3], 'float32', 7);
    const ids = tf.tensor1d([1, 5, 63], 'int32');
    const cols = tf.tensor1d([0, 11], 'int32');
    leavesOneBufferEach([() => tf.gather(x, ids), () => tf.gather(x, cols, 2)]);
    tf.dispose([x, ids, cols]);
  });

  test('model.fit with shuffling (a gather per batch) still learns', async () => {
    await tf.setBackend('wasm');
    const xs = tf.tensor(rand(512 * 8, 5), [512, 8]);
    const ys = xs.sum(1, true).greater(0).toFloat();
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [8], units: 1, activation: 'sigmoid' })] });
    model.compile({ optimizer: tf.train.adam(0.05), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const h = await model.fit(xs, ys, { epochs: 15, batchSize: 32, shuffle: true, verbose: 0 });
    const acc = h.history.acc as number[];
    assert.ok(acc[acc.length - 1] > 0.9, `accuracy after 15 epochs: ${acc[acc.length - 1]}`);
    tf.dispose([xs, ys]);
    model.dispose();
  });
});
