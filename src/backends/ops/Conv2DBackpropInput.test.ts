/** bmnb's faster wasm Conv2DBackpropInput gives the cpu backend's answers and leaves no temporaries. */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { conv2DBackpropInput } from './Conv2DBackpropInput';
import { compareKernel, rand, sizeOf, useOps, wasmDataIds, type Pad, type Shape4 } from './testing';

before(() => useOps(conv2DBackpropInput));

describe('Conv2DBackpropInput matches cpu', () => {
  const cases: Array<{ x: Shape4; f: Shape4; strides: number | [number, number]; pad: Pad }> = [
    { x: [2, 13, 13, 32], f: [3, 3, 32, 64], strides: 1, pad: 'valid' }, // the article CNN's second conv
    { x: [2, 9, 7, 3], f: [3, 3, 3, 4], strides: 1, pad: 'same' },
    { x: [2, 9, 7, 3], f: [3, 3, 3, 4], strides: 2, pad: 'valid' },
    { x: [2, 9, 7, 3], f: [3, 3, 3, 4], strides: 2, pad: 'same' },
    { x: [3, 10, 6, 2], f: [5, 3, 2, 3], strides: 2, pad: 'same' },
    { x: [2, 7, 9, 5], f: [2, 4, 5, 6], strides: [2, 1], pad: 'same' },
    { x: [4, 6, 6, 8], f: [1, 1, 8, 5], strides: 1, pad: 'valid' },
    { x: [2, 11, 8, 3], f: [3, 3, 3, 2], strides: 1, pad: 1 },
    { x: [2, 11, 8, 3], f: [3, 3, 3, 2], strides: 2, pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
    { x: [1, 6, 6, 2], f: [2, 2, 2, 3], strides: 1, pad: [[0, 0], [3, 0], [0, 0], [0, 0]] }, // pad > filter - 1: the original kernel
  ];
  for (const [i, c] of cases.entries()) {
    const what = `x[${c.x}] f[${c.f}] strides ${JSON.stringify(c.strides)} pad ${JSON.stringify(c.pad)}`;
    test(what, async () => {
      const y = tf.tidy(() => tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.f) as tf.Tensor4D, c.strides, c.pad));
      const dyShape = y.shape.slice();
      y.dispose();
      const fv = rand(sizeOf(c.f), 40 + i);
      const dyv = rand(sizeOf(dyShape), 50 + i);
      await compareKernel(
        'Conv2DBackpropInput',
        { dy: { shape: dyShape, values: dyv }, filter: { shape: c.f, values: fv } },
        { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x },
        what,
      );
    });
  }

  test('leaves one new buffer (the output) and frees its temporaries, strided or not', async () => {
    await tf.setBackend('wasm');
    for (const strides of [1, 2]) {
      const dyShape = strides === 1 ? [2, 7, 7, 4] : [2, 4, 4, 4];
      const dy = tf.tensor(rand(sizeOf(dyShape), 3), dyShape);
      const f = tf.tensor4d(rand(36 * 4, 4), [3, 3, 4, 4]);
      const tensors = tf.memory().numTensors;
      const ids = wasmDataIds();
      const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: f }, {
        strides, pad: 'valid', dataFormat: 'NHWC', inputShape: [2, 9, 9, 4],
      } as unknown as tf.NamedAttrMap) as tf.Tensor;
      assert.equal(wasmDataIds(), ids + 1, `strides ${strides}: one new buffer`);
      dx.dispose();
      assert.equal(tf.memory().numTensors, tensors);
      assert.equal(wasmDataIds(), ids);
      tf.dispose([dy, f]);
    }
  });
});
