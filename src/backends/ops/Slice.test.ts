/** bmnb's faster wasm Slice gives the cpu backend's answers for every rank and dtype, allocates one buffer per call, and reads right after the heap grows. */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { slice } from './Slice';
import { sameOnBoth, useOps, values, leavesOneBufferEach, type DType } from './testing';

before(() => useOps(slice));

describe('Slice matches cpu', () => {
  const cases: Array<{ shape: number[]; begin: number[]; size: number[]; dtype?: DType }> = [
    { shape: [600, 28, 28, 1], begin: [128, 0, 0, 0], size: [128, -1, -1, -1] }, // a batch of MNIST rows: contiguous
    { shape: [50], begin: [7], size: [20], dtype: 'int32' },
    { shape: [6, 40], begin: [1, 3], size: [4, 30] }, // runs of 30: set()
    { shape: [6, 40], begin: [2, 5], size: [3, 4], dtype: 'int32' }, // runs of 4: loop
    { shape: [4, 5, 6], begin: [1, 2, 1], size: [2, 3, 5], dtype: 'bool' },
    { shape: [3, 7, 9, 20], begin: [1, 2, 3, 0], size: [2, 4, 5, 20] }, // whole last axis, not contiguous above it
    { shape: [3, 7, 9, 20], begin: [0, 0, 0, 17], size: [-1, -1, -1, 3] },
    { shape: [2, 3, 4, 5, 6], begin: [1, 0, 1, 2, 3], size: [1, 3, 2, 3, 3] }, // rank 5
    { shape: [2, 3, 4, 5, 6, 2], begin: [0, 1, 1, 0, 2, 1], size: [2, 2, 3, 5, 4, 1], dtype: 'int32' }, // rank 6
    { shape: [5, 4], begin: [2, 0], size: [0, 4] }, // empty
  ];
  for (const [i, c] of cases.entries()) {
    test(`[${c.shape}] begin [${c.begin}] size [${c.size}] ${c.dtype ?? 'float32'}`, async () => {
      await sameOnBoth(() => tf.slice(values(c.shape, c.dtype ?? 'float32', 10 + i), c.begin, c.size), 'slice');
    });
  }

  test('tf.split and tensor.slice(begin) of a wasm tensor, as cells write them', async () => {
    await sameOnBoth(() => tf.concat(tf.split(values([6, 10, 3], 'float32', 3), [2, 3, 5], 1).map((t) => t.reverse(1)), 1), 'split');
    await sameOnBoth(() => values([40, 3], 'int32', 4).slice(35), 'slice(35)');
  });

  test('a string tensor still slices (the original kernel)', async () => {
    await tf.setBackend('wasm');
    const t = tf.tensor(['a', 'b', 'c', 'd'], [2, 2]);
    assert.deepEqual(tf.slice(t, [1, 0], [1, 2]).arraySync(), [['c', 'd']]);
  });
});

describe('on the wasm heap', () => {
  test('each call leaves exactly one new buffer (its output) and no tensor behind', async () => {
    await tf.setBackend('wasm');
    const x = values([64, 12, 12, 3], 'float32', 7);
    leavesOneBufferEach([() => tf.slice(x, [2, 0, 0, 0], [3, -1, -1, -1]), () => tf.slice(x, [0, 1, 2, 1], [5, 3, 4, 2])]);
    x.dispose();
  });

  test('a slice taken after the heap has grown reads the right values', async () => {
    await tf.setBackend('wasm');
    const x = tf.range(0, 4096, 1, 'float32').reshape([64, 64]);
    const grow = tf.zeros([64 * 1024 * 1024]); // 256 MB: the heap grows and old views detach
    const y = tf.slice(x, [10, 3], [2, 4]);
    assert.deepEqual(Array.from(y.dataSync()), [643, 644, 645, 646, 707, 708, 709, 710]);
    tf.dispose([x, grow, y]);
  });
});
