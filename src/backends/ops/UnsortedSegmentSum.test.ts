/** bmnb's wasm UnsortedSegmentSum (tfjs-backend-wasm lacks it; the gradient of gather) gives the cpu backend's answers. */
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { unsortedSegmentSum } from './UnsortedSegmentSum';
import { assertClose, compareKernel, on, rand, useOps } from './testing';

before(() => useOps(unsortedSegmentSum));

describe('UnsortedSegmentSum matches cpu', () => {
  test('1-D ids with out-of-range ids dropped', async () => {
    await compareKernel(
      'UnsortedSegmentSum',
      {
        x: { shape: [6, 4], values: rand(24, 80) },
        segmentIds: { shape: [6], values: Int32Array.from([0, 2, 0, 5, 1, -1]), dtype: 'int32' },
      },
      { numSegments: 4 },
      '[6,4]',
    );
  });
  test('rank-3 x', async () => {
    await compareKernel(
      'UnsortedSegmentSum',
      {
        x: { shape: [5, 2, 3], values: rand(30, 81) },
        segmentIds: { shape: [5], values: Int32Array.from([2, 0, 2, 2, 1]), dtype: 'int32' },
      },
      { numSegments: 3 },
      '[5,2,3]',
    );
  });
  test('gather gradient (embedding lookups) matches cpu', async () => {
    const table = rand(10 * 4, 82);
    const grad = () => {
      const idx = tf.tensor2d([1, 3, 3, 9, 0, 1, 1, 1], [2, 4], 'int32');
      return tf.grad((t: tf.Tensor) => tf.gather(t, idx).square().sum())(tf.tensor2d(table, [10, 4]));
    };
    assertClose(await on('wasm', grad), await on('cpu', grad), 'gather grad');
  });
});
