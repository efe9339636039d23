/**
 * Starts tfjs-backend-wasm's threaded SIMD build under Node, which the package itself never does
 * (tfjs issue 3830): its `WASM_HAS_MULTITHREAD_SUPPORT` flag is hard-wired to false under Node,
 * because it would hand emscripten a `blob:` URL for the pthread worker and for the main script,
 * which Node's `worker_threads` refuses.
 *
 * This loader does what the package's `init()` does, with files instead of blobs:
 * - the emscripten glue (`wasm-out/tfjs-backend-wasm-threaded-simd.js`) is evaluated here as a
 *   CommonJS module, with its pool of pre-started pthread workers sized to the threads asked for
 *   (the glue hard-codes 8: each is a Node worker, a V8 isolate of its own, and all of them start
 *   before the module is ready), and its count of logical cores answered with twice the threads
 *   asked for (tfjs's C++ takes half the logical cores as its thread cap, assuming hyperthreads:
 *   on a 2-vCPU machine that is 1) — these two statements are all that is changed, in memory;
 * - the pthread worker script is the package's own (`wasm-out/…threaded-simd.worker.js` exports
 *   it as a string), written once to a file in the temp folder named by its hash, and each
 *   worker loads the glue from its file path;
 * - the backend object is the package's own `BackendWasm`, registered under the name `wasm`, so
 *   every registered wasm kernel (the package's and ours) runs on it unchanged.
 * Node's `os`, `Object.prototype` and the package's files are left as they are. The workers are
 * `unref`'d, so they never keep the kernel process alive.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runInThisContext } from 'node:vm';
import type { Tfjs } from './tfjs';
import { findPoolCount, MIN_THREADED_FLOPS, poolThreads, threadKernelsByWork, type PoolCountLocation } from './wasmThreadPool';

const ownRequire = createRequire(__filename);

interface EmscriptenModule {
  cwrap(name: string, ret: string | null, args: string[]): (...a: number[]) => number;
  wasmMemory?: { readonly buffer: ArrayBufferLike };
  tfjs?: Record<string, unknown>;
  PThread?: { runningWorkers?: Array<{ unref?(): void }> };
}
type Factory = (config: Record<string, unknown>) => Promise<EmscriptenModule>;

interface WasmPackage {
  BackendWasm: new (wasm: EmscriptenModule) => object;
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
}

/** Where the threaded build's three files are, or why they are not there. */
export function threadedWasmFiles(): { glue: string; worker: string; wasm: string } | { missing: string } {
  let pkgDir: string;
  try {
    pkgDir = dirname(ownRequire.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  } catch {
    return { missing: '@tensorflow/tfjs-backend-wasm is not installed' };
  }
  const files = {
    glue: join(pkgDir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js'),
    worker: join(pkgDir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js'),
    wasm: join(pkgDir, 'dist', 'tfjs-backend-wasm-threaded-simd.wasm'),
  };
  for (const f of Object.values(files)) if (!existsSync(f)) return { missing: `${f} is missing` };
  return files;
}

/**
 * The pthread worker's script as a file: the package ships it as a module exporting the script's
 * text (for a blob). Written once per content (hash in the name), atomically, to the temp folder.
 */
function workerScriptFile(moduleFile: string): string {
  const contents = (ownRequire(moduleFile) as { wasmWorkerContents?: unknown }).wasmWorkerContents;
  if (typeof contents !== 'string') throw new Error(`${moduleFile} has no wasmWorkerContents`);
  // The export is a template literal, so the script's own "\n" escapes arrive as newlines inside
  // string literals; tfjs escapes them back the same way before making its blob.
  const text = contents.replace(/\n/g, '\\n');
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const file = join(tmpdir(), `bmnb-tfjs-wasm-pthread-${hash}.cjs`);
  if (!existsSync(file) || readFileSync(file, 'utf8') !== text) {
    const part = `${file}.${process.pid}.tmp`;
    writeFileSync(part, text);
    renameSync(part, file);
  }
  return file;
}

/** The glue's statements this loader replaces (one match each in tfjs 4.22), and with what. */
const PATCHES: ReadonlyArray<readonly [RegExp, (threads: number) => string]> = [
  [/pthreadPoolSize=8;/, (t) => `pthreadPoolSize=${t - 1};`],
  [/function _emscripten_num_logical_cores\(\)\{/, (t) => `function _emscripten_num_logical_cores(){return ${2 * t};`],
];

/**
 * Registers the `wasm` backend as tfjs-backend-wasm's threaded SIMD build with `threads` threads
 * (≥ 2; the calling thread is one of them). Call after `@tensorflow/tfjs-backend-wasm` is
 * imported and before `tf.setBackend('wasm')`. Throws, leaving the package's own single-threaded
 * `wasm` backend registered, when threads or SIMD are unavailable or a file is missing.
 */
export function registerThreadedWasm(tf: Tfjs, threads: number, minFlops: number = MIN_THREADED_FLOPS): void {
  if (!Number.isInteger(threads) || threads < 2) throw new Error(`threads must be an integer ≥ 2, got ${threads}`);
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') {
    throw new Error('this Node has no SharedArrayBuffer/Atomics, which wasm threads need');
  }
  const found = threadedWasmFiles();
  if ('missing' in found) throw new Error(found.missing);
  const files = { ...found, worker: workerScriptFile(found.worker) };
  const source = readFileSync(files.glue, 'utf8');
  let patched = source;
  for (const [pattern, replacement] of PATCHES) {
    if (!pattern.test(patched)) throw new Error(`${files.glue}: ${pattern.source} was not found (has the tfjs version changed?)`);
    patched = patched.replace(pattern, replacement(threads));
  }
  const module = { exports: {} as unknown };
  const wrapper = runInThisContext(`(function (exports, require, module, __filename, __dirname) {${patched}\n})`, {
    filename: files.glue,
  }) as (e: unknown, r: NodeJS.Require, m: { exports: unknown }, f: string, d: string) => void;
  wrapper(module.exports, createRequire(files.glue), module, files.glue, dirname(files.glue));
  const factory = module.exports as Factory;
  if (typeof factory !== 'function') throw new Error(`${files.glue} did not export the emscripten factory`);
  const pkg = ownRequire('@tensorflow/tfjs-backend-wasm') as WasmPackage;
  const binary = readFileSync(files.wasm);
  let poolAt: PoolCountLocation | undefined;
  let noSwitch: string | undefined;
  try {
    poolAt = findPoolCount(binary);
  } catch (err) {
    noSwitch = `the pool's thread count was not found in ${files.wasm}: ${err instanceof Error ? err.message : String(err)}`;
  }

  const stock = tf.findBackendFactory('wasm');
  const threaded = async (): Promise<object> => {
    let aborted: string | undefined;
    const wasm = await factory({
      locateFile: (path: string, prefix: string) =>
        path.endsWith('.worker.js') ? files.worker : path.endsWith('.wasm') ? files.wasm : prefix + path,
      // Each pthread worker evaluates this file (a path: a blob is what Node refuses).
      mainScriptUrlOrBlob: files.glue,
      wasmBinary: binary,
      onAbort: (what: unknown) => {
        aborted = String(what);
      },
    });
    if (aborted) throw new Error(`the threaded wasm module aborted: ${aborted}`);
    wasm.tfjs = {
      init: wasm.cwrap('init', null, []),
      initWithThreadsCount: wasm.cwrap('init_with_threads_count', null, ['number']),
      getThreadsCount: wasm.cwrap('get_threads_count', 'number', []),
      registerTensor: wasm.cwrap('register_tensor', null, ['number', 'number', 'number']),
      disposeData: wasm.cwrap('dispose_data', null, ['number']),
      dispose: wasm.cwrap('dispose', null, []),
    };
    pkg.setThreadsCount(threads);
    const backend = new pkg.BackendWasm(wasm);
    // The thread pool's workers now run (emscripten ref()s a worker while its pthread runs). They
    // only work inside a kernel call the main thread waits on, so they must not keep the process
    // alive on their own.
    for (const w of wasm.PThread?.runningWorkers ?? []) w.unref?.();
    // Threads per kernel call: all of them for big products and convs, one for the rest.
    const pool = poolAt && wasm.wasmMemory ? poolThreads(wasm.wasmMemory, poolAt, threads) : undefined;
    if (pool && minFlops > 0) threadKernelsByWork(tf, pool, minFlops);
    perKernel = pool ? (minFlops > 0 ? minFlops : undefined) : undefined;
    if (!pool && !noSwitch) noSwitch = 'the thread count found does not match the running pool';
    switchFailure = pool ? undefined : noSwitch;
    return backend;
  };
  // Should the threaded module fail to start, the package's own single-threaded one does.
  const start = async (): Promise<object> => {
    try {
      return await threaded();
    } catch (err) {
      if (!stock) throw err;
      startFailure = err instanceof Error ? err.message : String(err);
      return stock() as object;
    }
  };
  startFailure = undefined;
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', start as unknown as () => Promise<never>, 2);
}

let startFailure: string | undefined;
let perKernel: number | undefined;
let switchFailure: string | undefined;

/**
 * The least work (FLOPs) for which a kernel call of the threaded backend gets all its threads
 * (fewer run on one), or undefined when every kernel gets all of them; and why, if the switch
 * could not be set up.
 */
export function threadedWasmPerKernel(): { minFlops?: number; failure?: string } {
  return { minFlops: perKernel, failure: switchFailure };
}

/** Why the threaded module registered by `registerThreadedWasm` fell back to one thread, if it did. */
export function threadedWasmFailure(): string | undefined {
  return startFailure;
}

/**
 * How many wasm threads to use: `BMNB_WASM_THREADS` when set (1 = the package's own
 * single-threaded build), else one per core the process may use, at most 8 (tfjs's C++ cap).
 */
export function wantedWasmThreads(env: NodeJS.ProcessEnv = process.env, cores = availableParallelism()): number | { error: string } {
  const raw = env.BMNB_WASM_THREADS?.trim();
  if (raw) {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 8) return { error: `BMNB_WASM_THREADS must be a whole number from 1 to 8, got '${raw}'` };
    return n;
  }
  return Math.max(1, Math.min(8, cores));
}

/**
 * The work from which a kernel gets all threads: `BMNB_WASM_THREAD_MIN_MFLOPS` (in MFLOP; 0 =
 * every kernel on all threads, as tfjs does) or {@link MIN_THREADED_FLOPS}.
 */
export function wantedThreadMinFlops(env: NodeJS.ProcessEnv = process.env): number | { error: string } {
  const raw = env.BMNB_WASM_THREAD_MIN_MFLOPS?.trim();
  if (!raw) return MIN_THREADED_FLOPS;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) return { error: `BMNB_WASM_THREAD_MIN_MFLOPS must be a number ≥ 0 (MFLOP), got '${raw}'` };
  return n * 1e6;
}

/** The number of threads the running wasm backend uses (1 for the package's own build). */
export function wasmThreadsInUse(): number {
  try {
    return (ownRequire('@tensorflow/tfjs-backend-wasm') as WasmPackage).getThreadsCount();
  } catch {
    return 1;
  }
}
