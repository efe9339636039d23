/**
 * The per-kernel thread switch: the pool's thread count is found in tfjs-backend-wasm's threaded
 * build, a count that does not match the running pool is refused, and the wrapped kernels run
 * big products and convs on every thread, small ones on one, with unchanged results.
 *
 * Run: node --import tsx --test src/backends/wasmThreadPool.test.ts
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { findPoolCount, MIN_THREADED_FLOPS, poolThreads, threadKernelsByWork, type PoolThreads } from './wasmThreadPool';
import { kernelOps } from './ops/op';
import { registerOps } from './ops/register';
import { rand } from './ops/testing';

const wasmDist = join(dirname(createRequire(__filename).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');

describe('findPoolCount', () => {
  test("finds the pool pointer and the count's offset in the threaded build", () => {
    const at = findPoolCount(readFileSync(join(wasmDist, 'tfjs-backend-wasm-threaded-simd.wasm')));
    // A static address in the module's data, and a field a few words into pthreadpool's struct.
    assert.ok(at.poolPointer > 0 && at.poolPointer % 4 === 0, `pool pointer ${at.poolPointer}`);
    assert.ok(at.countOffset > 0 && at.countOffset % 4 === 0 && at.countOffset < 1024, `count offset ${at.countOffset}`);
  });

  test('refuses a file that is not wasm, and a module without the getter', () => {
    assert.throws(() => findPoolCount(Buffer.from('not wasm at all')), /not a wasm binary/);
    const empty = Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0);
    assert.throws(() => findPoolCount(empty), /get_threads_count is not exported/);
  });
});

describe('poolThreads', () => {
  const at = { poolPointer: 64, countOffset: 12 };
  const memoryWith = (pool: number, count: number) => {
    const buffer = new SharedArrayBuffer(4096);
    const heap = new Int32Array(buffer);
    heap[at.poolPointer >> 2] = pool;
    if (pool > 0) heap[(pool + at.countOffset) >> 2] = count;
    return { buffer, heap };
  };

  test('reads and sets the count, clamped to 1..threads', () => {
    const m = memoryWith(1024, 4);
    const pool = poolThreads(m, at, 4);
    assert.ok(pool);
    assert.equal(pool.max, 4);
    assert.equal(pool.get(), 4);
    pool.set(1);
    assert.equal(m.heap[(1024 + 12) >> 2], 1);
    pool.set(99);
    assert.equal(pool.get(), 4);
    pool.set(0);
    assert.equal(pool.get(), 1);
  });

  test('refuses a count that is not the one the pool was made with, and a missing pool', () => {
    assert.equal(poolThreads(memoryWith(1024, 3), at, 2), undefined);
    assert.equal(poolThreads(memoryWith(0, 0), at, 2), undefined);
  });

  test('follows the memory when it grows (a new buffer)', () => {
    const first = memoryWith(1024, 2);
    const memory = { buffer: first.buffer as ArrayBufferLike };
    const pool = poolThreads(memory, at, 2);
    assert.ok(pool);
    const grown = new SharedArrayBuffer(8192);
    new Int32Array(grown).set(first.heap);
    memory.buffer = grown;
    pool.set(1);
    assert.equal(new Int32Array(grown)[(1024 + 12) >> 2], 1, 'the write went to the grown memory');
  });
});

describe('threadKernelsByWork', () => {
  /** A stand-in pool (the stock single-threaded build has none); the probes record its count. */
  let count = 2;
  const pool: PoolThreads = { max: 2, get: () => count, set: (n) => void (count = n) };
  const seen: Record<string, number[]> = { BatchMatMul: [], Conv2D: [], Relu: [] };
  let wrapped: string[] = [];

  const inputs = () => ({
    big: [tf.tensor2d(rand(128 * 128, 1), [128, 128]), tf.tensor2d(rand(128 * 128, 2), [128, 128])] as const, // 4.2 MFLOP
    small: [tf.tensor2d(rand(16 * 16, 3), [16, 16]), tf.tensor2d(rand(16 * 16, 4), [16, 16])] as const, // 8 kFLOP
    image: tf.tensor4d(rand(4 * 32 * 32 * 8, 5), [4, 32, 32, 8]),
    bigFilter: tf.tensor4d(rand(3 * 3 * 8 * 16, 6), [3, 3, 8, 16]), // 2 · 32768 · 144 = 9.4 MFLOP
    smallFilter: tf.tensor4d(rand(1 * 1 * 8 * 2, 7), [1, 1, 8, 2]), // 2 · 32768 · 2 = 0.13 MFLOP
  });
  const compute = () => {
    const x = inputs();
    return [tf.matMul(...x.big), tf.matMul(...x.small), tf.conv2d(x.image, x.bigFilter, 1, 'same'), tf.conv2d(x.image, x.smallFilter, 1, 'same')].map((t) =>
      Array.from(t.dataSync()),
    );
  };
  let stock: number[][] = [];

  before(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    registerOps(tf, 'wasm'); // as the kernel does: bmnb's wasm ops first, then the switch
    stock = compute();
    // Probes under the switch: each records the pool's count while the real kernel runs.
    for (const name of Object.keys(seen)) {
      const real = tf.getKernel(name, 'wasm');
      assert.ok(real, `${name} is a wasm kernel`);
      tf.unregisterKernel(name, 'wasm');
      tf.registerKernel({ ...real, kernelFunc: (args) => (seen[name].push(count), real.kernelFunc(args)) });
    }
    wrapped = threadKernelsByWork(tf, pool);
  });

  test('wraps the products and convs, and leaves one thread for everything else', () => {
    for (const k of ['BatchMatMul', '_FusedMatMul', 'Conv2D', 'FusedConv2D', 'DepthwiseConv2dNative', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'Relu', 'MaxPool']) {
      assert.ok(wrapped.includes(k), `${k} is switched`);
    }
    assert.equal(count, 1);
    assert.deepEqual(threadKernelsByWork(tf, pool), wrapped, 'a second call keeps the one switch');
    for (const k of wrapped) assert.equal(kernelOps(tf, k, 'wasm').filter((id) => id.startsWith('threads:')).length, 1, `${k} is switched once`);
  });

  test(`a kernel of ${MIN_THREADED_FLOPS / 1e6}+ MFLOP runs on every thread, a smaller one on one; same results, count restored`, () => {
    seen.BatchMatMul.length = 0;
    seen.Conv2D.length = 0;
    const results = compute();
    assert.deepEqual(seen.BatchMatMul, [2, 1], 'big matMul on 2 threads, small on 1');
    assert.deepEqual(seen.Conv2D, [2, 1], 'big conv on 2 threads, small on 1');
    assert.equal(count, 1, 'back to one thread after each call');
    assert.deepEqual(results, stock);
  });

  test('a Relu of half a million elements or more runs on every thread, a smaller one on one', () => {
    seen.Relu.length = 0;
    const big = tf.relu(tf.tensor1d(rand(1 << 19, 8)));
    const small = tf.relu(tf.tensor1d(rand(1 << 12, 9)));
    assert.deepEqual(seen.Relu, [2, 1]);
    assert.equal(count, 1);
    assert.ok(big.dataSync().every((v) => v >= 0) && small.dataSync().some((v) => v > 0));
    tf.dispose([big, small]);
  });

  test('a kernel that throws still restores the count', () => {
    count = 1;
    assert.throws(() => tf.engine().runKernel('BatchMatMul', { a: tf.ones([1, 300, 300]), b: tf.ones([1, 200, 300]) }, {}));
    assert.equal(count, 1);
  });
});
