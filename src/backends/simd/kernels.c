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
 * Conv2DBackpropFilter, NHWC, for filters with few taps·in-channels (a network's first conv: 3×3
 * over 1 or 3 channels), where a matrix product of shape [K, P]·[P, outC] with K of 9 or 27 runs
 * far below a GEMM's speed: dw[k, co] = Σ_p x[p at tap k] · dy[p, co], k = (kh·fw + kw)·c + ci,
 * each output a running float32 sum over the output pixels p in order. dw (K·outC floats) stays in
 * cache; each dy row is read once per pixel.
 */
EXPORT("conv2d_backprop_filter")
void conv2d_backprop_filter(const float *x, const float *dy, float *dw, int n_, int h_, int w_, int c,
                            int oh_, int ow_, int co_, int fh, int fw, int sh, int sw, int top, int left) {
  int k_ = fh * fw * c;
  long total = (long)k_ * co_;
  for (long i = 0; i < total; i++) dw[i] = 0.0f;
  int co4 = co_ & ~3;
  for (int n = 0; n < n_; n++) {
    for (int oh = 0; oh < oh_; oh++) {
      for (int ow = 0; ow < ow_; ow++) {
        const float *d = dy + (((long)n * oh_ + oh) * ow_ + ow) * co_;
        for (int kh = 0; kh < fh; kh++) {
          int ih = oh * sh + kh - top;
          if (ih < 0 || ih >= h_) continue;
          for (int kw = 0; kw < fw; kw++) {
            int iw = ow * sw + kw - left;
            if (iw < 0 || iw >= w_) continue;
            const float *xp = x + (((long)n * h_ + ih) * w_ + iw) * c;
            float *row = dw + (long)((kh * fw + kw) * c) * co_;
            for (int ci = 0; ci < c; ci++, row += co_) {
              float xs = xp[ci];
              v128_t xv = wasm_f32x4_splat(xs);
              int co = 0;
              for (; co < co4; co += 4)
                wasm_v128_store(row + co, wasm_f32x4_add(wasm_v128_load(row + co), wasm_f32x4_mul(xv, wasm_v128_load(d + co))));
              for (; co < co_; co++) row[co] += xs * d[co];
            }
          }
        }
      }
    }
  }
}

/*
 * im2col for Conv2DBackpropFilter's matrix product, NHWC: the patches of output rows
 * [r0, r0 + nr) (row r = n·oh_ + oh) into cols, laid out [K, P] with row k = (kh·fw + kw)·c + ci and
 * column p = (r - r0)·ow_ + ow; positions outside the image (padding) are 0. Each pixel's c
 * channels go to c rows (a transpose), four pixels by four channels at a time.
 */
EXPORT("im2col_transposed")
void im2col_transposed(const float *x, float *cols, int r0, int nr, int h_, int w_, int c, int oh_, int ow_,
                       int fh, int fw, int sh, int sw, int top, int left) {
  long P = (long)nr * ow_;
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
