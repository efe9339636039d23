/**
 * bmnb's faster wasm MaxPoolGrad gives the cpu backend's answers (ties after a ReLU and NaN
 * included) and leaves no temporaries: in the SIMD kernel (src/backends/simd/kernels.c) and in the
 * JS loop it falls back to (BMNB_SIMD=0).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { simdBuilt, simdKernels } from '../simd';
import { maxPoolGrad } from './MaxPoolGrad';
import { assertClose, on, rand, sizeOf, useOps, wasmDataIds, type Shape4 } from './testing';

before(() => useOps(maxPoolGrad));

for (const simd of [true, false]) describe(`MaxPoolGrad matches cpu (${simd ? 'SIMD' : 'JS'})`, () => {
  before(() => {
    process.env.BMNB_SIMD = simd ? '1' : '0';
  });
  after(() => {
    delete process.env.BMNB_SIMD;
  });

  test(`the ${simd ? 'SIMD kernel is' : 'JS loop is'} what runs`, async () => {
    if (simd) assert.ok(simdBuilt(), 'dist/simd.wasm is built (npm run build; it needs clang and lld: bash scripts/simd-setup.sh)');
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as { wasm: Parameters<typeof simdKernels>[0] };
    assert.equal(simdKernels(backend.wasm) !== undefined, simd);
  });

  const cases: Array<{ x: Shape4; size: number | [number, number]; strides: number | [number, number]; pad: 'valid' | 'same'; relu?: boolean }> = [
    { x: [2, 26, 26, 32], size: 2, strides: 2, pad: 'valid', relu: true }, // after the article CNN's first conv: many tied zeros
    { x: [2, 11, 11, 8], size: 2, strides: 2, pad: 'valid' }, // odd size: the last row and column are dropped
    { x: [2, 9, 9, 3], size: 3, strides: 2, pad: 'same' }, // overlapping windows, padded
    { x: [1, 8, 7, 5], size: [3, 2], strides: [1, 2], pad: 'valid', relu: true },
    { x: [3, 5, 5, 1], size: 2, strides: 1, pad: 'same' },
  ];
  for (const [i, c] of cases.entries()) {
    const what = `x[${c.x}] size ${JSON.stringify(c.size)} strides ${JSON.stringify(c.strides)} ${c.pad}${c.relu ? ' after relu' : ''}`;
    test(what, async () => {
      const xv = rand(sizeOf(c.x), 60 + i).map((v) => (c.relu ? Math.max(0, v) : v));
      const grads = () => {
        const x = tf.tensor4d(xv, c.x);
        const y = tf.maxPool(x, c.size, c.strides, c.pad);
        const dy = tf.tensor(rand(y.size, 70 + i), y.shape);
        return tf.grad((t: tf.Tensor) => tf.maxPool(t as tf.Tensor4D, c.size, c.strides, c.pad).mul(dy).sum())(x);
      };
      const expected = await on('cpu', grads);
      const actual = await on('wasm', grads);
      assertClose(actual, expected, what);
      // Every gradient value lands on the same element as on cpu (no tolerance for a moved one).
      const moved = actual.values.findIndex((v, j) => (v === 0) !== (expected.values[j] === 0));
      assert.equal(moved, -1, `${what}: gradient at element ${moved} differs in where it lands`);
    });
  }

  test('NaN is never the maximum, and a window of -Infinity gets no gradient (as on cpu)', async () => {
    const xv = new Float32Array([NaN, 1, 2, NaN, -Infinity, -Infinity, -Infinity, -Infinity, 3, 3, 0, 5, NaN, NaN, NaN, NaN]);
    const grads = () => {
      const x = tf.tensor4d(xv, [1, 4, 4, 1]);
      // 2×2 windows over rows/cols: [NaN,1;-Inf,-Inf] [2,NaN;-Inf,-Inf] [3,3;NaN,NaN] [0,5;NaN,NaN]
      return tf.grad((t: tf.Tensor) => tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid').mul(tf.tensor4d([10, 20, 30, 40], [1, 2, 2, 1])).sum())(x);
    };
    const cpu = await on('cpu', grads);
    const wasm = await on('wasm', grads);
    assert.deepEqual(Array.from(wasm.values), Array.from(cpu.values));
  });

  test('leaves one new buffer (the output)', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor4d(rand(2 * 8 * 8 * 3, 9), [2, 8, 8, 3]);
    const y = tf.maxPool(x, 2, 2, 'valid');
    const dy = tf.onesLike(y);
    const tensors = tf.memory().numTensors;
    const ids = wasmDataIds();
    const dx = tf.engine().runKernel('MaxPoolGrad', { dy, input: x, output: y }, {
      filterSize: 2, strides: 2, pad: 'valid',
    } as unknown as tf.NamedAttrMap) as tf.Tensor;
    assert.equal(wasmDataIds(), ids + 1);
    assert.equal(dx.sum().dataSync()[0], y.size, 'each window passes its gradient once');
    dx.dispose();
    assert.equal(tf.memory().numTensors, tensors + 1, 'only the sum above remains');
    tf.dispose([x, y, dy]);
  });
});
