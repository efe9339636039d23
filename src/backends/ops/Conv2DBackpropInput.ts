/**
 * A faster `Conv2DBackpropInput` on wasm (the gradient of conv2d with respect to its input, needed
 * by every conv layer after the first). tfjs-backend-wasm 4.22's is a plain C++ loop: 163 ms for
 * `[128,11,11,64]` with a `[3,3,32,64]` filter against 16 ms for the forward conv of the same size
 * (`bench/profile.ts`, one thread). Here it runs as a forward convolution on the backend's own
 * (XNNPACK) `Conv2D`: dy, dilated by the strides (zeros between rows and columns) and padded by
 * (filter − 1 − pad), convolved with the filter flipped in space and with its in and out channels
 * swapped, is dx (21 ms).
 *
 * Non-float32, NCHW, dilations and paddings larger than the filter go to the backend's own kernel.
 * Each call leaves exactly one new data buffer (the output) and frees its temporaries. The fix
 * belongs in tfjs (`tfjs-backend-wasm/src/cc/kernels/Conv2DBackpropInput.cc`).
 */
import type { Tfjs, TF } from '../tfjs';
import type { Op } from './op';
import { as4D, asWasmBackend, dilateInto, input, type Padding, type RoundingMode, type TensorInfo, type WasmBackendLike, type WasmCall } from './wasmHeap';

export const conv2DBackpropInput: Op<WasmBackendLike> = {
  kernelName: 'Conv2DBackpropInput',
  backendName: 'wasm',
  reason: 'faster',
  backend: asWasmBackend,
  run,
};

const isNHWC = (f: unknown) => f == null || f === 'NHWC' || f === 'channelsLast';

// Conv2DBackpropInput: dx[n, ih, iw, ci] = Σ dy[n, oh, ow, co] · W[kh, kw, ci, co] over
// ih = oh·sH + kh − top, iw = ow·sW + kw − left. With dy dilated by the strides into dD
// (dD[oh·sH, ow·sW] = dy[oh, ow]) and kh' = fH − 1 − kh, that is a stride-1 forward conv of dD,
// padded by fH − 1 − top above, with W'[kh', kw', co, ci] = W[fH − 1 − kh', fW − 1 − kw', ci, co].

function run(tf: Tfjs, { inputs, backend, attrs }: WasmCall): TensorInfo | null {
  const name = 'Conv2DBackpropInput';
  const dy = input(inputs, 'dy', name);
  const filter = input(inputs, 'filter', name);
  if (dy.dtype !== 'float32' || filter.dtype !== 'float32' || !isNHWC(attrs.dataFormat)) return null;
  const forward = tf.getKernel('Conv2D', 'wasm') as TF.KernelConfig | undefined;
  if (forward == null) return null;
  const inShape = as4D(attrs.inputShape as number[], 'inputShape', name);
  const fShape = as4D(filter.shape, 'filter', name);
  const info = tf.backend_util.computeConv2DInfo(
    inShape, fShape, attrs.strides as number | [number, number], 1,
    attrs.pad as Padding, attrs.dimRoundingMode as RoundingMode, false, 'channelsLast',
  );
  const { batchSize: N, inHeight: inH, inWidth: inW, inChannels: inC, outHeight: outH, outWidth: outW, outChannels: outC } = info;
  const { filterHeight: fH, filterWidth: fW, strideHeight: sH, strideWidth: sW } = info;
  const d = as4D(dy.shape, 'dy', name);
  if (d[0] !== N || d[1] !== outH || d[2] !== outW || d[3] !== outC) return null;
  if (N * inH * inW * inC === 0 || outH * outW * outC === 0) return null;
  const dH = (outH - 1) * sH + 1;
  const dW = (outW - 1) * sW + 1;
  const padTop = fH - 1 - info.padInfo.top;
  const padLeft = fW - 1 - info.padInfo.left;
  const padBottom = inH + fH - 1 - dH - padTop;
  const padRight = inW + fW - 1 - dW - padLeft;
  if (padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0) return null;

  const strided = sH !== 1 || sW !== 1;
  // Allocate first: an allocation may grow the wasm memory and detach older views.
  const flipped = backend.makeOutput([fH, fW, outC, inC], 'float32');
  const dyD = strided ? backend.makeOutput([N, dH, dW, outC], 'float32') : null;
  const wv = backend.typedArrayFromHeap(filter);
  const fv = backend.typedArrayFromHeap(flipped) as Float32Array;
  for (let kh = 0; kh < fH; kh++) {
    for (let kw = 0; kw < fW; kw++) {
      const src = (kh * fW + kw) * inC * outC;
      const dst = ((fH - 1 - kh) * fW + (fW - 1 - kw)) * outC * inC;
      for (let ci = 0; ci < inC; ci++) {
        for (let co = 0, s = src + ci * outC, t = dst + ci; co < outC; co++, s++, t += inC) fv[t] = wv[s];
      }
    }
  }
  if (dyD != null) dilateInto(backend.typedArrayFromHeap(dy), backend.typedArrayFromHeap(dyD) as Float32Array, N, outH, outW, outC, sH, sW, dH, dW);
  try {
    const dx = forward.kernelFunc({
      inputs: { x: dyD ?? dy, filter: flipped },
      backend: backend as unknown as TF.KernelBackend,
      attrs: { strides: [1, 1], dilations: [1, 1], pad: [[0, 0], [padTop, padBottom], [padLeft, padRight], [0, 0]], dataFormat: 'NHWC' },
    }) as TensorInfo;
    return { dataId: dx.dataId, shape: inShape, dtype: 'float32' };
  } finally {
    backend.disposeData(flipped.dataId);
    if (dyD != null) backend.disposeData(dyD.dataId);
  }
}
