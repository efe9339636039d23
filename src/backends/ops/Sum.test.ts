/** bmnb's SIMD Sum over leading axes (a bias's gradient) gives the cpu backend's answers; other sums stay the backend's. */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { simdBuilt } from '../simd';
import { sum } from './Sum';
import { assertClose, on, rand, sizeOf, useOps, wasmDataIds } from './testing';

before(() => useOps(sum));

describe('Sum over leading axes matches cpu', () => {
  test('the SIMD module is built', () => {
    assert.ok(simdBuilt(), 'dist/simd.wasm is built (npm run build; it needs clang and lld: bash scripts/simd-setup.sh)');
  });

  const cases: Array<{ shape: number[]; axis: number | number[]; keepDims?: boolean }> = [
    { shape: [8, 26, 26, 32], axis: [0, 1, 2] }, // the article CNN's first conv bias gradient
    { shape: [4, 11, 11, 7], axis: [2, 0, 1], keepDims: true }, // channels not a multiple of 4, axes out of order
    { shape: [128, 10], axis: 0 }, // a dense layer's bias
    { shape: [3, 5, 6], axis: [0, 1] },
    { shape: [6, 4, 3], axis: [1, 2] }, // trailing axes: the backend's own kernel
    { shape: [5, 9], axis: -1 },
  ];
  for (const [i, c] of cases.entries()) {
    const what = `sum([${c.shape}], ${JSON.stringify(c.axis)}${c.keepDims ? ', keepDims' : ''})`;
    test(what, async () => {
      const values = rand(sizeOf(c.shape), 90 + i);
      const f = () => tf.sum(tf.tensor(values, c.shape), c.axis, c.keepDims);
      assertClose(await on('wasm', f), await on('cpu', f), what);
    });
  }

  test('a sum of thousands of rows stays within float32 rounding of cpu, and leaves one new buffer', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor(rand(4096 * 16, 7), [4096, 16]);
    const ids = wasmDataIds();
    const s = tf.engine().runKernel('Sum', { x }, { axis: [0], keepDims: false } as unknown as tf.NamedAttrMap) as tf.Tensor;
    assert.equal(wasmDataIds(), ids + 1);
    const wasmValues = s.dataSync().slice();
    await tf.setBackend('cpu');
    const cpuValues = tf.tidy(() => tf.sum(tf.tensor(x.dataSync(), x.shape), 0).dataSync());
    for (let j = 0; j < 16; j++) assert.ok(Math.abs(wasmValues[j]! - cpuValues[j]!) < 1e-3, `column ${j}: ${wasmValues[j]} vs ${cpuValues[j]}`);
    tf.dispose([x, s]);
  });
});
