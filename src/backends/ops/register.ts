/**
 * Every op bmnb registers, per backend, in registration order: the ones tfjs-backend-wasm 4.22
 * lacks, replacements for its slow ones, and fixes for wrong ones (op.ts says what an op is; each
 * file says what it replaces and why, and is tested against the cpu backend beside it).
 */
import type { Tfjs } from '../tfjs';
import { overrideKernel, type Op } from './op';
import { conv2DBackpropFilter } from './Conv2DBackpropFilter';
import { depthwiseConv2dNativeBackpropFilter } from './DepthwiseConv2dNativeBackpropFilter';
import { depthwiseConv2dNativeBackpropInput } from './DepthwiseConv2dNativeBackpropInput';
import { unsortedSegmentSum } from './UnsortedSegmentSum';
import { oneHot } from './OneHot';
import { batchMatMul } from './BatchMatMul';
import { fusedMatMul } from './_FusedMatMul';
import { conv2DBackpropInput } from './Conv2DBackpropInput';
import { maxPoolGrad } from './MaxPoolGrad';
import { sum } from './Sum';
import { slice } from './Slice';
import { gatherV2 } from './GatherV2';
import { transformCpu, transformWasm } from './Transform';
import { registerComplexOnCpu, registerCpuFallbacks } from './cpuFallback';
import { cast, identity } from './Identity';
import { add } from './Add';
import { registerReluGradient, reluGrad } from './ReluGrad';

/** bmnb's ops for the wasm backend. */
export const WASM_OPS: readonly Op<unknown>[] = [
  // missing: without them no CNN (or embedding) trains on wasm
  conv2DBackpropFilter,
  depthwiseConv2dNativeBackpropFilter,
  depthwiseConv2dNativeBackpropInput,
  unsortedSegmentSum,
  // wrong
  oneHot,
  transformWasm,
  // slow
  batchMatMul,
  fusedMatMul,
  conv2DBackpropInput,
  maxPoolGrad,
  slice,
  gatherV2,
  // fused: one pass for what a gradient did in several ops
  reluGrad,
];

/**
 * bmnb's wasm ops registered over the complex64 guard (registerComplexOnCpu): they pass every
 * complex64 call (Sum and Add: every call not float32) to the kernel below them, so a complex64 input still reaches the
 * cpu backend's kernel (or its error) rather than a stock wasm kernel that misreads it.
 */
export const WASM_OPS_OVER_GUARDS: readonly Op<unknown>[] = [sum, identity, cast, add];

/** bmnb's ops for the cpu backend. */
export const CPU_OPS: readonly Op<unknown>[] = [transformCpu];

const OPS_OF = { wasm: WASM_OPS, cpu: CPU_OPS } as const;

/**
 * Registers bmnb's ops for a backend. Call after the backend's package is imported (which
 * registers its own kernels). Idempotent. Returns the kernel names of bmnb's ops now in place.
 * For wasm, every kernel the cpu backend has and wasm still lacks after them then runs on the cpu
 * backend, as does every call of a stock wasm kernel with a complex64 input (cpuFallback.ts).
 */
export function registerOps(tf: Tfjs, backendName: keyof typeof OPS_OF): string[] {
  const on = (op: Op<unknown>) => !opsOff().has(op.kernelName) && overrideKernel(tf, op);
  const names = OPS_OF[backendName].filter(on).map((op) => op.kernelName);
  if (backendName === 'wasm') {
    registerCpuFallbacks(tf);
    registerComplexOnCpu(tf);
    names.push(...WASM_OPS_OVER_GUARDS.filter(on).map((op) => op.kernelName));
    // Uses bmnb's fused kernel only where it is registered: harmless when BMNB_OPS_OFF names it.
    registerReluGradient(tf);
  }
  return names;
}

/**
 * `BMNB_OPS_OFF`: kernel names (comma-separated) whose bmnb op is not registered, leaving the
 * backend's own kernel: a way round a suspected bug, and how bench/profile.ts measures an op's effect.
 */
export function opsOff(): Set<string> {
  return new Set((process.env.BMNB_OPS_OFF ?? '').split(',').map((s) => s.trim()).filter(Boolean));
}
