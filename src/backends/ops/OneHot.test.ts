/** bmnb's wasm OneHot against the cpu backend: float32 labels read 1, not 1.4e-45. */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { oneHot } from './OneHot';
import { useOps } from './testing';

async function oneHotOn(backend: string, dtype: 'float32' | 'int32', on = 1, off = 0): Promise<{ dtype: string; values: number[] }> {
  await tf.setBackend(backend);
  const ids = tf.tensor1d([0, 2, 1, -1, 7], 'int32');
  const t = tf.oneHot(ids, 3, on, off, dtype);
  const out = { dtype: t.dtype, values: Array.from(await t.data()) };
  tf.dispose([ids, t]);
  return out;
}

before(() => useOps(oneHot));

test('float32 one-hot on wasm equals the cpu backend, with on/off values (label smoothing)', async () => {
  for (const [on, off] of [
    [1, 0],
    [0.9, 0.05],
  ] as const) {
    const cpu = await oneHotOn('cpu', 'float32', on, off);
    const wasm = await oneHotOn('wasm', 'float32', on, off);
    assert.deepEqual(wasm, cpu);
    assert.equal(wasm.values[0], Math.fround(on));
  }
});

test('int32 one-hot still goes to the backend\'s own kernel and agrees with cpu; nothing leaks', async () => {
  const before = tf.memory().numTensors;
  assert.deepEqual(await oneHotOn('wasm', 'int32'), await oneHotOn('cpu', 'int32'));
  assert.equal(tf.memory().numTensors, before);
});
