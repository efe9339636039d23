/**
 * TensorFlow.js's WebGPU backend in Node, on Dawn (the `webgpu` npm package): any Vulkan, Metal or
 * D3D12 driver, no CUDA.
 *
 * Three things tfjs-backend-webgpu does not do in Node, done here:
 * - **The adapter is ours to choose and to describe.** Dawn is created with the globals tfjs
 *   needs; the adapter is asked for before any device, so `auto` can skip a software one (lavapipe,
 *   SwiftShader: slower than wasm) and say why; its name, vendor, driver and limits are reported.
 * - **Synchronous reads.** tfjs reads a tensor synchronously (`dataSync`, `print`, a few kernels)
 *   through `OffscreenCanvas`, which Node lacks, and a Dawn buffer map completes only when Dawn
 *   processes its events, which it does in a `setImmediate` of its own (its AsyncRunner). The read
 *   here copies to a staging buffer, asks for the map, and runs that one pending Dawn callback
 *   itself until the map is done, napping between tries. The event loop never turns inside the
 *   read: no timer, promise reaction or host request runs in the middle of a cell's synchronous
 *   code (requests wait until the cell yields, as on every other backend).
 * - **Failures that say so.** A buffer over the device's limits is refused before it is made,
 *   naming its size and the limit; errors Dawn reports later (out of memory) surface at the next
 *   read; a lost device (driver reset) is handed to {@link onDeviceLost}, whose caller ends the
 *   kernel.
 */
/// <reference types="@webgpu/types" />
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { GpuAdapter } from '../protocol';
import type { Tfjs, TF } from './tfjs';

const ownRequire = createRequire(__filename);

/** What `auto` and a named `webgpu` say when the adapter cannot be used. */
export class WebgpuUnavailable extends Error {}

// ---- Dawn's event processing, run by hand ---------------------------------------------------

/** The native callback Dawn last handed to setImmediate and that has not run yet. */
let pendingTick: { run: () => void; done: boolean } | undefined;
let tickerInstalled = false;

function isNativeFunction(f: unknown): f is () => void {
  return typeof f === 'function' && /\{\s*\[native code\]\s*\}$/.test(Function.prototype.toString.call(f));
}

/**
 * Wraps setImmediate so that the callback Dawn schedules to process its events (a native function
 * with no arguments: nothing else in Node schedules one) can also be run from a synchronous read.
 * Each such callback runs once: by the event loop, or earlier by a read.
 */
function installTicker(): void {
  if (tickerInstalled) return;
  tickerInstalled = true;
  const realSetImmediate = globalThis.setImmediate;
  const wrapped = function (this: unknown, callback: (...args: unknown[]) => void, ...args: unknown[]) {
    if (args.length === 0 && isNativeFunction(callback)) {
      const tick = { run: callback as () => void, done: false };
      pendingTick = tick;
      return realSetImmediate(() => {
        if (tick.done) return;
        tick.done = true;
        if (pendingTick === tick) pendingTick = undefined;
        tick.run();
      });
    }
    return realSetImmediate(callback, ...args);
  };
  globalThis.setImmediate = Object.assign(wrapped, realSetImmediate) as typeof setImmediate;
}

/** Runs Dawn's pending event processing now; false if none was pending. */
function runDawnTick(): boolean {
  const tick = pendingTick;
  if (!tick || tick.done) return false;
  tick.done = true;
  pendingTick = undefined;
  tick.run();
  return true;
}

const napCell = new Int32Array(new SharedArrayBuffer(4));
/** Sleeps the thread for `ms` (fractions allowed) without turning the event loop. */
function nap(ms: number): void {
  Atomics.wait(napCell, 0, 0, ms);
}

// ---- Dawn and the adapter --------------------------------------------------------------------

interface Dawn {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
}

let dawn: Promise<GPU> | undefined;

/**
 * Dawn's own options, for a machine with several GPUs or drivers: `backend=vulkan|metal|d3d12|
 * opengles` picks the API, `adapter=<part of its name>` the GPU (e.g. `adapter=NVIDIA`).
 */
export const FLAGS_ENV = 'BMNB_WEBGPU_FLAGS';
function dawnFlags(): string[] {
  return (process.env[FLAGS_ENV] ?? '').split(/[\s,]+/).filter(Boolean);
}

/** Loads Dawn once per process and makes `navigator.gpu` and the WebGPU globals tfjs expects. */
export function loadDawn(): Promise<GPU> {
  dawn ??= (async () => {
    installTicker();
    let mod: Dawn;
    try {
      mod = (await import(pathToFileURL(ownRequire.resolve('webgpu')).href)) as Dawn;
    } catch (err) {
      throw new WebgpuUnavailable(`Dawn (the webgpu package) did not load: ${firstLine(err)}`);
    }
    for (const [k, v] of Object.entries(mod.globals)) if (!(k in globalThis)) Object.defineProperty(globalThis, k, { value: v, configurable: true, writable: true });
    const flags = dawnFlags();
    let gpu: GPU;
    try {
      gpu = mod.create(flags);
    } catch (err) {
      throw new WebgpuUnavailable(`Dawn did not start${flags.length ? ` with ${FLAGS_ENV}=${flags.join(',')}` : ''}: ${String((err as Error).message ?? err).replace(/\s+/g, ' ').trim()}`);
    }
    const nav = (globalThis as { navigator?: object }).navigator;
    if (nav) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
    else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
    return gpu;
  })();
  return dawn;
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n').find((l) => l.trim().length > 0)?.trim() ?? msg;
}

/** `GPUAdapter.info` (newer than the types tfjs-backend-webgpu brings). */
type AdapterWithInfo = GPUAdapter & { info: GPUAdapterInfo };

/** Software rasterizers that present themselves as GPUs. */
const SOFTWARE = /llvmpipe|lavapipe|swiftshader|microsoft basic render|softpipe/i;

export function describeAdapter(adapter: GPUAdapter): GpuAdapter {
  const info = (adapter as AdapterWithInfo).info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const name = (info.description || info.device || info.vendor || 'unknown GPU').split(':')[0].trim();
  const software = info.architecture === 'software' || info.isFallbackAdapter === true || SOFTWARE.test(`${info.description} ${info.device}`);
  // Dawn's description is "<name>: <driver>" (e.g. "llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)").
  const colon = info.description?.indexOf(':') ?? -1;
  const driver = colon >= 0 ? info.description.slice(colon + 1).trim() : undefined;
  return {
    name,
    vendor: info.vendor || 'unknown',
    architecture: info.architecture || undefined,
    software,
    driver: driver || undefined,
    limits: {
      maxBufferSize: adapter.limits.maxBufferSize,
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: adapter.limits.maxComputeInvocationsPerWorkgroup,
    },
  };
}

export function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${+(n / 2 ** 30).toFixed(1)} GB`;
  if (n >= 2 ** 20) return `${+(n / 2 ** 20).toFixed(1)} MB`;
  if (n >= 2 ** 10) return `${+(n / 2 ** 10).toFixed(1)} KB`;
  return `${n} bytes`;
}

/** One line: "llvmpipe (mesa, software; Mesa 25.0.7 …), buffers ≤ 4 GB, bindings ≤ 128 MB". */
export function adapterLine(a: GpuAdapter): string {
  const kind = a.software ? 'software' : 'hardware';
  return (
    `${a.name} (${a.vendor}, ${kind}${a.driver ? `; ${a.driver}` : ''}), ` +
    `buffers ≤ ${formatBytes(a.limits.maxBufferSize)}, bindings ≤ ${formatBytes(a.limits.maxStorageBufferBindingSize)}`
  );
}

/** The adapter Dawn gives (high-performance first), described; throws WebgpuUnavailable when there is none. */
export async function findAdapter(): Promise<{ adapter: GPUAdapter; info: GpuAdapter }> {
  const gpu = await loadDawn();
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (err) {
    throw new WebgpuUnavailable(`the GPU driver failed: ${firstLine(err)}`);
  }
  if (!adapter) {
    const flags = dawnFlags();
    throw new WebgpuUnavailable(
      'no WebGPU adapter: Dawn found no GPU driver it can use (Vulkan on Linux and Windows, Metal on macOS, D3D12 on Windows)' +
        (flags.length ? ` with ${FLAGS_ENV}=${flags.join(',')}` : ''),
    );
  }
  return { adapter, info: describeAdapter(adapter) };
}

// ---- the backend ------------------------------------------------------------------------------

/** How the kernel hears of a lost device: once, with Dawn's reason and message. */
let lostHandler: ((reason: string, message: string) => void) | undefined;
export function onDeviceLost(handler: (reason: string, message: string) => void): void {
  lostHandler = handler;
}

/** The parts of tfjs-backend-webgpu's WebGPUBackend used here. */
interface WebGPUBackendLike {
  device: GPUDevice;
  runWebGPUProgram(program: object, ...rest: unknown[]): unknown;
  uploadToGPU(dataId: object): void;
  tensorMap: { get(dataId: object): { values?: unknown; dtype: string; resource: GPUBuffer; complexTensorInfos?: { real: { dataId: object }; imag: { dataId: object } } } };
  bufferManager: {
    acquireBuffer(size: number, usage: number, mappedAtCreation?: boolean, reuse?: boolean): GPUBuffer;
    releaseBuffer(buffer: GPUBuffer): void;
  };
  commandEncoder: GPUCommandEncoder;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  convertAndCacheOnCPU(dataId: object, data: unknown): unknown;
  readSync(dataId: object): unknown;
  read(dataId: object): Promise<unknown>;
}

/**
 * Registers tfjs's `webgpu` backend on `adapter`, with synchronous reads, size checks, Dawn's
 * errors and device loss handled as the module comment says.
 */
export function registerWebgpu(tf: Tfjs, adapter: GPUAdapter): void {
  // tfjs-backend-webgpu registers a factory of its own when navigator.gpu exists; ours replaces it.
  const pkg = ownRequire('@tensorflow/tfjs-backend-webgpu') as { WebGPUBackend: new (device: GPUDevice, info?: GPUAdapterInfo) => WebGPUBackendLike };
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend(
    'webgpu',
    async () => {
      const limits = adapter.limits;
      const requiredFeatures = (['timestamp-query'] as GPUFeatureName[]).filter((f) => adapter.features.has(f));
      const device = await adapter.requestDevice({
        requiredFeatures,
        requiredLimits: {
          maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
          maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
          maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
          maxBufferSize: limits.maxBufferSize,
          maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
          maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
        },
      });
      const backend = new pkg.WebGPUBackend(device, (adapter as AdapterWithInfo).info);
      instrument(tf, backend, device);
      return backend as unknown as TF.KernelBackend;
    },
    3,
  );
}

/** Errors Dawn reported on its own (not tied to a call): thrown at the next read. */
interface GpuErrors {
  pending?: string;
  outOfMemory?: boolean;
  lost?: string;
}

/**
 * tfjs-backend-webgpu 4.22's transpose shaders are written for float32: the general one hands the
 * input element to `setOutputAtIndex`, whose value is f32, so for an int32 or bool input (a Keras
 * mask through an LSTM, any reduction over a non-last axis of an int32 tensor) it does not compile;
 * the 2-D one goes through a tile of f32, so int32 values above 2^24 come out changed. For an
 * integer input both are rewritten to carry i32 (`setOutputAtIndexI32`, an i32 tile): exact.
 * Applied where programs run, since kernels call transpose() directly, not through the registry.
 * The shader cache key holds the dtypes, so each dtype gets its own shader. The fix belongs in tfjs.
 */
const INT_INPUT = Symbol('bmnb.webgpu.intInput');
const INT_TRANSPOSE: Record<string, [RegExp | string, string][]> = {
  TransposeProgram: [['setOutputAtIndex(flatIndex, A[', 'setOutputAtIndexI32(flatIndex, A[']],
  TransposeSharedProgram: [
    [/array<array<f32, /, 'array<array<i32, '],
    ['f32(A[y * width + x])', 'A[y * width + x]'],
    ['setOutputAtIndex((y * height + x)', 'setOutputAtIndexI32((y * height + x)'],
  ],
};
const FIXED = Symbol('bmnb.webgpu.transposeFixed');

type Program = { getUserCode(): string; [INT_INPUT]?: boolean };

function fixTransposeShaders(backend: WebGPUBackendLike): void {
  const run = backend.runWebGPUProgram.bind(backend);
  backend.runWebGPUProgram = (program, ...rest) => {
    const proto = Object.getPrototypeOf(program) as Program & { constructor: { name: string }; [FIXED]?: boolean };
    const edits = INT_TRANSPOSE[proto.constructor.name];
    if (edits) {
      // The dtype of the buffer (tfjs's own shader keys read it there), not the tensor's.
      const input = (rest[0] as { dataId: object }[])[0];
      const dtype = input ? backend.tensorMap.get(input.dataId).dtype : undefined;
      (program as Program)[INT_INPUT] = dtype === 'int32' || dtype === 'bool';
      if (!proto[FIXED]) {
        const original = proto.getUserCode;
        proto.getUserCode = function (this: Program) {
          let code = original.call(this);
          if (!this[INT_INPUT]) return code;
          for (const [from, to] of edits) {
            const next = code.replace(from, to);
            if (next === code) throw new Error(`bmnb: tfjs-backend-webgpu's ${proto.constructor.name} shader changed; its int32 fix no longer applies`);
            code = next;
          }
          return code;
        };
        proto[FIXED] = true;
      }
    }
    return run(program, ...rest);
  };
}

/** The largest integer every float32 holds exactly. */
const F32_EXACT = 2 ** 24;

/**
 * tfjs-backend-webgpu computes int32 through float32 (its shaders' values are f32): integers beyond
 * ±2^24 come out rounded, in arithmetic and even in slices and copies. Rare in models (labels and
 * indices are small), but never silent: the first int32 tensor sent to the GPU with such values
 * gets a warning on the cell's stderr.
 */
function warnOnLargeIntegers(backend: WebGPUBackendLike): void {
  const upload = backend.uploadToGPU.bind(backend);
  let warned = false;
  backend.uploadToGPU = (dataId) => {
    if (!warned) {
      const data = backend.tensorMap.get(dataId) as { dtype: string; resource?: unknown; values?: ArrayLike<number> };
      if (data.dtype === 'int32' && data.resource == null && data.values) {
        const values = data.values;
        for (let i = 0; i < values.length; i++) {
          if (values[i]! > F32_EXACT || values[i]! < -F32_EXACT) {
            warned = true;
            console.warn(
              `bmnb webgpu: an int32 tensor holds ${values[i]}, beyond ±16,777,216 (2^24). tfjs-backend-webgpu computes int32 ` +
                'through float32, so such integers come out rounded on the GPU. Use the wasm or cpu backend for them.',
            );
            break;
          }
        }
      }
    }
    upload(dataId);
  };
}

function instrument(tf: Tfjs, backend: WebGPUBackendLike, device: GPUDevice): void {
  fixTransposeShaders(backend);
  warnOnLargeIntegers(backend);
  const errors: GpuErrors = {};
  device.addEventListener('uncapturederror', (event) => {
    const error = (event as GPUUncapturedErrorEvent).error;
    if (errors.pending !== undefined) return;
    errors.outOfMemory = error.constructor?.name === 'GPUOutOfMemoryError';
    errors.pending = `The GPU ${errors.outOfMemory ? 'ran out of memory' : 'reported an error'}: ${error.message.trim()}`;
  });
  void device.lost.then((info) => {
    errors.lost = `${info.reason ?? 'unknown'}: ${info.message || 'no message'}`;
    lostHandler?.(info.reason ?? 'unknown', info.message || 'no message');
  });

  const throwPending = () => {
    const message = errors.pending;
    if (message === undefined) return;
    errors.pending = undefined;
    const hint = errors.outOfMemory
      ? 'Dispose tensors you no longer need (tf.dispose, tf.tidy) or use smaller batches, then recompute what ran since.'
      : 'Tensors computed since may hold wrong values: recompute them.';
    throw new Error(`${message}\n${hint}`);
  };

  // A buffer over the device's limits would be an invalid buffer and a later error far from its
  // cause: refuse it here, naming its size. tfjs binds whole tensor buffers as storage.
  const { maxBufferSize, maxStorageBufferBindingSize } = device.limits;
  const acquire = backend.bufferManager.acquireBuffer.bind(backend.bufferManager);
  backend.bufferManager.acquireBuffer = (size, usage, mappedAtCreation, reuse) => {
    const storage = (usage & GPUBufferUsage.STORAGE) !== 0;
    const limit = storage ? Math.min(maxBufferSize, maxStorageBufferBindingSize) : maxBufferSize;
    if (size > limit) {
      throw new RangeError(
        `Cannot allocate ${formatBytes(size)} on the GPU (a tensor of ${Math.floor(size / 4).toLocaleString('en-US')} 32-bit values): ` +
          `this GPU's largest ${storage ? 'tensor buffer (maxStorageBufferBindingSize)' : 'buffer (maxBufferSize)'} is ${formatBytes(limit)}. ` +
          'Split the tensor (smaller batches) or use the wasm backend for it.',
      );
    }
    return acquire(size, usage, mappedAtCreation, reuse);
  };

  // A read submits the commands still queued, so the errors of everything before it are in by
  // the time it completes: check then (checking first would blame the error of queued commands
  // on the next read).
  const read = backend.read.bind(backend);
  backend.read = async (dataId) => {
    const values = await read(dataId);
    if (errors.pending !== undefined) {
      settle();
      throwPending();
    }
    return values;
  };

  /** Copies `size` bytes of `buffer` to the CPU after every queued command, without turning the event loop. */
  const copyToCpuSync = (buffer: GPUBuffer, size: number): ArrayBuffer => {
    const staging = backend.bufferManager.acquireBuffer(size, GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ);
    backend.ensureCommandEncoderReady();
    backend.endComputePassEncoder();
    backend.commandEncoder.copyBufferToBuffer(buffer, 0, staging, 0, size);
    backend.submitQueue();
    staging.mapAsync(GPUMapMode.READ).catch(() => {
      // seen below as a map that went back to 'unmapped'
    });
    while (staging.mapState !== 'mapped') {
      if (staging.mapState === 'unmapped') {
        backend.bufferManager.releaseBuffer(staging);
        throwPending();
        throw new Error(
          errors.lost
            ? `Reading a tensor from the GPU failed: the GPU device was lost (${errors.lost}).`
            : 'Reading a tensor from the GPU failed: the GPU did not map its buffer (was the device lost?).',
        );
      }
      // Dawn's own event processing completes the map; between its turns the GPU works.
      nap(runDawnTick() ? 0.05 : 0.02);
    }
    const values = staging.getMappedRange().slice(0);
    staging.unmap();
    backend.bufferManager.releaseBuffer(staging);
    return values;
  };

  // A tiny buffer copied after the queued commands: when its copy is mapped, they have all run
  // and reported their errors.
  let fenceBuffer: GPUBuffer | undefined;
  const settle = () => {
    fenceBuffer ??= device.createBuffer({ size: 16, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    copyToCpuSync(fenceBuffer, 16);
  };

  backend.readSync = function readSync(this: WebGPUBackendLike, dataId: object): unknown {
    const data = this.tensorMap.get(dataId);
    if (data.values != null || data.dtype === 'string') {
      // Values kept on the CPU: an error Dawn reported meanwhile is still this read's to throw,
      // once the commands it came from have all run.
      if (errors.pending !== undefined) {
        settle();
        throwPending();
      }
      return data.values;
    }
    if (data.dtype === 'complex64' && data.complexTensorInfos) {
      const real = this.readSync(data.complexTensorInfos.real.dataId) as Float32Array;
      const imag = this.readSync(data.complexTensorInfos.imag.dataId) as Float32Array;
      return this.convertAndCacheOnCPU(dataId, tf.backend_util.mergeRealAndImagArrays(real, imag));
    }
    const values = copyToCpuSync(data.resource, data.resource.size);
    throwPending();
    return this.convertAndCacheOnCPU(dataId, tf.util.convertBackendValuesAndArrayBuffer(values, data.dtype as 'float32'));
  };
}
