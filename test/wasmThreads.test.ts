/**
 * The threaded wasm build in the real kernel process: started with one thread per core by
 * default (BMNB_WASM_THREADS to choose), all threads only for kernels of 2+ MFLOP unless
 * BMNB_WASM_THREAD_MIN_MFLOPS says otherwise, the same numbers as one thread, training works,
 * and a bad setting is an error that names it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { KernelClient } from '../src/host/kernelClient';
import { run, startKernel, tempDir } from './helpers/kernel';

const CORES = Math.min(8, availableParallelism());

/** A cell that writes every value of a matMul, a conv and a conv's gradients to a file. */
const work = (out: string): string => `
import * as tf from '@tensorflow/tfjs';
import { writeFileSync } from 'node:fs';
const seq = (n: number, k: number) => Array.from({ length: n }, (_, i) => Math.sin(i * k));
const a = tf.tensor2d(seq(300 * 200, 0.37), [300, 200]);
const b = tf.tensor2d(seq(200 * 100, 0.11), [200, 100]);
const x = tf.tensor4d(seq(8 * 20 * 20 * 16, 0.07), [8, 20, 20, 16]);
const f = tf.tensor4d(seq(3 * 3 * 16 * 32, 0.13), [3, 3, 16, 32]);
const [gx, gf] = tf.grads((x: tf.Tensor4D, f: tf.Tensor4D) => tf.conv2d(x, f, 1, 'valid').square().sum())([x, f]);
writeFileSync(${JSON.stringify(out)}, JSON.stringify([tf.matMul(a, b), tf.conv2d(x, f, 1, 'same'), gx, gf].map((t) => Array.from(t.dataSync()))));
'written'
`;

describe('wasm threads in the kernel', () => {
  let threaded: KernelClient;
  let single: KernelClient;
  let everyKernel: KernelClient;
  before(async () => {
    threaded = await startKernel({ backend: 'wasm' });
    single = await startKernel({ backend: 'wasm', env: { BMNB_WASM_THREADS: '1' } });
    everyKernel = await startKernel({ backend: 'wasm', env: { BMNB_WASM_THREAD_MIN_MFLOPS: '0' } });
  });
  after(async () => {
    await threaded?.shutdown();
    await single?.shutdown();
    await everyKernel?.shutdown();
  });

  test(`starts with one thread per core (${CORES} here) for big kernels, and BMNB_WASM_THREADS=1 with one`, () => {
    const threads = CORES > 1 ? `${CORES} threads for kernels of 2\\+ MFLOP, 1 for smaller ones` : '1 thread';
    assert.match(threaded.info.detail, new RegExp(`SIMD, ${threads}$`));
    assert.match(single.info.detail, /SIMD, 1 thread$/);
    assert.match(everyKernel.info.detail, new RegExp(`SIMD, ${CORES} threads?$`), 'BMNB_WASM_THREAD_MIN_MFLOPS=0: every kernel on every thread');
  });

  test('gives the same numbers as one thread (matMul, conv2d and its gradients)', async () => {
    const dir = tempDir();
    const values = async (kernel: KernelClient, name: string) => {
      const r = await run(kernel, work(join(dir, `${name}.json`)));
      assert.equal(r.status, 'ok', r.error?.message);
      return (JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as number[][]).flat();
    };
    const sv = await values(single, 'single');
    assert.ok(sv.length > 100_000);
    for (const [name, kernel] of [['threaded', threaded], ['every kernel threaded', everyKernel]] as const) {
      const tv = await values(kernel, name);
      assert.equal(tv.length, sv.length);
      let maxDiff = 0;
      for (let i = 0; i < tv.length; i++) maxDiff = Math.max(maxDiff, Math.abs(tv[i] - sv[i]) / Math.max(1, Math.abs(sv[i])));
      assert.ok(maxDiff < 1e-5, `${name} results differ from one thread by ${maxDiff}`);
    }
  });

  test('trains a CNN and is interrupted mid-fit like one thread', async () => {
    const setup = await run(threaded, `
const model = tf.sequential({ layers: [
  tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 16, kernelSize: 3, activation: 'relu' }),
  tf.layers.maxPooling2d({ poolSize: 2 }), tf.layers.flatten(), tf.layers.dense({ units: 10, activation: 'softmax' })] });
model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
const xs = tf.randomUniform([512, 28, 28, 1]);
const ys = tf.oneHot(tf.randomUniform([512], 0, 10, 'int32'), 10).toFloat();
const h = await model.fit(xs, ys, { epochs: 2, batchSize: 64, verbose: 0 });
h.history.loss.length`);
    assert.equal(setup.status, 'ok', setup.error?.message);
    assert.equal(setup.text, '2');
    const running = run(threaded, 'await model.fit(xs, ys, { epochs: 1000, batchSize: 64, verbose: 0 }); "finished"');
    await new Promise((r) => setTimeout(r, 1500));
    threaded.interrupt();
    const stopped = await running;
    assert.equal(stopped.status, 'interrupted');
    const after = await run(threaded, 'model.predict(xs.slice(0, 2)).shape');
    assert.equal(after.text, '[ 2, 10 ]');
  });
});

test('a BMNB_WASM_THREADS or BMNB_SIMD_THREADS that is not 1 to 8, a negative BMNB_WASM_THREAD_MIN_MFLOPS, or a BMNB_SIMD_PRODUCT not 0 or 1 is an error that names it', async () => {
  await assert.rejects(startKernel({ backend: 'wasm', env: { BMNB_SIMD_THREADS: '0' } }), /BMNB_SIMD_THREADS must be a whole number from 1 to 8, got '0'/);
  await assert.rejects(startKernel({ backend: 'wasm', env: { BMNB_SIMD_PRODUCT: 'yes' } }), /BMNB_SIMD_PRODUCT must be 0 or 1, got 'yes'/);
  await assert.rejects(startKernel({ backend: 'wasm', env: { BMNB_WASM_THREADS: 'many' } }), /BMNB_WASM_THREADS must be a whole number from 1 to 8, got 'many'/);
  await assert.rejects(
    startKernel({ backend: 'wasm', env: { BMNB_WASM_THREAD_MIN_MFLOPS: '-1' } }),
    /BMNB_WASM_THREAD_MIN_MFLOPS must be a number ≥ 0 \(MFLOP\), got '-1'/,
  );
});
