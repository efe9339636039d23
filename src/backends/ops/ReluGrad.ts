/**
 * Relu's gradient in one pass on wasm. tfjs computes it as `mul(dy, cast(step(x), 'float32'))`:
 * three kernels and two tensors in between, each as big as the layer's output (8 ms of a 148 ms
 * CIFAR-10 step for the first conv layer alone). bmnb registers a kernel of its own,
 * `BmnbReluGrad`, that computes dy · step(x) element for element in one SIMD pass (NaN stays NaN,
 * as with step), and a gradient for `Relu` that calls it where the current backend has it and the
 * tensors are float32, and tfjs's own gradient everywhere else (cpu, webgpu, int32), so switching
 * backends keeps working. `BmnbReluGrad` has a gradient too, so a gradient of a gradient works.
 */
import { simdKernels } from '../simd';
import { MIN_SPLIT_ELEMENTS, moving, SIZE } from '../simdPool';
import type { Tfjs, TF } from '../tfjs';
import type { Op } from './op';
import { asWasmBackend, input, type TensorInfo, type WasmBackendLike, type WasmCall } from './wasmHeap';

export const RELU_GRAD = 'BmnbReluGrad';

export const reluGrad: Op<WasmBackendLike> = {
  kernelName: RELU_GRAD,
  backendName: 'wasm',
  reason: 'fused',
  backend: asWasmBackend,
  run,
};

function run(_tf: Tfjs, { inputs, backend }: WasmCall): TensorInfo {
  const dy = input(inputs, 'dy', RELU_GRAD);
  const x = input(inputs, 'x', RELU_GRAD);
  if (dy.dtype !== 'float32' || x.dtype !== 'float32' || dy.shape.join() !== x.shape.join()) {
    throw new Error(`bmnb ${RELU_GRAD}: dy and x must be float32 of one shape (got ${dy.dtype} [${dy.shape}] and ${x.dtype} [${x.shape}])`);
  }
  const out = backend.makeOutput(x.shape, 'float32');
  // Views after makeOutput, which may grow (and so move) the heap.
  const o = backend.typedArrayFromHeap(out);
  const d = backend.typedArrayFromHeap(dy);
  const xv = backend.typedArrayFromHeap(x);
  const simd = simdKernels(backend.wasm);
  if (simd) {
    // Runs of whole vectors on the SIMD pool's threads (one for a small tensor).
    simd.pool.run({
      name: 'relu_grad',
      n: o.length,
      unit: 1024,
      chunks: o.length >= MIN_SPLIT_ELEMENTS ? undefined : 1,
      args: [moving(d.byteOffset, 1), moving(xv.byteOffset, 1), moving(o.byteOffset, 1), SIZE],
    });
  } else for (let i = 0; i < o.length; i++) o[i] = d[i]! * (xv[i]! > 0 ? 1 : Number.isNaN(xv[i]) ? NaN : 0);
  return out;
}

/** Marks the gradient configs registered here. */
const OURS = Symbol.for('bmnb.gradient');

/**
 * Registers the Relu gradient that uses {@link RELU_GRAD} (over tfjs's own, which it keeps for
 * every other case) and the gradient of {@link RELU_GRAD}. Idempotent. Returns whether it is in place.
 */
export function registerReluGradient(tf: Tfjs): boolean {
  const stock = tf.getGradient('Relu') as TF.GradConfig | undefined;
  if (!stock) return false;
  if ((stock as unknown as Record<symbol, unknown>)[OURS]) return true;
  const relu: TF.GradConfig = {
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const g = dy as TF.Tensor;
      if (x && g.dtype === 'float32' && x.dtype === 'float32' && tf.getKernel(RELU_GRAD, tf.getBackend())) {
        return { x: () => tf.engine().runKernel(RELU_GRAD, { dy: g, x }) as TF.Tensor };
      }
      return stock.gradFunc(dy, saved, attrs);
    },
  };
  const ofFused: TF.GradConfig = {
    kernelName: RELU_GRAD,
    inputsToSave: ['x'],
    gradFunc: (ddx, [x]) => ({
      dy: () => tf.mul(ddx as TF.Tensor, tf.cast(tf.step(x!), 'float32')),
      x: () => tf.zerosLike(x!),
    }),
  };
  for (const config of [relu, ofFused]) {
    Object.defineProperty(config, OURS, { value: true });
    tf.registerGradient(config);
  }
  return true;
}
