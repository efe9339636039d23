/**
 * An op is one of bmnb's own TensorFlow.js kernels: an implementation of one tfjs kernel name
 * for one backend, registered in tfjs's kernel registry when that backend loads. (In this code
 * base "kernel" alone means the notebook's kernel process; tfjs's kernels are called ops.)
 *
 * Each op is declared once, as data (its file exports an {@link Op}), and listed once, in
 * register.ts; {@link overrideKernel} is the one place that touches tfjs's registry.
 */
import type { Tfjs, TF } from '../tfjs';

export type TensorInfo = TF.TensorInfo;
export type Attrs = Record<string, unknown>;

/** What a tfjs kernel is called with, with the backend typed for the op's backend. */
export interface OpCall<B = unknown> {
  inputs: TF.NamedTensorInfoMap;
  backend: B;
  attrs: Attrs;
}

/** Why bmnb registers an op. */
export type OpReason =
  /** The backend has no kernel of that name (tfjs-backend-wasm 4.22 cannot train a CNN without them). */
  | 'missing'
  /** The backend's own kernel is correct but slow. */
  | 'faster'
  /** The backend's own kernel gives wrong numbers. */
  | 'fix'
  /** Runs the backend's own kernel with a thread count chosen per call (wasmThreadPool.ts). */
  | 'threads'
  /** Gives the input's data itself where the backend's own kernel copies it. */
  | 'no-copy'
  /**
   * A kernel of bmnb's own (no tfjs kernel has its name) that does in one pass what a gradient
   * did in several ops; registered with the gradient that calls it (gradients.ts).
   */
  | 'fused';

export interface Op<B = unknown> {
  /** tfjs's kernel name, e.g. `Conv2DBackpropInput`. */
  kernelName: string;
  backendName: 'wasm' | 'cpu';
  reason: OpReason;
  /**
   * Checks the backend object and gives it the type the op works with (throws, naming the op, if
   * it is not the backend expected).
   */
  backend(backend: unknown, kernelName: string): B;
  /**
   * Computes the op. Returns null to leave this call to the backend's own kernel (`original`),
   * which it may also call itself. `original` is absent for a `missing` op.
   */
  run(tf: Tfjs, call: OpCall<B>, original?: (call: OpCall<B>) => TensorInfo | TensorInfo[]): TensorInfo | TensorInfo[] | null;
}

/** Marks kernel functions registered by {@link overrideKernel} with the ids of the ops in them. */
const OPS = Symbol.for('bmnb.ops');

const opId = <B>(op: Op<B>) => `${op.reason}:${op.backendName}:${op.kernelName}`;

function opsIn(kernelFunc: TF.KernelFunc | undefined): readonly string[] {
  return ((kernelFunc as unknown as Record<symbol, unknown> | undefined)?.[OPS] as string[] | undefined) ?? [];
}

/**
 * Puts `op` in tfjs's kernel registry for its backend, in place of the kernel registered there
 * now (the backend's own, or another op over it), which it can still call. A `missing` or `fused`
 * op is registered only where the backend has no kernel of that name (a later tfjs may ship its
 * own), the others only where it has one. Registering the same op again changes nothing. Returns
 * whether the op is in place. Call after the backend's package is imported, which registers its
 * own kernels.
 *
 * @example
 * overrideKernel(tf, maxPoolGrad); // true: wasm's MaxPoolGrad is bmnb's, falling back to the stock one
 * kernelOps(tf, 'MaxPoolGrad', 'wasm'); // ['faster:wasm:MaxPoolGrad']
 */
export function overrideKernel<B>(tf: Tfjs, op: Op<B>): boolean {
  const { kernelName, backendName } = op;
  const existing = tf.getKernel(kernelName, backendName) as TF.KernelConfig | undefined;
  const id = opId(op);
  const before = opsIn(existing?.kernelFunc);
  if (before.includes(id)) return true;
  const newName = op.reason === 'missing' || op.reason === 'fused';
  if (newName ? existing != null : existing == null) return false;
  const original = existing ? (call: OpCall<B>) => existing.kernelFunc(call as unknown as Parameters<TF.KernelFunc>[0]) as TensorInfo | TensorInfo[] : undefined;
  const kernelFunc: TF.KernelFunc = (args) => {
    const call: OpCall<B> = { inputs: args.inputs, backend: op.backend(args.backend, kernelName), attrs: (args.attrs ?? {}) as Attrs };
    const result = op.run(tf, call, original);
    if (result !== null) return result;
    if (!original) throw new Error(`bmnb ${kernelName}: this case is not supported on ${backendName}`);
    return original(call);
  };
  Object.defineProperty(kernelFunc, OPS, { value: [...before, id] });
  // Unregister first: registering over a kernel prints a warning.
  if (existing) tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel({ ...(existing ?? { kernelName, backendName }), kernelFunc });
  return true;
}

/** The ops in the kernel registered for `kernelName` on `backendName`, innermost first (empty: the backend's own). */
export function kernelOps(tf: Tfjs, kernelName: string, backendName: string): readonly string[] {
  return opsIn((tf.getKernel(kernelName, backendName) as TF.KernelConfig | undefined)?.kernelFunc);
}

/** For ops that take any backend object as it is. */
export const anyBackend = (backend: unknown): unknown => backend;
