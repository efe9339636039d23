/**
 * bmnb's wasm Conv2DBackpropFilter (tfjs-backend-wasm lacks it) gives the cpu backend's answers, in
 * chunks too, and refuses NCHW: with the SIMD kernel for small filters (K = taps·in-channels of at
 * most 32) and without it (BMNB_SIMD=0: im2col and the backend's BatchMatMul for every filter).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { conv2DBackpropFilter } from './Conv2DBackpropFilter';
import { assertClose, compareKernel, on, rand, sizeOf, useOps, wasmDataIds, type Pad, type Shape4 } from './testing';

before(() => useOps(conv2DBackpropFilter));

for (const simd of [true, false]) describe(`Conv2DBackpropFilter matches cpu (${simd ? 'SIMD for small filters' : 'im2col and BatchMatMul'})`, () => {
  before(() => {
    process.env.BMNB_SIMD = simd ? '1' : '0';
  });
  after(() => {
    delete process.env.BMNB_SIMD;
  });

  const cases: Array<{ x: Shape4; f: Shape4; strides: number | [number, number]; pad: Pad }> = [
    { x: [2, 9, 7, 3], f: [3, 3, 3, 4], strides: 1, pad: 'valid' },
    { x: [2, 9, 7, 3], f: [3, 3, 3, 4], strides: 1, pad: 'same' },
    { x: [2, 9, 7, 3], f: [3, 3, 3, 4], strides: 2, pad: 'valid' },
    { x: [2, 9, 7, 3], f: [3, 3, 3, 4], strides: 2, pad: 'same' },
    { x: [1, 8, 8, 1], f: [3, 3, 1, 8], strides: 1, pad: 'same' },
    { x: [3, 10, 6, 2], f: [5, 3, 2, 3], strides: 2, pad: 'same' },
    { x: [2, 7, 9, 5], f: [2, 4, 5, 6], strides: [2, 1], pad: 'same' },
    { x: [4, 6, 6, 8], f: [1, 1, 8, 5], strides: 1, pad: 'valid' },
    { x: [2, 11, 8, 3], f: [3, 3, 3, 2], strides: 1, pad: 1 },
    { x: [2, 11, 8, 3], f: [3, 3, 3, 2], strides: 2, pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
    { x: [5, 28, 28, 1], f: [3, 3, 1, 32], strides: 1, pad: 'valid' },
    // K over 32: im2col (the SIMD kernel transposes four pixels by four channels) and BatchMatMul.
    { x: [2, 13, 13, 32], f: [3, 3, 32, 8], strides: 1, pad: 'valid' }, // the article CNN's second conv
    { x: [2, 9, 10, 8], f: [3, 3, 8, 4], strides: 1, pad: 'same' }, // edges on both sides of every row
    { x: [3, 11, 9, 12], f: [3, 3, 12, 5], strides: 2, pad: 'same' },
    { x: [2, 7, 6, 6], f: [3, 2, 6, 3], strides: [1, 2], pad: 'valid' }, // channels not a multiple of 4
  ];
  for (const [i, c] of cases.entries()) {
    const what = `x[${c.x}] f[${c.f}] strides ${JSON.stringify(c.strides)} pad ${JSON.stringify(c.pad)}`;
    test(what, async () => {
      const xv = rand(sizeOf(c.x), 10 + i);
      const fv = rand(sizeOf(c.f), 20 + i);
      const y = tf.tidy(() => tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.f) as tf.Tensor4D, c.strides, c.pad));
      const dyShape = y.shape.slice();
      y.dispose();
      const dyv = rand(sizeOf(dyShape), 30 + i);
      // Through the kernel directly.
      await compareKernel(
        'Conv2DBackpropFilter',
        { x: { shape: c.x, values: xv }, dy: { shape: dyShape, values: dyv } },
        { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.f },
        what,
      );
      // Through autodiff, as model.fit uses it: d/df and d/dx of sum(conv2d(x, f) * dy) (d/dx runs
      // the wasm backend's own Conv2DBackpropInput).
      const grads = () => {
        const dy = tf.tensor(dyv, dyShape);
        const [gx, gf] = tf.grads((x: tf.Tensor, f: tf.Tensor) =>
          tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.strides, c.pad).mul(dy).sum(),
        )([tf.tensor4d(xv, c.x), tf.tensor4d(fv, c.f)]);
        return tf.concat([gf.flatten(), gx.flatten()]);
      };
      assertClose(await on('wasm', grads), await on('cpu', grads), `tf.grads ${what}`);
    });
  }

  test('large input processed in several im2col chunks (split mid-image), without leaks', async () => {
    const x: Shape4 = [3, 128, 128, 8];
    const f: Shape4 = [7, 7, 8, 1];
    const dyShape = [3, 128, 128, 1];
    const xv = rand(sizeOf(x), 1);
    const dyv = rand(sizeOf(dyShape), 2);
    const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: f };
    await compareKernel('Conv2DBackpropFilter', { x: { shape: x, values: xv }, dy: { shape: dyShape, values: dyv } }, attrs, 'chunked');
    await tf.setBackend('wasm');
    const xt = tf.tensor4d(xv, x);
    const dyt = tf.tensor(dyv, dyShape);
    const before = tf.memory().numTensors;
    const beforeIds = wasmDataIds();
    (tf.engine().runKernel('Conv2DBackpropFilter', { x: xt, dy: dyt }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor).dispose();
    assert.equal(tf.memory().numTensors, before, 'numTensors');
    assert.equal(wasmDataIds(), beforeIds, 'wasm backend data ids');
    tf.dispose([xt, dyt]);
  });

  test('NCHW is refused with a clear error', async () => {
    await tf.setBackend('wasm');
    assert.throws(
      () =>
        tf.tidy(() =>
          tf.engine().runKernel(
            'Conv2DBackpropFilter',
            { x: tf.zeros([1, 3, 5, 5]), dy: tf.zeros([1, 2, 3, 3]) },
            { strides: 1, pad: 'valid', dataFormat: 'NCHW', filterShape: [3, 3, 3, 2] },
          ),
        ),
      /only dataFormat 'NHWC'/,
    );
  });
});
