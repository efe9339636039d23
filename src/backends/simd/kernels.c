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
