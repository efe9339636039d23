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

export interface SimdKernels {
  /** out[j] = Σ_r x[r·c + j] (float32, byte offsets into the backend's memory). */
  sumRows(x: number, out: number, rows: number, c: number): void;
  /** MaxPoolGrad over NHWC: dx from x and dy (byte offsets), the pool's geometry after them. */
  maxPoolGrad(
    x: number, dy: number, dx: number, n: number, h: number, w: number, c: number,
    oh: number, ow: number, fh: number, fw: number, sh: number, sw: number, top: number, left: number,
  ): void;
  /** Conv2DBackpropFilter's im2col: output rows [r0, r0 + nr) of x into cols laid out [K, P] (byte offsets). */
  im2colTransposed(
    x: number, cols: number, r0: number, nr: number, h: number, w: number, c: number, oh: number, ow: number,
    fh: number, fw: number, sh: number, sw: number, top: number, left: number,
  ): void;
  /** Conv2DBackpropFilter over NHWC: dw [fh, fw, c, co] from x and dy (byte offsets), the conv's geometry after them. */
  conv2dBackpropFilter(
    x: number, dy: number, dw: number, n: number, h: number, w: number, c: number,
    oh: number, ow: number, co: number, fh: number, fw: number, sh: number, sw: number, top: number, left: number,
  ): void;
}

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
    const module = compile(memory.buffer instanceof SharedArrayBuffer ? 'shared' : 'plain');
    const exports = module ? (new WebAssembly.Instance(module, { env: { memory } }).exports as Record<string, (...a: number[]) => void>) : undefined;
    instances.set(memory, exports ? { sumRows: exports.sum_rows!, maxPoolGrad: exports.max_pool_grad!, conv2dBackpropFilter: exports.conv2d_backprop_filter!, im2colTransposed: exports.im2col_transposed! } : null);
  }
  return instances.get(memory) ?? undefined;
}

/** Whether the SIMD module was built (dist/simd.wasm), for the doctor and the tests. */
export function simdBuilt(): boolean {
  return fileOf(FILES.plain) !== undefined && fileOf(FILES.shared) !== undefined;
}
