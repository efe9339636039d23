/** bmnb's wasm depthwise conv gradients (tfjs-backend-wasm lacks both) give the cpu backend's answers. */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { conv2DBackpropFilter } from './Conv2DBackpropFilter';
import { depthwiseConv2dNativeBackpropFilter } from './DepthwiseConv2dNativeBackpropFilter';
import { depthwiseConv2dNativeBackpropInput } from './DepthwiseConv2dNativeBackpropInput';
import { assertClose, compareKernel, on, rand, sizeOf, useOps, type Pad, type Shape4 } from './testing';

before(() => useOps(conv2DBackpropFilter, depthwiseConv2dNativeBackpropFilter, depthwiseConv2dNativeBackpropInput));

describe('depthwise conv gradients match cpu', () => {
  const cases: Array<{ x: Shape4; f: Shape4; strides: number | [number, number]; pad: Pad }> = [
    { x: [2, 9, 7, 3], f: [3, 3, 3, 1], strides: 1, pad: 'valid' },
    { x: [2, 9, 7, 3], f: [3, 3, 3, 2], strides: 1, pad: 'same' },
    { x: [2, 9, 7, 3], f: [3, 3, 3, 2], strides: 2, pad: 'valid' },
    { x: [2, 9, 7, 3], f: [3, 3, 3, 1], strides: 2, pad: 'same' },
    { x: [1, 8, 8, 4], f: [5, 5, 4, 1], strides: 2, pad: 'same' },
    { x: [3, 10, 6, 2], f: [2, 3, 2, 3], strides: [1, 2], pad: 'same' },
    { x: [2, 11, 8, 3], f: [3, 3, 3, 2], strides: 1, pad: 1 },
    { x: [2, 9, 9, 3], f: [3, 3, 3, 1], strides: 2, pad: [[0, 0], [2, 1], [0, 2], [0, 0]] },
    // Padding past the far edge: the input gradient takes the plain-loop path.
    { x: [2, 5, 6, 3], f: [3, 3, 3, 2], strides: 1, pad: [[0, 0], [0, 3], [2, 0], [0, 0]] },
    { x: [4, 16, 16, 32], f: [3, 3, 32, 1], strides: 2, pad: 'same' },
  ];
  for (const [i, c] of cases.entries()) {
    const what = `x[${c.x}] f[${c.f}] strides ${JSON.stringify(c.strides)} pad ${JSON.stringify(c.pad)}`;
    test(what, async () => {
      const xv = rand(sizeOf(c.x), 40 + i);
      const fv = rand(sizeOf(c.f), 50 + i);
      const y = tf.tidy(() =>
        tf.depthwiseConv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.f) as tf.Tensor4D, c.strides, c.pad),
      );
      const dyShape = y.shape.slice();
      y.dispose();
      const dyv = rand(sizeOf(dyShape), 60 + i);
      await compareKernel(
        'DepthwiseConv2dNativeBackpropFilter',
        { x: { shape: c.x, values: xv }, dy: { shape: dyShape, values: dyv } },
        { strides: c.strides, pad: c.pad, dilations: [1, 1], filterShape: c.f },
        what,
      );
      await compareKernel(
        'DepthwiseConv2dNativeBackpropInput',
        { dy: { shape: dyShape, values: dyv }, filter: { shape: c.f, values: fv } },
        { strides: c.strides, pad: c.pad, dilations: [1, 1], inputShape: c.x },
        what,
      );
      const grads = () => {
        const dy = tf.tensor(dyv, dyShape);
        const [gx, gf] = tf.grads((x: tf.Tensor, f: tf.Tensor) =>
          tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.strides, c.pad).mul(dy).sum(),
        )([tf.tensor4d(xv, c.x), tf.tensor4d(fv, c.f)]);
        return tf.concat([gx.flatten(), gf.flatten()]);
      };
      assertClose(await on('wasm', grads), await on('cpu', grads), `tf.grads ${what}`);
    });
  }

  test('separableConv2d gradients (depthwise + pointwise) match cpu', async () => {
    const xv = rand(2 * 9 * 7 * 3, 70);
    const dv = rand(3 * 3 * 3 * 2, 71);
    const pv = rand(6 * 5, 72);
    const grads = () => {
      const [gx, gd, gp] = tf.grads((x: tf.Tensor, d: tf.Tensor, p: tf.Tensor) =>
        tf.separableConv2d(x as tf.Tensor4D, d as tf.Tensor4D, p as tf.Tensor4D, 2, 'same').square().sum(),
      )([tf.tensor4d(xv, [2, 9, 7, 3]), tf.tensor4d(dv, [3, 3, 3, 2]), tf.tensor4d(pv, [1, 1, 6, 5])]);
      return tf.concat([gx.flatten(), gd.flatten(), gp.flatten()]);
    };
    assertClose(await on('wasm', grads), await on('cpu', grads), 'separableConv2d grads');
  });

  test('dilations other than 1 are refused with a clear error', async () => {
    await tf.setBackend('wasm');
    assert.throws(
      () =>
        tf.tidy(() =>
          tf.engine().runKernel(
            'DepthwiseConv2dNativeBackpropFilter',
            { x: tf.zeros([1, 9, 9, 2]), dy: tf.zeros([1, 5, 5, 2]) },
            { strides: 1, pad: 'valid', dilations: 2, filterShape: [3, 3, 2, 1] },
          ),
        ),
      /only dilations 1/,
    );
  });
});
