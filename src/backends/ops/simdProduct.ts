/**
 * A matrix product c [M, N] (+)= a [M, K] · b [K, N] (float32, row-major, byte offsets into the
 * wasm heap; a may be stored transposed, [K, M]) in bmnb's SIMD kernel (`gemm` in src/backends/simd/kernels.c), on the SIMD pool's
 * threads. Shared by Conv2DBackpropFilter (the im2col matrix times dy) and BatchMatMul.
 */
import type { SimdKernels } from '../simd';
import { END, START } from '../simdPool';

/** The least work (multiply-adds) worth waking the SIMD pool's threads for. */
const MIN_SPLIT_WORK = 1 << 18;

/**
 * Runs the product. Threads take rows of c (each chunk reads all of b) or columns (each reads
 * all of a), whichever reads less; `accumulate` adds to c instead of overwriting it.
 */
export function simdProduct(
  simd: SimdKernels, a: number, b: number, c: number, M: number, K: number, N: number,
  { accumulate = false, aTransposed = false } = {},
): void {
  const chunks = MIN_SPLIT_WORK > M * K * N ? 1 : 2 * simd.pool.threads;
  const byRows = Math.min(chunks, Math.ceil(M / 4)) * K * N + M * K <= Math.min(chunks, Math.ceil(N / 8)) * M * K + K * N;
  const add = accumulate ? 1 : 0;
  const t = aTransposed ? 1 : 0;
  simd.pool.run(
    byRows
      ? { name: 'gemm', n: M, unit: 4, chunks, args: [a, b, c, M, K, N, START, END, 0, N, add, t] }
      : { name: 'gemm', n: N, unit: 8, chunks, args: [a, b, c, M, K, N, 0, M, START, END, add, t] },
  );
}
