/**
 * bmnb's SIMD kernels (src/backends/simd/kernels.c, built by esbuild.mjs with clang's wasm32
 * target into dist/simd.wasm and, for the threaded build's shared memory, dist/simd-shared.wasm).
 * The module imports tfjs-backend-wasm's own memory, so a kernel works in place on the backend's
 * tensors, given their byte offsets. One instance per memory; none when the module was not built
 * (no clang: the ops that use it fall back to their JS or the backend's kernel) or the backend's
 * memory cannot be reached. `BMNB_SIMD=0` turns them off.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SimdPool } from './simdPool';
import { wasmThreadsInUse } from './wasmThreads';

export interface SimdKernels {
  /** out[j] = Σ_r x[r·c + j] (float32, byte offsets into the backend's memory). */
  sumRows(x: number, out: number, rows: number, c: number): void;
  /** MaxPoolGrad over NHWC: dx from x and dy (byte offsets), the pool's geometry after them. */
  maxPoolGrad(
    x: number, dy: number, dx: number, n: number, h: number, w: number, c: number,
    oh: number, ow: number, fh: number, fw: number, sh: number, sw: number, top: number, left: number,
  ): void;
  /**
   * Conv2DBackpropFilter's im2col: output rows [r0, r0 + nr) of x into cols laid out [K, ldp]
   * from its first column (byte offsets).
   */
  im2colTransposed(
    x: number, cols: number, r0: number, nr: number, ldp: number, h: number, w: number, c: number, oh: number, ow: number,
    fh: number, fw: number, sh: number, sw: number, top: number, left: number,
  ): void;
  /** Relu's gradient: out[i] = dy[i] · step(x[i]) over n floats (byte offsets). */
  reluGrad(dy: number, x: number, out: number, n: number): void;
  /**
   * dw[k0:k1, c0:c1] (+)= cols [K, P] · dy [P, co] over those rows and columns (byte offsets;
   * accumulate 1 adds to dw; transposed 1: cols is stored [P, K]).
   */
  gemm(
    cols: number, dy: number, dw: number, k: number, p: number, co: number,
    k0: number, k1: number, c0: number, c1: number, accumulate: number, transposed: number,
  ): void;
  /** out[r, j] = a[r, j] + b[j] for `rows` rows of c floats (byte offsets). */
  addRows(a: number, b: number, out: number, rows: number, c: number): void;
  /**
   * Runs the kernels by their C names, several calls at once, on the pool's threads (one unless
   * the backend's memory is shared: the threaded build's).
   */
  pool: SimdPool;
}

/** The module's exports, by the names the kernels have in C. */
const EXPORTS = {
  sumRows: 'sum_rows',
  maxPoolGrad: 'max_pool_grad',
  im2colTransposed: 'im2col_transposed',
  reluGrad: 'relu_grad',
  gemm: 'gemm',
  addRows: 'add_rows',
} as const;
export type SimdKernelName = (typeof EXPORTS)[keyof typeof EXPORTS];

/** The part of tfjs-backend-wasm's emscripten module that holds its memory. */
export interface WasmModuleLike {
  /** The threaded build's shared memory. */
  wasmMemory?: WebAssembly.Memory;
  /** The single-threaded build exports its memory. */
  asm?: { memory?: WebAssembly.Memory };
}

const FILES = { plain: 'simd.wasm', shared: 'simd-shared.wasm' } as const;
const compiled = new Map<keyof typeof FILES, WebAssembly.Module | null>();
const instances = new WeakMap<WebAssembly.Memory, SimdKernels | null>();

/** Where the built modules are: beside the bundle (dist/kernel.js), or dist/ when run from source. */
function fileOf(name: string): string | undefined {
  return [join(__dirname, name), join(__dirname, '..', '..', 'dist', name)].find((f) => existsSync(f));
}

function compile(kind: keyof typeof FILES): WebAssembly.Module | null {
  if (!compiled.has(kind)) {
    const file = fileOf(FILES[kind]);
    let module: WebAssembly.Module | null = null;
    if (file) {
      module = new WebAssembly.Module(readFileSync(file));
      // It may touch only the memory it is given: it imports nothing else.
      const imports = WebAssembly.Module.imports(module);
      if (imports.length !== 1 || imports[0]!.kind !== 'memory') throw new Error(`${file} imports more than the backend's memory: rebuild it (npm run build)`);
    }
    compiled.set(kind, module);
  }
  return compiled.get(kind)!;
}

/** The SIMD kernels over a wasm backend's memory, or undefined when there are none. */
export function simdKernels(wasm: WasmModuleLike | undefined): SimdKernels | undefined {
  // BMNB_SIMD=0 turns them off (the tests run the ops both ways; a way round a suspected bug).
  if (process.env.BMNB_SIMD === '0') return undefined;
  const memory = wasm?.wasmMemory ?? wasm?.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory)) return undefined;
  if (!instances.has(memory)) {
    const shared = memory.buffer instanceof SharedArrayBuffer;
    const module = compile(shared ? 'shared' : 'plain');
    let kernels: SimdKernels | null = null;
    if (module) {
      const exports = new WebAssembly.Instance(module, { env: { memory } }).exports as Record<string, (...a: number[]) => void>;
      const local: Record<string, (...a: number[]) => void> = {};
      for (const name of Object.values(EXPORTS)) {
        if (typeof exports[name] !== 'function') throw new Error(`the SIMD module has no ${name}: rebuild it (npm run build)`);
        local[name] = exports[name];
      }
      const pool = new SimdPool(local, module, memory, shared ? simdThreads() : 1);
      kernels = { ...(Object.fromEntries(Object.entries(EXPORTS).map(([k, name]) => [k, local[name]])) as Omit<SimdKernels, 'pool'>), pool };
    }
    instances.set(memory, kernels);
  }
  return instances.get(memory) ?? undefined;
}

/**
 * How many threads bmnb's SIMD kernels use on the threaded build: as many as the backend
 * (`BMNB_WASM_THREADS`, else one per core), or `BMNB_SIMD_THREADS`.
 */
function simdThreads(): number {
  const raw = process.env.BMNB_SIMD_THREADS?.trim();
  return raw ? Number(raw) : wasmThreadsInUse();
}

/**
 * What is wrong with `BMNB_SIMD_THREADS` (1 to 8) or `BMNB_SIMD_PRODUCT` (0 or 1; 0 gives the
 * products of Conv2DBackpropFilter and BatchMatMul back to XNNPACK), if either is set badly: the
 * backend refuses to load with it.
 */
export function simdSettingsError(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const threads = env.BMNB_SIMD_THREADS?.trim();
  if (threads && !(Number.isInteger(Number(threads)) && Number(threads) >= 1 && Number(threads) <= 8)) {
    return `BMNB_SIMD_THREADS must be a whole number from 1 to 8, got '${threads}'`;
  }
  const product = env.BMNB_SIMD_PRODUCT?.trim();
  if (product && product !== '0' && product !== '1') return `BMNB_SIMD_PRODUCT must be 0 or 1, got '${product}'`;
  return undefined;
}

/** Whether the ops run their matrix products in bmnb's SIMD kernel (`BMNB_SIMD_PRODUCT=0`: XNNPACK's). */
export function simdProductOn(): boolean {
  return process.env.BMNB_SIMD_PRODUCT?.trim() !== '0';
}

/** Whether the SIMD module was built (dist/simd.wasm), for the doctor and the tests. */
export function simdBuilt(): boolean {
  return fileOf(FILES.plain) !== undefined && fileOf(FILES.shared) !== undefined;
}
