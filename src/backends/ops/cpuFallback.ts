/**
 * Every tfjs kernel that the cpu backend has and wasm lacks runs on the cpu backend when a cell
 * calls it on wasm: one generic `missing` op per such kernel name, registered for wasm after
 * bmnb's own ops (register.ts), so that no op that works on cpu fails on the default backend with
 * "Kernel '…' not registered for backend 'wasm'".
 *
 * A call copies each input out of the wasm heap into the cpu backend's storage, runs cpu's own
 * kernel (whatever is registered for cpu at the time of the call) with the same attrs, copies each
 * output back into the wasm heap with the backend's `makeOutput`, and frees every temporary on
 * both sides: the engine sees exactly the outputs as new tensors and wasm exactly one new buffer
 * per output (the engine never sees the cpu copies, except a cpu kernel's own `makeOutput` tensor,
 * which is disposed here; an output that is an input's own data, as cpu's Draw returns its image,
 * shares the wasm input's buffer instead of a copy). The first call of each kernel name in a process prints a note into the
 * running cell (`console.warn`), since the copies cost time on big tensors.
 *
 * Dtypes:
 * - float32, int32, bool: the bytes, each way.
 * - string: tfjs keeps strings as arrays of UTF-8 byte arrays on both backends (wasm's
 *   `stringBytes`, cpu's `values`); the array is copied (the byte arrays, never written to, are
 *   shared).
 * - complex64: tfjs-backend-wasm has no complex kernels, but its `write`/`makeOutput` take
 *   complex64 as they take any numeric dtype, as `util.bytesPerElement('complex64')` (8) bytes per
 *   element: so a complex tensor on wasm lives in the heap as interleaved float32 pairs
 *   (re0, im0, re1, im1, …), the layout that `cpu.readSync` of a complex tensor returns
 *   (`backend_util.mergeRealAndImagArrays`) and that `engine.moveData` hands to wasm's `move`
 *   when a complex tensor made on cpu is used on wasm. Into cpu it goes as cpu keeps complex
 *   tensors: made by cpu's `Complex` kernel from two float32 tensors (`complexTensorInfos`). wasm's
 *   own `readSync` throws for complex64 ("Unknown dtype"), so the backend object's `readSync` is
 *   wrapped (once, on the first fallback call, or at registration if the backend exists) to read
 *   the interleaved pairs, as cpu's does: `dataSync()`, `data()`, `array()` and printing of a
 *   complex tensor on wasm give what they give on cpu.
 *
 * Kernels whose outputs are a list (RaggedGather, RaggedRange), kernels whose inputs include lists
 * (Einsum's operands, RaggedGather's splits, RaggedTensorToTensor's row partitions) and kernels
 * without tensor inputs move the same way. Gradients are per kernel name, not per backend: a
 * gradient tfjs defines for one of these kernels runs on wasm as on cpu (ComplexAbs has one; the
 * others have none in tfjs 4.22, on any backend).
 *
 * Complex inputs to the kernels wasm does have: tfjs-backend-wasm 4.22 reads a complex64 tensor as
 * float32 and gives wrong numbers without an error (`Add`, `Sub`, `Multiply`, `RealDiv`, `Neg`,
 * `Tile`, `Reverse`, `PadV2`, `Sum`, …: its C++ prints "Unknown dtype 4" and writes whatever) or
 * throws "Unknown dtype complex64" (`Cast`, `Identity`, `Concat`, `ZerosLike`, …, and so the
 * gradient of `tf.abs` of a complex tensor). Once complex tensors can live on wasm, that would
 * make `tf.mul(fft(a), fft(b))` silently wrong, so {@link registerComplexOnCpu} sends every call
 * of a stock wasm kernel with a complex64 input (or a complex64 `dtype` attr, as `Cast` to
 * complex64 has) the same way to cpu's kernel: what cpu computes for complex (Add, Sub, Multiply,
 * Concat, Cast, Identity, ZerosLike, OnesLike) it computes on wasm, and what cpu refuses ("… does
 * not support complex64 tensors in the CPU backend") wasm refuses with the same error. Calls
 * without a complex input go straight to wasm's kernel (one dtype check per call). Reshape and
 * ExpandDims are left alone (wasm's share the data whatever its dtype), as are the kernels that
 * hold one of bmnb's ops (Slice, GatherV2, BatchMatMul, …: they throw on complex as cpu does,
 * with another message).
 *
 * The gap, tfjs 4.22 (kernels registered for cpu and not for wasm):
 * - covered by bmnb's own ops (register.ts), so not here: Conv2DBackpropFilter,
 *   DepthwiseConv2dNativeBackpropFilter, DepthwiseConv2dNativeBackpropInput, UnsortedSegmentSum;
 * - run on cpu by this file (12): Complex, ComplexAbs, Draw, Einsum, FFT, IFFT, Imag,
 *   RaggedGather, RaggedRange, RaggedTensorToTensor, Real, StaticRegexReplace. (RFFT and IRFFT are
 *   not kernels: `tf.spectral.rfft/irfft` and `tf.signal.stft` are made of Complex, FFT/IFFT,
 *   Real, Imag and float32 kernels wasm has.)
 * Nothing is left out. `cpuFallback.test.ts` checks that after registration every cpu kernel has a
 * wasm kernel, so a tfjs upgrade cannot bring a gap back unnoticed.
 */
import type { Tfjs, TF } from '../tfjs';
import { anyBackend, kernelOps, overrideKernel, type Attrs, type Op, type OpCall, type TensorInfo } from './op';
import type { DataId } from './wasmHeap';

type BackendValues = TF.backend_util.BackendValues;
type Numeric = Float32Array | Int32Array | Uint8Array;

interface WasmData {
  dtype: TF.DataType;
  shape: number[];
  memoryOffset: number | null;
}

/** The part of tfjs-backend-wasm's `BackendWasm` the fallback uses. */
export interface WasmFallbackBackend {
  readSync(dataId: DataId, start?: number, end?: number): BackendValues;
  makeOutput(shape: number[], dtype: TF.DataType, memoryOffset?: number, values?: BackendValues): TensorInfo;
  disposeData(dataId: DataId, force?: boolean): boolean;
  incRef(dataId: DataId): void;
  /** Its storage: `get` moves the data in from another backend first when it lives there. */
  dataIdMap: { get(dataId: DataId): WasmData | undefined };
  wasm: { HEAPU8: Uint8Array };
}

/** The part of tfjs-backend-cpu's `MathBackendCPU` the fallback uses. */
interface CpuBackendLike {
  makeTensorInfo(shape: number[], dtype: TF.DataType, values?: BackendValues): TensorInfo;
  readSync(dataId: DataId): BackendValues;
  disposeData(dataId: DataId, force?: boolean): boolean;
}

function isFallbackBackend(backend: unknown): backend is WasmFallbackBackend {
  const b = backend as Partial<WasmFallbackBackend> | null | undefined;
  return (
    b != null &&
    typeof b.readSync === 'function' &&
    typeof b.makeOutput === 'function' &&
    typeof b.disposeData === 'function' &&
    typeof b.incRef === 'function' &&
    typeof b.dataIdMap?.get === 'function' &&
    b.wasm?.HEAPU8 instanceof Uint8Array
  );
}

function asFallbackBackend(backend: unknown, kernelName: string): WasmFallbackBackend {
  if (!isFallbackBackend(backend)) throw new Error(`bmnb ${kernelName}: expected the tfjs-backend-wasm backend object`);
  return backend;
}

/** The kernel names each tfjs instance runs on cpu through this file. */
const fallbacksOf = new WeakMap<object, Set<string>>();
/** The notes printed in this process (each once: one per kernel name and reason). */
const noted = new Set<string>();

/**
 * Registers, for every kernel registered for cpu and not for wasm, a wasm kernel that runs cpu's
 * (see above). Call after the wasm backend's package is imported and bmnb's own wasm ops are
 * registered (register.ts does). Idempotent. Returns the kernel names that now run on cpu this way.
 *
 * @example
 * registerCpuFallbacks(tf); // ['Complex', 'ComplexAbs', 'Draw', 'Einsum', …]
 * tf.einsum('ij,jk->ik', a, b); // on wasm: the cpu backend's Einsum, the result in wasm memory
 */
export function registerCpuFallbacks(tf: Tfjs): string[] {
  let mine = fallbacksOf.get(tf);
  if (!mine) fallbacksOf.set(tf, (mine = new Set()));
  for (const { kernelName } of tf.getKernelsForBackend('cpu')) {
    if (tf.getKernel(kernelName, 'wasm') != null) continue;
    if (overrideKernel(tf, cpuFallback(kernelName))) mine.add(kernelName);
  }
  // A backend object made before (a test, or a second registration) reads complex64 from now on.
  const existing = (tf.engine().registry as Record<string, unknown>).wasm;
  if (isFallbackBackend(existing)) readsComplex(existing);
  return [...mine].sort();
}

/** The `missing` op that runs `kernelName` on wasm through the cpu backend's kernel. */
function cpuFallback(kernelName: string): Op<WasmFallbackBackend> {
  return {
    kernelName,
    backendName: 'wasm',
    reason: 'missing',
    backend: asFallbackBackend,
    run: (tf, call) => runOnCpu(tf, kernelName, call, `bmnb: ${kernelName} has no wasm kernel here; it runs on the cpu backend (its data is copied each call)`),
  };
}

/** Kernels of wasm's that take any dtype as it is (they share the input's data). */
const ANY_DTYPE = new Set(['Reshape', 'ExpandDims']);

/** The kernel names each tfjs instance sends to cpu for complex64 through this file. */
const complexOf = new WeakMap<object, Set<string>>();

/**
 * Makes every stock wasm kernel that cpu also has run cpu's kernel instead for a call with a
 * complex64 input or a complex64 `dtype` attr (see above); other calls go to wasm's kernel as
 * before. Call after {@link registerCpuFallbacks} (register.ts does). Idempotent. Returns the
 * kernel names so covered.
 */
export function registerComplexOnCpu(tf: Tfjs): string[] {
  let mine = complexOf.get(tf);
  if (!mine) complexOf.set(tf, (mine = new Set()));
  for (const { kernelName } of tf.getKernelsForBackend('wasm')) {
    if (mine.has(kernelName) || ANY_DTYPE.has(kernelName) || tf.getKernel(kernelName, 'cpu') == null) continue;
    // A kernel holding an op (bmnb's, a fallback above) is left as it is.
    if (kernelOps(tf, kernelName, 'wasm').length > 0) continue;
    if (overrideKernel(tf, complexOnCpu(kernelName))) mine.add(kernelName);
  }
  return [...mine].sort();
}

function complexOnCpu(kernelName: string): Op<unknown> {
  const note = `bmnb: wasm's ${kernelName} takes no complex64; with a complex input it runs on the cpu backend (its data is copied each call)`;
  return {
    kernelName,
    backendName: 'wasm',
    reason: 'fix',
    backend: anyBackend,
    run: (tf, call) => (isComplexCall(call) ? runOnCpu(tf, kernelName, { ...call, backend: asFallbackBackend(call.backend, kernelName) }, note) : null),
  };
}

function isComplexCall({ inputs, attrs }: OpCall<unknown>): boolean {
  if (attrs.dtype === 'complex64') return true;
  for (const name in inputs) {
    const t = inputs[name] as TensorInfo | TensorInfo[] | undefined;
    if (Array.isArray(t)) {
      for (const u of t) if (u?.dtype === 'complex64') return true;
    } else if (t?.dtype === 'complex64') return true;
  }
  return false;
}

function noteOnce(note: string): void {
  if (noted.has(note)) return;
  noted.add(note);
  console.warn(note);
}

function cpuBackendOf(tf: Tfjs, kernelName: string): CpuBackendLike {
  // findBackend makes the cpu backend if this session has not yet (synchronously: cpu has no async init).
  const cpu = tf.engine().findBackend('cpu') as (Partial<CpuBackendLike> & { firstUse?: boolean }) | null;
  if (cpu == null || typeof cpu.makeTensorInfo !== 'function' || typeof cpu.readSync !== 'function') {
    throw new Error(
      `bmnb ${kernelName}: wasm has no kernel for this call, and the cpu backend that would run it ` +
        'is not available in this tfjs build; run this cell on another backend (metadata.backend, or bmnb run --backend)',
    );
  }
  // tfjs-backend-cpu prints "looks like you are running TensorFlow.js in Node.js… install our node
  // backend" on its first write; here the session runs on wasm, and the note above says what runs on cpu.
  if (cpu.firstUse === true) cpu.firstUse = false;
  return cpu as CpuBackendLike;
}

function runOnCpu(tf: Tfjs, kernelName: string, { inputs, backend: wasm, attrs }: OpCall<WasmFallbackBackend>, note: string): TensorInfo | TensorInfo[] {
  noteOnce(note);
  readsComplex(wasm);
  const cpu = cpuBackendOf(tf, kernelName);
  const kernel = tf.getKernel(kernelName, 'cpu') as TF.KernelConfig | undefined;
  if (!kernel) throw new Error(`bmnb ${kernelName}: no cpu kernel of that name is registered any more`);
  const cpuTemps: TensorInfo[] = [];
  /** The wasm input each cpu copy was made from, by the copy's dataId. */
  const sourceOf = new Map<DataId, TensorInfo>();
  let cpuOuts: TensorInfo[] = [];
  const made: TensorInfo[] = [];
  let done = false;
  try {
    const toCpu = (t: TensorInfo): TensorInfo => {
      const c = copyToCpu(tf, wasm, cpu, t, kernelName);
      cpuTemps.push(c);
      sourceOf.set(c.dataId, t);
      return c;
    };
    const cpuInputs = Array.isArray(inputs)
      ? (inputs as TensorInfo[]).map(toCpu)
      : Object.fromEntries(
          Object.entries(inputs as Record<string, TensorInfo | TensorInfo[] | undefined>).map(([name, t]) => [
            name,
            t == null ? t : Array.isArray(t) ? t.map(toCpu) : toCpu(t),
          ]),
        );
    const out = kernel.kernelFunc({ inputs: cpuInputs as TF.NamedTensorInfoMap, backend: cpu as unknown as TF.KernelBackend, attrs: attrs as Attrs as TF.NamedAttrMap });
    cpuOuts = Array.isArray(out) ? out : [out];
    for (const o of cpuOuts) {
      const source = sourceOf.get(o.dataId);
      if (source && source.dtype === o.dtype) {
        // An output that is an input's data (cpu's Draw returns its image; an identity would): on
        // wasm too it shares the input's data, as the engine expects of such an output.
        wasm.incRef(source.dataId);
        made.push({ dataId: source.dataId, shape: o.shape.slice(), dtype: o.dtype });
      } else made.push(copyToWasm(wasm, cpu, o));
    }
    done = true;
    return Array.isArray(out) ? made : made[0];
  } finally {
    // Outputs first: one that is an input (or holds a reference to one) frees only its reference.
    for (const o of cpuOuts) {
      if (isEngineTensor(o)) tf.dispose(o);
      else cpu.disposeData(o.dataId);
    }
    // The inputs' copies are this call's alone: freed whatever references a cpu kernel that threw
    // half-way left on them (cpu's Einsum does).
    for (const t of cpuTemps) cpu.disposeData(t.dataId, true);
    if (!done) for (const m of made) wasm.disposeData(m.dataId);
  }
}

/** A tensor the cpu kernel made through the engine (`backend.makeOutput`, as ComplexAbs does), not a bare TensorInfo. */
function isEngineTensor(t: TensorInfo): t is TensorInfo & TF.Tensor {
  return (t as { rank?: unknown }).rank != null;
}

function copyToCpu(tf: Tfjs, wasm: WasmFallbackBackend, cpu: CpuBackendLike, t: TensorInfo, kernelName: string): TensorInfo {
  const shape = t.shape.slice();
  if (t.dtype === 'complex64') {
    const pairs = readComplex(wasm, t.dataId);
    const n = pairs.length / 2;
    const re = new Float32Array(n);
    const im = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      re[i] = pairs[2 * i];
      im[i] = pairs[2 * i + 1];
    }
    const complexKernel = tf.getKernel('Complex', 'cpu') as TF.KernelConfig | undefined;
    if (!complexKernel) throw new Error(`bmnb ${kernelName}: the cpu backend has no Complex kernel to take a complex64 input`);
    const real = cpu.makeTensorInfo(shape, 'float32', re);
    const imag = cpu.makeTensorInfo(shape, 'float32', im);
    try {
      return complexKernel.kernelFunc({ inputs: { real, imag }, backend: cpu as unknown as TF.KernelBackend, attrs: {} }) as TensorInfo;
    } finally {
      // cpu's Complex keeps tensors of its own over the same values.
      cpu.disposeData(real.dataId);
      cpu.disposeData(imag.dataId);
    }
  }
  const values = wasm.readSync(t.dataId);
  // Numbers: readSync copies out of the heap. Strings: a new array of the same (never written) byte arrays.
  return cpu.makeTensorInfo(shape, t.dtype, t.dtype === 'string' ? (values as Uint8Array[]).slice() : values);
}

function copyToWasm(wasm: WasmFallbackBackend, cpu: CpuBackendLike, t: TensorInfo): TensorInfo {
  const shape = t.shape.slice();
  const size = shape.reduce((a, b) => a * b, 1);
  const values = cpu.readSync(t.dataId);
  if (t.dtype === 'string') return wasm.makeOutput(shape, 'string', undefined, (values as Uint8Array[]).slice());
  // complex64: cpu's readSync gives the interleaved pairs, which is how wasm holds them.
  const wanted = t.dtype === 'complex64' ? 2 * size : size;
  return wasm.makeOutput(shape, t.dtype, undefined, typed(values as Numeric | number[] | null, t.dtype, wanted));
}

/** `values` as the typed array wasm's `write` copies bytes from for `dtype` (it copies `buffer` bytes, so the type must be right). */
function typed(values: Numeric | number[] | null, dtype: TF.DataType, size: number): Numeric {
  const Ctor = dtype === 'int32' ? Int32Array : dtype === 'bool' ? Uint8Array : Float32Array;
  if (values instanceof Ctor && values.length === size) return values;
  const out = new Ctor(size);
  if (values != null) out.set(values.length > size ? Array.prototype.slice.call(values, 0, size) : values);
  return out;
}

const READS_COMPLEX = Symbol.for('bmnb.wasmReadsComplex64');

/**
 * Makes the backend object's `readSync` (which `read`, `dataSync`, `data`, `array`, printing and
 * moving data to another backend go through) answer complex64 tensors with their interleaved
 * (re, im) pairs, as the cpu backend does; other dtypes are left to wasm's own. Once per object.
 */
function readsComplex(wasm: WasmFallbackBackend): void {
  const b = wasm as WasmFallbackBackend & { [READS_COMPLEX]?: true };
  if (b[READS_COMPLEX]) return;
  const own = b.readSync;
  Object.defineProperty(b, 'readSync', {
    configurable: true,
    writable: true,
    value(dataId: DataId, start?: number, end?: number): BackendValues {
      if (b.dataIdMap.get(dataId)?.dtype === 'complex64') return readComplex(b, dataId, start, end);
      return own.call(b, dataId, start, end);
    },
  });
  Object.defineProperty(b, READS_COMPLEX, { value: true });
}

/** Elements [start, end) of a complex64 tensor in the wasm heap, as interleaved float32 (re, im) pairs. */
function readComplex(wasm: WasmFallbackBackend, dataId: DataId, start = 0, end?: number): Float32Array {
  const data = wasm.dataIdMap.get(dataId);
  if (!data || data.memoryOffset == null) throw new Error('bmnb: a complex64 tensor on wasm has no data in the heap');
  const size = data.shape.reduce((a, b) => a * b, 1);
  const from = data.memoryOffset + 8 * start;
  const to = data.memoryOffset + 8 * (end ?? size);
  // slice copies (a view of the heap would change as wasm memory grows or is reused).
  return new Float32Array(wasm.wasm.HEAPU8.slice(from, to).buffer);
}
