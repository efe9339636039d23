/** `_FusedMatMul` (dense layers with bias and activation) on wasm, transposed first as BatchMatMul is (see BatchMatMul.ts). */
import { untransposedMatMul } from './BatchMatMul';

export const fusedMatMul = untransposedMatMul('_FusedMatMul');
