/**
 * Threads per kernel call for the threaded wasm build: a big matMul or conv runs ~2× faster on
 * two threads, but waking a pool thread costs tens of microseconds, so the many small kernels of
 * a training step (bias adds, activations, the optimizer's updates, a small dense layer) run
 * slower with threads than without (a dense 784-64-10 model trains 19% slower with every kernel on two threads; docs/performance.md).
 *
 * tfjs-backend-wasm fixes its thread count at start, for every kernel. pthreadpool, which runs
 * XNNPACK's work, runs a job on the calling thread alone whenever its pool says it has one
 * thread. So this module finds that count in the wasm memory and sets it around each kernel call:
 * 1 by default, all threads for a kernel whose work is at least {@link MIN_THREADED_FLOPS}.
 *
 * Finding the count: the build's exported `get_threads_count` loads the pool pointer from a fixed
 * address and calls `pthreadpool_get_threads_count`, which loads the count at a fixed offset in
 * the pool. Both constants are read from those two functions' bytecode in the .wasm file, and
 * checked against the running module (the count read must be the one the pool was made with);
 * should anything not match, nothing is switched and every kernel keeps all threads.
 */
import type { Tfjs, TF } from './tfjs';
import { anyBackend, overrideKernel } from './ops/op';

/** Where the pool's thread count lives in the wasm memory. */
export interface PoolCountLocation {
  /** Address of the global holding the pthreadpool pointer. */
  poolPointer: number;
  /** Offset of `threads_count` in the pthreadpool struct. */
  countOffset: number;
}

/** Reads an unsigned LEB128 at `at`; returns the value and the next position. */
function uleb(b: Uint8Array, at: number): [number, number] {
  let result = 0;
  let shift = 0;
  let byte: number;
  do {
    if (at >= b.length) throw new Error('truncated LEB128');
    byte = b[at++];
    result += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [result, at];
}

/** Reads a signed LEB128 (32-bit) at `at`. */
function sleb(b: Uint8Array, at: number): [number, number] {
  let result = 0;
  let shift = 0;
  let byte: number;
  do {
    if (at >= b.length) throw new Error('truncated LEB128');
    byte = b[at++];
    result |= (byte & 0x7f) << shift;
    shift += 7;
  } while (byte & 0x80 && shift < 35);
  if (shift < 32 && byte & 0x40) result |= -1 << shift;
  return [result, at];
}

/** The code of every function (imports not counted) and the index of every exported function. */
function functionsOf(wasm: Uint8Array): { imported: number; bodies: Array<[number, number]>; exports: Map<string, number> } {
  if (wasm[0] !== 0 || wasm[1] !== 0x61 || wasm[2] !== 0x73 || wasm[3] !== 0x6d) throw new Error('not a wasm binary');
  let imported = 0;
  const bodies: Array<[number, number]> = [];
  const exports = new Map<string, number>();
  let at = 8;
  const name = (): string => {
    const [len, p] = uleb(wasm, at);
    at = p + len;
    return Buffer.from(wasm.subarray(p, p + len)).toString('utf8');
  };
  const skipLimits = () => {
    const [flags, p] = uleb(wasm, at);
    at = uleb(wasm, p)[1];
    if (flags & 1) at = uleb(wasm, at)[1];
  };
  while (at < wasm.length) {
    const id = wasm[at++];
    const [size, start] = uleb(wasm, at);
    const end = start + size;
    at = start;
    if (id === 2) {
      let n: number;
      [n, at] = uleb(wasm, at);
      for (let i = 0; i < n; i++) {
        name();
        name();
        const kind = wasm[at++];
        if (kind === 0) {
          at = uleb(wasm, at)[1];
          imported++;
        } else if (kind === 1) {
          at++; // element type
          skipLimits();
        } else if (kind === 2) skipLimits();
        else if (kind === 3) at += 2; // value type, mutability
        else throw new Error(`unknown import kind ${kind}`);
      }
    } else if (id === 7) {
      let n: number;
      [n, at] = uleb(wasm, at);
      for (let i = 0; i < n; i++) {
        const exportName = name();
        const kind = wasm[at++];
        let index: number;
        [index, at] = uleb(wasm, at);
        if (kind === 0) exports.set(exportName, index);
      }
    } else if (id === 10) {
      let n: number;
      [n, at] = uleb(wasm, at);
      for (let i = 0; i < n; i++) {
        let len: number;
        [len, at] = uleb(wasm, at);
        bodies.push([at, len]);
        at += len;
      }
    }
    at = end;
  }
  return { imported, bodies, exports };
}

/**
 * Finds the pool's thread count in tfjs-backend-wasm's threaded build from the bytecode of its
 * `get_threads_count` (`i32.const ptr; i32.load; …; call f`) and of `f`
 * (`pthreadpool_get_threads_count`: `…; i32.load offset=k`). Throws when the code is not shaped so.
 */
export function findPoolCount(wasm: Uint8Array): PoolCountLocation {
  const { imported, bodies, exports } = functionsOf(wasm);
  const body = (index: number, what: string): Uint8Array => {
    const entry = bodies[index - imported];
    if (!entry) throw new Error(`${what} has no code`);
    return wasm.subarray(entry[0], entry[0] + entry[1]);
  };
  const getter = exports.get('get_threads_count');
  if (getter === undefined) throw new Error('get_threads_count is not exported');
  const g = body(getter, 'get_threads_count');
  // i32.const ptr (0x41 sleb) then i32.load align=2 offset=0 (0x28 0x02 0x00).
  let poolPointer: number | undefined;
  let callee: number | undefined;
  for (let i = 0; i < g.length; i++) {
    if (poolPointer === undefined && g[i] === 0x41) {
      const [value, next] = sleb(g, i + 1);
      if (g[next] === 0x28 && g[next + 1] === 0x02 && g[next + 2] === 0x00 && value > 0) poolPointer = value;
    } else if (poolPointer !== undefined && g[i] === 0x10) {
      callee = uleb(g, i + 1)[0];
    }
  }
  if (poolPointer === undefined || callee === undefined) throw new Error('get_threads_count does not load a pool pointer and call a function');
  const f = body(callee, 'pthreadpool_get_threads_count');
  // The last i32.load (0x28 0x02 offset) of the pool argument is the count.
  let countOffset: number | undefined;
  for (let i = 0; i + 2 < f.length; i++) {
    if (f[i] === 0x20 && f[i + 1] === 0x00 && f[i + 2] === 0x28 && f[i + 3] === 0x02) countOffset = uleb(f, i + 4)[0];
  }
  if (countOffset === undefined) throw new Error('pthreadpool_get_threads_count does not load a field of its argument');
  return { poolPointer, countOffset };
}

/** Reads and sets the running pool's thread count. */
export interface PoolThreads {
  readonly max: number;
  get(): number;
  set(n: number): void;
}

/**
 * The thread count of the running module's pool, checked: the count found must equal `threads`,
 * the count the pool was created with. Returns undefined when it does not.
 */
export function poolThreads(memory: { readonly buffer: ArrayBufferLike }, at: PoolCountLocation, threads: number): PoolThreads | undefined {
  let view = new Int32Array(memory.buffer as SharedArrayBuffer);
  const heap = () => {
    if (view.buffer !== memory.buffer) view = new Int32Array(memory.buffer as SharedArrayBuffer);
    return view;
  };
  const pool = Atomics.load(heap(), at.poolPointer >> 2);
  if (pool <= 0 || (pool + at.countOffset) % 4 !== 0) return undefined;
  const index = (pool + at.countOffset) >> 2;
  if (Atomics.load(heap(), index) !== threads) return undefined;
  return {
    max: threads,
    get: () => Atomics.load(heap(), index),
    set: (n: number) => {
      Atomics.store(heap(), index, Math.max(1, Math.min(threads, n)));
    },
  };
}

/**
 * Kernels whose work grows faster than their data (products and convolutions), with that work
 * in floating-point operations, and two that only stream memory but are big and frequent in a CNN
 * step (Relu and MaxPool over a first conv's output: 2.2 → 1.2 and 1.7 → 0.9 ms for
 * `[128,30,30,32]` on two threads), counted as 4 per element so that they get all threads from
 * half a million elements. Every other kernel runs on one thread (same-shape Add and Multiply
 * measured no faster on two).
 */
const WORK: Record<string, (inputs: TF.NamedTensorInfoMap, attrs: Record<string, unknown>) => number> = {
  BatchMatMul: matMulFlops,
  _FusedMatMul: matMulFlops,
  // Forward convs: 2 · x · fH · fW · (out channels, or the depthwise multiplier); strides ignored,
  // so an upper bound.
  Conv2D: (i) => 2 * size(i.x) * taps(i.filter, 3),
  FusedConv2D: (i) => 2 * size(i.x) * taps(i.filter, 3),
  DepthwiseConv2dNative: (i) => 2 * size(i.x) * taps(i.filter, 3),
  FusedDepthwiseConv2D: (i) => 2 * size(i.x) * taps(i.filter, 3),
  // Gradients: the forward conv's work, from dy (the output's size) and the filter's in channels.
  Conv2DBackpropInput: (i) => 2 * size(i.dy) * taps(i.filter, 2),
  Conv2DBackpropFilter: (i, a) => {
    const f = (a.filterShape as number[] | undefined) ?? [];
    return f.length === 4 ? 2 * size(i.dy) * f[0] * f[1] * f[2] : 0;
  },
  Relu: (i) => 4 * size(i.x),
  MaxPool: (i) => 4 * size(i.x),
};

/**
 * The least work, in FLOPs, for which a kernel call gets all threads; below it, waking the pool
 * costs more than it saves. Chosen from `bench/threads.ts` (docs/performance.md).
 */
export const MIN_THREADED_FLOPS = 2e6;

function size(t: TF.TensorInfo | undefined): number {
  return t ? t.shape.reduce((a, b) => a * b, 1) : 0;
}

/** fH · fW · filter dimension `dim` of a rank-4 filter (0 for anything else). */
function taps(filter: TF.TensorInfo | undefined, dim: 2 | 3): number {
  const f = filter?.shape ?? [];
  return f.length === 4 ? f[0] * f[1] * f[dim] : 0;
}

/** 2 · batch · m · k · n = 2 · size(a) · n. */
function matMulFlops(inputs: TF.NamedTensorInfoMap, attrs: Record<string, unknown>): number {
  const b = inputs.b?.shape ?? [];
  if (b.length < 2) return 0;
  return 2 * size(inputs.a) * (attrs.transposeB ? b[b.length - 2] : b[b.length - 1]);
}

/**
 * Wraps the wasm kernels listed in WORK (bmnb's ops among them) so that each call runs with all of
 * `pool`'s threads when its work is at least `minFlops`, else with one; sets one thread for
 * everything else. Call once the backend exists, after bmnb's other wasm ops are registered.
 * Returns the kernels wrapped.
 */
export function threadKernelsByWork(tf: Tfjs, pool: PoolThreads, minFlops = MIN_THREADED_FLOPS): string[] {
  const wrapped = Object.entries(WORK).filter(([kernelName, work]) =>
    overrideKernel<unknown>(tf, {
      kernelName,
      backendName: 'wasm',
      reason: 'threads',
      backend: anyBackend,
      run(_tf, call, original) {
        const wanted = work(call.inputs, call.attrs) >= minFlops ? pool.max : 1;
        const before = pool.get();
        if (wanted === before) return null;
        pool.set(wanted);
        try {
          return original!(call);
        } finally {
          pool.set(before);
        }
      },
    }),
  );
  pool.set(1);
  return wrapped.map(([name]) => name);
}
