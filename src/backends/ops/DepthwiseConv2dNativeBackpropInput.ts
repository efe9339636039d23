/**
 * `DepthwiseConv2dNativeBackpropInput` on wasm, which tfjs-backend-wasm 4.22 does not ship (the
 * input gradient of depthwiseConv2d and separableConv2d). It runs the backend's own forward
 * `DepthwiseConv2dNative` (XNNPACK) on stride-dilated, padded dy with the flipped filter, and plain
 * JS loops for explicit paddings that do not fit that. NHWC and dilations 1 only.
 */
import type { Tfjs, TF } from '../tfjs';
import type { Op } from './op';
import { depthwiseGeometry, type DepthwiseGeometry } from './depthwise';
import { as4D, asWasmBackend, dilateInto, input, type TensorInfo, type WasmBackendLike, type WasmCall } from './wasmHeap';

export const depthwiseConv2dNativeBackpropInput: Op<WasmBackendLike> = {
  kernelName: 'DepthwiseConv2dNativeBackpropInput',
  backendName: 'wasm',
  reason: 'missing',
  backend: asWasmBackend,
  run,
};

function run(tf: Tfjs, { inputs, backend, attrs }: WasmCall): TensorInfo {
  const name = 'DepthwiseConv2dNativeBackpropInput';
  const dy = input(inputs, 'dy', name);
  const filter = input(inputs, 'filter', name);
  const inShape = as4D(attrs.inputShape as number[], 'inputShape', name);
  const g = depthwiseGeometry(tf, name, inShape, as4D(filter.shape, 'filter', name), dy.shape, attrs);
  const fast = depthwiseBackpropInputViaForward(tf, backend, dy, filter, g);
  if (fast != null) return fast;
  const { N, inH, inW, inC, outH, outW, outC, M, fH, fW, sH, sW, top, left } = g;
  const out = backend.makeOutput(inShape, 'float32');
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  const dyv = backend.typedArrayFromHeap(dy);
  const wv = backend.typedArrayFromHeap(filter);
  dx.fill(0);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let kh = 0; kh < fH; kh++) {
        const ih = oh * sH + kh - top;
        if (ih < 0 || ih >= inH) continue;
        const dxRow = (n * inH + ih) * inW;
        for (let ow = 0; ow < outW; ow++) {
          const dyBase = ((n * outH + oh) * outW + ow) * outC;
          for (let kw = 0; kw < fW; kw++) {
            const iw = ow * sW + kw - left;
            if (iw < 0 || iw >= inW) continue;
            const dxBase = (dxRow + iw) * inC;
            const wBase = (kh * fW + kw) * inC * M;
            if (M === 1) {
              for (let ci = 0; ci < inC; ci++) dx[dxBase + ci] += dyv[dyBase + ci] * wv[wBase + ci];
            } else {
              for (let ci = 0; ci < inC; ci++) {
                const o = ci * M;
                let s = 0;
                for (let m = 0; m < M; m++) s += dyv[dyBase + o + m] * wv[wBase + o + m];
                dx[dxBase + ci] += s;
              }
            }
          }
        }
      }
    }
  }
  return out;
}

/**
 * DepthwiseConv2dNativeBackpropInput as a forward depthwise convolution, run by the wasm backend's
 * own (XNNPACK) DepthwiseConv2dNative kernel: dy, dilated by the strides (zeros between rows and
 * columns) and padded by (f - 1 - pad), convolved with the spatially flipped filter, gives dx
 * (per output channel ci·M + m; the M channels of each input channel are then summed). Returns null
 * when the geometry does not fit (the caller then uses plain loops).
 */
function depthwiseBackpropInputViaForward(
  tf: Tfjs, backend: WasmBackendLike, dy: TensorInfo, filter: TensorInfo, g: DepthwiseGeometry,
): TensorInfo | null {
  const { N, inH, inW, inC, outH, outW, outC, M, fH, fW, sH, sW, top, left } = g;
  const forward = tf.getKernel('DepthwiseConv2dNative', 'wasm') as TF.KernelConfig | undefined;
  if (forward == null || N * inH * inW * inC === 0 || outH * outW === 0) return null;
  // Extent of dy once dilated by the strides, and the padding of the equivalent forward conv.
  const dH = (outH - 1) * sH + 1;
  const dW = (outW - 1) * sW + 1;
  const padTop = fH - 1 - top;
  const padLeft = fW - 1 - left;
  const padBottom = inH + fH - 1 - dH - padTop;
  const padRight = inW + fW - 1 - dW - padLeft;
  if (padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0) return null;

  const dilate = sH !== 1 || sW !== 1 || dy.dtype !== 'float32';
  const flipped = backend.makeOutput([fH, fW, outC, 1], 'float32');
  const dyD = dilate ? backend.makeOutput([N, dH, dW, outC], 'float32') : null;
  {
    const wv = backend.typedArrayFromHeap(filter);
    const fv = backend.typedArrayFromHeap(flipped) as Float32Array;
    // filter [fH, fW, inC, M] is also [fH, fW, outC] since outC = inC·M.
    for (let kh = 0; kh < fH; kh++) {
      for (let kw = 0; kw < fW; kw++) {
        const src = (kh * fW + kw) * outC;
        const dst = ((fH - 1 - kh) * fW + (fW - 1 - kw)) * outC;
        for (let c = 0; c < outC; c++) fv[dst + c] = wv[src + c];
      }
    }
    if (dyD != null) {
      dilateInto(backend.typedArrayFromHeap(dy), backend.typedArrayFromHeap(dyD) as Float32Array, N, outH, outW, outC, sH, sW, dH, dW);
    }
  }
  const conv = forward.kernelFunc({
    inputs: { x: dyD ?? dy, filter: flipped },
    backend,
    attrs: {
      strides: [1, 1],
      dilations: [1, 1],
      pad: [[0, 0], [padTop, padBottom], [padLeft, padRight], [0, 0]],
    },
  }) as TensorInfo;
  backend.disposeData(flipped.dataId);
  if (dyD != null) backend.disposeData(dyD.dataId);
  if (M === 1) return { dataId: conv.dataId, shape: [N, inH, inW, inC], dtype: 'float32' };
  const out = backend.makeOutput([N, inH, inW, inC], 'float32');
  const cv = backend.typedArrayFromHeap(conv);
  const ov = backend.typedArrayFromHeap(out) as Float32Array;
  for (let i = 0, j = 0; i < ov.length; i++) {
    let sum = 0;
    for (let m = 0; m < M; m++) sum += cv[j++];
    ov[i] = sum;
  }
  backend.disposeData(conv.dataId);
  return out;
}
