/**
 * bmnb's own TensorFlow.js kernels, registered with `tf.registerKernel` when a backend loads:
 * kernels tfjs-backend-wasm 4.22 lacks, replacements for its slow ones, and fixes for wrong ones.
 * Each file says what it replaces and why, and is tested against the cpu backend beside it.
 */
import type { Tfjs } from '../backends';
import { registerWasmTrainingKernels } from './wasmTraining';
import { registerWasmOneHotFix } from './wasmOneHot';
import { registerWasmMatMulFix } from './wasmMatMul';
import { registerWasmConvGradKernels } from './wasmConvGrad';
import { registerWasmSliceGatherKernels } from './wasmSliceGather';
import { registerTransformFixes } from './transform';

/** Registers everything bmnb provides for the wasm backend. Call after tfjs-backend-wasm is imported. */
export function registerWasmKernels(tf: Tfjs): void {
  registerWasmTrainingKernels(tf);
  registerWasmOneHotFix(tf);
  registerWasmMatMulFix(tf);
  registerWasmConvGradKernels(tf);
  registerWasmSliceGatherKernels(tf);
  // tf.image.transform (augment's layers, and any cell's own): tfjs 4.22 gets it wrong on wasm ('reflect') and cpu (batches).
  registerTransformFixes(tf);
}

/** Registers bmnb's fixes for the cpu backend. */
export function registerCpuKernels(tf: Tfjs): void {
  registerTransformFixes(tf);
}
