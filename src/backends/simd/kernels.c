/*
 * bmnb's SIMD kernels for tfjs-backend-wasm (wasm32, 128-bit SIMD), built by esbuild.mjs with
 * clang's wasm32 target into dist/simd.wasm and dist/simd-shared.wasm (for the threaded build's
 * shared memory). The module imports tfjs-backend-wasm's own memory and works in place on its
 * tensors, given their byte offsets: no copies.
 *
 * It must never touch memory it was not given. So: no static data (a data segment would be
 * written at the start of tfjs's heap), no shadow stack (no arrays or address-taken locals; wasm
 * locals are enough), no libc (memset/memcpy would be imports). src/backends/simd.ts checks the
 * built module imports only the memory.
 */
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(name)))

/*
 * out[j] = sum over r of x[r * c + j], r in order (each output a running float32 sum, as a
 * sequential reduction adds): the gradient of a bias, Sum over the leading axes of [N, H, W, C].
 */
EXPORT("sum_rows")
void sum_rows(const float *x, float *out, int rows, int c) {
  int c4 = c & ~3;
  for (int j = 0; j < c; j++) out[j] = 0.0f;
  for (int r = 0; r < rows; r++) {
    const float *row = x + (long)r * c;
    int j = 0;
    for (; j < c4; j += 4) wasm_v128_store(out + j, wasm_f32x4_add(wasm_v128_load(out + j), wasm_v128_load(row + j)));
    for (; j < c; j++) out[j] += row[j];
  }
}

/*
 * MaxPoolGrad, NHWC: dx[p] = sum of dy over the windows whose first strict maximum (row-major in
 * the window; NaN never a maximum; a window of only -Infinity or NaN has none) is at p. Four
 * channels at a time: the running maximum and where it is, per lane.
 */
EXPORT("max_pool_grad")
void max_pool_grad(const float *x, const float *dy, float *dx, int n_, int h_, int w_, int c,
                   int oh_, int ow_, int fh, int fw, int sh, int sw, int top, int left) {
  long total = (long)n_ * h_ * w_ * c;
  long t4 = total & ~3L;
  long i = 0;
  for (; i < t4; i += 4) wasm_v128_store(dx + i, wasm_f32x4_splat(0.0f));
  for (; i < total; i++) dx[i] = 0.0f;
  int c4 = c & ~3;
  v128_t lanes = wasm_i32x4_make(0, 1, 2, 3);
  for (int n = 0; n < n_; n++) {
    for (int oh = 0; oh < oh_; oh++) {
      int h0 = oh * sh - top, h1 = h0 + fh;
      if (h0 < 0) h0 = 0;
      if (h1 > h_) h1 = h_;
      for (int ow = 0; ow < ow_; ow++) {
        int w0 = ow * sw - left, w1 = w0 + fw;
        if (w0 < 0) w0 = 0;
        if (w1 > w_) w1 = w_;
        int g = ((n * oh_ + oh) * ow_ + ow) * c;
        int ch = 0;
        for (; ch < c4; ch += 4) {
          v128_t best = wasm_f32x4_splat(-__builtin_inff());
          v128_t at = wasm_i32x4_splat(-1);
          for (int h = h0; h < h1; h++) {
            for (int w = w0; w < w1; w++) {
              int p = ((n * h_ + h) * w_ + w) * c + ch;
              v128_t v = wasm_v128_load(x + p);
              v128_t more = wasm_f32x4_gt(v, best);
              best = wasm_v128_bitselect(v, best, more);
              at = wasm_v128_bitselect(wasm_i32x4_add(wasm_i32x4_splat(p), lanes), at, more);
            }
          }
          const float *d = dy + g + ch;
          int a0 = wasm_i32x4_extract_lane(at, 0), a1 = wasm_i32x4_extract_lane(at, 1);
          int a2 = wasm_i32x4_extract_lane(at, 2), a3 = wasm_i32x4_extract_lane(at, 3);
          if (a0 >= 0) dx[a0] += d[0];
          if (a1 >= 0) dx[a1] += d[1];
          if (a2 >= 0) dx[a2] += d[2];
          if (a3 >= 0) dx[a3] += d[3];
        }
        for (; ch < c; ch++) {
          float best = -__builtin_inff();
          int at = -1;
          for (int h = h0; h < h1; h++) {
            for (int w = w0; w < w1; w++) {
              int p = ((n * h_ + h) * w_ + w) * c + ch;
              if (x[p] > best) {
                best = x[p];
                at = p;
              }
            }
          }
          if (at >= 0) dx[at] += dy[g + ch];
        }
      }
    }
  }
}

/*
 * im2col for Conv2DBackpropFilter's matrix product, NHWC: the patches of output rows
 * [r0, r0 + nr) (row r = n·oh_ + oh) into cols, laid out [K, ldp] with row k = (kh·fw + kw)·c + ci
 * and column p = (r - r0)·ow_ + ow from cols' first column (so that threads can fill one matrix by
 * runs of rows); positions outside the image (padding) are 0. Each pixel's c channels go to c rows
 * (a transpose), four pixels by four channels at a time.
 */
EXPORT("im2col_transposed")
void im2col_transposed(const float *x, float *cols, int r0, int nr, int ldp, int h_, int w_, int c, int oh_, int ow_,
                       int fh, int fw, int sh, int sw, int top, int left) {
  long P = ldp;
  int c4 = c & ~3;
  for (int kh = 0; kh < fh; kh++) {
    for (int kw = 0; kw < fw; kw++) {
      float *base = cols + (long)((kh * fw + kw) * c) * P;
      for (int r = 0; r < nr; r++) {
        int n = (r0 + r) / oh_, oh = (r0 + r) % oh_;
        int ih = oh * sh + kh - top;
        long p0 = (long)r * ow_;
        int row_inside = ih >= 0 && ih < h_;
        const float *row = x + ((long)n * h_ + (row_inside ? ih : 0)) * w_ * c;
        for (int ow = 0; ow < ow_;) {
          int iw0 = ow * sw + kw - left, iw3 = (ow + 3) * sw + kw - left;
          float *d = base + p0 + ow;
          if (row_inside && ow + 4 <= ow_ && iw0 >= 0 && iw3 < w_) {
            /* Four pixels inside the image: their channels, transposed 4×4 at a time. */
            const float *s0 = row + (long)iw0 * c, *s1 = s0 + (long)sw * c, *s2 = s1 + (long)sw * c, *s3 = s2 + (long)sw * c;
            int ci = 0;
            for (; ci < c4; ci += 4) {
              v128_t a = wasm_v128_load(s0 + ci), b = wasm_v128_load(s1 + ci);
              v128_t e = wasm_v128_load(s2 + ci), f = wasm_v128_load(s3 + ci);
              v128_t ab_lo = wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), ab_hi = wasm_i32x4_shuffle(a, b, 2, 6, 3, 7);
              v128_t ef_lo = wasm_i32x4_shuffle(e, f, 0, 4, 1, 5), ef_hi = wasm_i32x4_shuffle(e, f, 2, 6, 3, 7);
              wasm_v128_store(d + (ci + 0) * P, wasm_i64x2_shuffle(ab_lo, ef_lo, 0, 2));
              wasm_v128_store(d + (ci + 1) * P, wasm_i64x2_shuffle(ab_lo, ef_lo, 1, 3));
              wasm_v128_store(d + (ci + 2) * P, wasm_i64x2_shuffle(ab_hi, ef_hi, 0, 2));
              wasm_v128_store(d + (ci + 3) * P, wasm_i64x2_shuffle(ab_hi, ef_hi, 1, 3));
            }
            for (; ci < c; ci++) {
              d[ci * P + 0] = s0[ci];
              d[ci * P + 1] = s1[ci];
              d[ci * P + 2] = s2[ci];
              d[ci * P + 3] = s3[ci];
            }
            ow += 4;
          } else {
            /* One pixel: at an edge (zeros outside the image) or the row's last few. */
            int inside = row_inside && iw0 >= 0 && iw0 < w_;
            for (int ci = 0; ci < c; ci++) d[ci * P] = inside ? row[(long)iw0 * c + ci] : 0.0f;
            ow += 1;
          }
        }
      }
    }
  }
}

/*
 * Relu's gradient in one pass: out[i] = dy[i] · step(x[i]), step = 1 above 0, 0 at or below it,
 * NaN for NaN: what tfjs's mul(dy, cast(step(x), 'float32')) gives, element for element (a NaN or
 * infinite dy times 0 is NaN, a negative dy times 0 is -0), without the two tensors in between.
 */
EXPORT("relu_grad")
void relu_grad(const float *dy, const float *x, float *out, long n) {
  long n4 = n & ~3L;
  v128_t one = wasm_f32x4_splat(1.0f), zero = wasm_f32x4_splat(0.0f);
  long i = 0;
  for (; i < n4; i += 4) {
    v128_t xv = wasm_v128_load(x + i);
    v128_t s = wasm_v128_bitselect(one, zero, wasm_f32x4_gt(xv, zero));
    s = wasm_v128_bitselect(xv, s, wasm_f32x4_ne(xv, xv)); /* NaN stays NaN */
    wasm_v128_store(out + i, wasm_f32x4_mul(wasm_v128_load(dy + i), s));
  }
  for (; i < n; i++) {
    float xs = x[i];
    float s = xs > 0.0f ? 1.0f : (xs != xs ? xs : 0.0f);
    out[i] = dy[i] * s;
  }
}

/*
 * A matrix product for a long inner dimension: dw[k, co] = sum over p of cols[k, p] * dy[p, co]
 * for k in [k0, k1), co in [c0, c1), with cols [K, P], dy [P, co_] and dw [K, co_] row-major (the
 * names are the filter gradient's: the im2col matrix times dy; BatchMatMul passes a [M, K] and
 * b [K, N] the same way). `accumulate` adds to dw (a later chunk of P) instead of starting from
 * 0. Other rows and columns of dw are not touched, so threads can share dw by rectangles. Tiles
 * of P keep a tile of dy and cols in cache while 4 rows × 8 columns of dw are summed in registers
 * (4 rows × 4 columns, then 1 row, at the edges); each output is a float32 sum over p in order,
 * tile by tile. Nothing is packed beforehand (XNNPACK packs its second operand, a new tensor
 * every training step). `transposed`: cols is stored [P, K] instead (BatchMatMul's transposeA,
 * read in place rather than transposed first).
 */
#define GEMM_TILE 256
EXPORT("gemm")
void gemm(const float *cols, const float *dy, float *dw, int k_, int p_, int co_,
          int k0, int k1, int c0, int c1, int accumulate, int transposed) {
  /* cols(k, p) is at cols[k·sk + p·sp]. */
  long sk = transposed ? 1 : p_, sp = transposed ? k_ : 1;
  if (!accumulate)
    for (int k = k0; k < k1; k++)
      for (int co = c0; co < c1; co++) dw[(long)k * co_ + co] = 0.0f;
  int c8 = c0 + ((c1 - c0) & ~7);
  int c4 = c8 + ((c1 - c8) & ~3);
  for (int t0 = 0; t0 < p_; t0 += GEMM_TILE) {
    int t1 = t0 + GEMM_TILE < p_ ? t0 + GEMM_TILE : p_;
    int k = k0;
    for (; k + 4 <= k1; k += 4) {
      const float *r0 = cols + k * sk, *r1 = r0 + sk, *r2 = r1 + sk, *r3 = r2 + sk;
      float *w0 = dw + (long)k * co_, *w1 = w0 + co_, *w2 = w1 + co_, *w3 = w2 + co_;
      int co = c0;
      for (; co < c8; co += 8) {
        v128_t a00 = wasm_v128_load(w0 + co), a01 = wasm_v128_load(w0 + co + 4);
        v128_t a10 = wasm_v128_load(w1 + co), a11 = wasm_v128_load(w1 + co + 4);
        v128_t a20 = wasm_v128_load(w2 + co), a21 = wasm_v128_load(w2 + co + 4);
        v128_t a30 = wasm_v128_load(w3 + co), a31 = wasm_v128_load(w3 + co + 4);
        const float *d = dy + (long)t0 * co_ + co;
        for (int p = t0; p < t1; p++, d += co_) {
          v128_t d0 = wasm_v128_load(d), d1 = wasm_v128_load(d + 4);
          v128_t x0 = wasm_v128_load32_splat(r0 + p * sp), x1 = wasm_v128_load32_splat(r1 + p * sp);
          v128_t x2 = wasm_v128_load32_splat(r2 + p * sp), x3 = wasm_v128_load32_splat(r3 + p * sp);
          a00 = wasm_f32x4_add(a00, wasm_f32x4_mul(x0, d0));
          a01 = wasm_f32x4_add(a01, wasm_f32x4_mul(x0, d1));
          a10 = wasm_f32x4_add(a10, wasm_f32x4_mul(x1, d0));
          a11 = wasm_f32x4_add(a11, wasm_f32x4_mul(x1, d1));
          a20 = wasm_f32x4_add(a20, wasm_f32x4_mul(x2, d0));
          a21 = wasm_f32x4_add(a21, wasm_f32x4_mul(x2, d1));
          a30 = wasm_f32x4_add(a30, wasm_f32x4_mul(x3, d0));
          a31 = wasm_f32x4_add(a31, wasm_f32x4_mul(x3, d1));
        }
        wasm_v128_store(w0 + co, a00); wasm_v128_store(w0 + co + 4, a01);
        wasm_v128_store(w1 + co, a10); wasm_v128_store(w1 + co + 4, a11);
        wasm_v128_store(w2 + co, a20); wasm_v128_store(w2 + co + 4, a21);
        wasm_v128_store(w3 + co, a30); wasm_v128_store(w3 + co + 4, a31);
      }
      for (; co < c4; co += 4) {
        v128_t a0 = wasm_v128_load(w0 + co), a1 = wasm_v128_load(w1 + co);
        v128_t a2 = wasm_v128_load(w2 + co), a3 = wasm_v128_load(w3 + co);
        const float *d = dy + (long)t0 * co_ + co;
        for (int p = t0; p < t1; p++, d += co_) {
          v128_t d0 = wasm_v128_load(d);
          a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load32_splat(r0 + p * sp), d0));
          a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_v128_load32_splat(r1 + p * sp), d0));
          a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(wasm_v128_load32_splat(r2 + p * sp), d0));
          a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(wasm_v128_load32_splat(r3 + p * sp), d0));
        }
        wasm_v128_store(w0 + co, a0); wasm_v128_store(w1 + co, a1);
        wasm_v128_store(w2 + co, a2); wasm_v128_store(w3 + co, a3);
      }
      for (; co < c1; co++) {
        float s0 = w0[co], s1 = w1[co], s2 = w2[co], s3 = w3[co];
        for (int p = t0; p < t1; p++) {
          float dv = dy[(long)p * co_ + co];
          s0 += r0[p * sp] * dv; s1 += r1[p * sp] * dv; s2 += r2[p * sp] * dv; s3 += r3[p * sp] * dv;
        }
        w0[co] = s0; w1[co] = s1; w2[co] = s2; w3[co] = s3;
      }
    }
    for (; k < k1; k++) {
      const float *r = cols + k * sk;
      float *w = dw + (long)k * co_;
      int co = c0;
      for (; co < c4; co += 4) {
        v128_t a = wasm_v128_load(w + co);
        const float *d = dy + (long)t0 * co_ + co;
        for (int p = t0; p < t1; p++, d += co_) a = wasm_f32x4_add(a, wasm_f32x4_mul(wasm_v128_load32_splat(r + p * sp), wasm_v128_load(d)));
        wasm_v128_store(w + co, a);
      }
      for (; co < c1; co++) {
        float s = w[co];
        for (int p = t0; p < t1; p++) s += r[p * sp] * dy[(long)p * co_ + co];
        w[co] = s;
      }
    }
  }
}

/*
 * out[r, j] = a[r, j] + b[j] for rows r of c floats: a bias added to every row (a conv's
 * [N, H, W, C] + [C], a dense layer's [N, C] + [C]).
 */
EXPORT("add_rows")
void add_rows(const float *a, const float *b, float *out, int rows, int c) {
  int c4 = c & ~3;
  for (int r = 0; r < rows; r++) {
    const float *x = a + (long)r * c;
    float *o = out + (long)r * c;
    int j = 0;
    for (; j < c4; j += 4) wasm_v128_store(o + j, wasm_f32x4_add(wasm_v128_load(x + j), wasm_v128_load(b + j)));
    for (; j < c; j++) o[j] = x[j] + b[j];
  }
}
