/**
 * What the op tests share: registering the ops under test, deterministic inputs, running one
 * computation on cpu and on wasm, and comparing the two. Test code only (imported by *.test.ts
 * beside it).
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { overrideKernel, type Op } from './op';

/** Readies the cpu and wasm backends and registers `ops` (and only them) over the stock kernels. */
export async function useOps(...ops: Op<unknown>[]): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
  await tf.setBackend('wasm');
  await tf.ready();
  for (const op of ops) assert.ok(overrideKernel(tf, op), `${op.kernelName} is registered on ${op.backendName}`);
}

export type Shape4 = [number, number, number, number];
export type Pad = 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];

export interface Result {
  shape: number[];
  values: Float32Array;
}

/** Deterministic pseudo-random values in [-1, 1). */
export function rand(size: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Runs `f` on the given backend and returns its result as plain data. */
export async function on(backend: 'cpu' | 'wasm', f: () => tf.Tensor): Promise<Result> {
  await tf.setBackend(backend);
  const r = tf.tidy(f);
  const values = Float32Array.from(r.dataSync());
  const shape = r.shape.slice();
  r.dispose();
  return { shape, values };
}

export function assertClose(actual: Result, expected: Result, what: string): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  let maxRef = 0;
  let maxDiff = 0;
  for (let i = 0; i < expected.values.length; i++) {
    maxRef = Math.max(maxRef, Math.abs(expected.values[i]));
    maxDiff = Math.max(maxDiff, Math.abs(actual.values[i] - expected.values[i]));
    assert.ok(Number.isFinite(actual.values[i]), `${what}: non-finite value at ${i}`);
  }
  assert.ok(maxRef > 0 || expected.values.length === 0, `${what}: reference is all zeros (useless case)`);
  const tol = 1e-4 * Math.max(1, maxRef);
  assert.ok(maxDiff <= tol, `${what}: max abs diff ${maxDiff} > ${tol} (max |ref| ${maxRef})`);
}

/** Runs a kernel directly through the engine on both backends and compares. */
export async function compareKernel(
  kernelName: string,
  inputs: Record<string, { shape: number[]; values: Float32Array | Int32Array; dtype?: 'float32' | 'int32' }>,
  attrs: Record<string, unknown>,
  what: string,
): Promise<void> {
  const run = () => {
    const ins: Record<string, tf.Tensor> = {};
    for (const [k, v] of Object.entries(inputs)) ins[k] = tf.tensor(v.values, v.shape, v.dtype ?? 'float32');
    return tf.engine().runKernel(kernelName, ins, attrs as tf.NamedAttrMap) as tf.Tensor;
  };
  const expected = await on('cpu', run);
  const actual = await on('wasm', run);
  assertClose(actual, expected, `${kernelName} ${what}`);
}

/** Asserts that each call, on wasm, leaves exactly one new heap buffer and one new tensor (its output), and none once that is disposed. */
export function leavesOneBufferEach(calls: (() => tf.Tensor)[]): void {
  for (const call of calls) {
    const buffers = wasmDataIds();
    const tensors = tf.memory().numTensors;
    const y = call();
    assert.equal(wasmDataIds(), buffers + 1, 'one new buffer');
    assert.equal(tf.memory().numTensors, tensors + 1, 'one new tensor');
    y.dispose();
    assert.equal(wasmDataIds(), buffers, 'no buffer left after dispose');
  }
}

export function wasmDataIds(): number {
  return (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
}


export type DType = 'float32' | 'int32' | 'bool';

/** A tensor of deterministic values of any dtype. */
export function values(shape: number[], dtype: DType, seed: number): tf.Tensor {
  const v = rand(sizeOf(shape), seed);
  if (dtype === 'float32') return tf.tensor(v, shape);
  if (dtype === 'int32') return tf.tensor(Int32Array.from(v, (x) => Math.round(x * 1000)), shape, 'int32');
  return tf.tensor(Uint8Array.from(v, (x) => (x > 0 ? 1 : 0)), shape, 'bool');
}

/** Runs f on cpu and on wasm and asserts the same shape, dtype and values, exactly. */
export async function sameOnBoth(f: () => tf.Tensor, what: string): Promise<void> {
  const dtypes: string[] = [];
  const g = () => {
    const r = f();
    dtypes.push(r.dtype);
    return r.toFloat();
  };
  const expected = await on('cpu', g);
  const actual = await on('wasm', g);
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  assert.equal(dtypes[1], dtypes[0], `${what}: dtype`);
  assert.ok(expected.values.length === 0 || expected.values.some((v) => v !== 0), `${what}: the reference is all zeros`);
  assert.deepEqual(Array.from(actual.values), Array.from(expected.values), `${what}: values`);
}
