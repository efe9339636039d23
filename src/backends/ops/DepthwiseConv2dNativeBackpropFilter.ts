/**
 * `DepthwiseConv2dNativeBackpropFilter` on wasm, which tfjs-backend-wasm 4.22 does not ship (the
 * filter gradient of depthwiseConv2d and separableConv2d): a JS loop over the wasm heap that sums
 * along each row of dy in registers, 4 channels at a time. NHWC and dilations 1 only.
 */
import type { Tfjs } from '../tfjs';
import type { Op } from './op';
import { depthwiseGeometry } from './depthwise';
import { as4D, asWasmBackend, input, type TensorInfo, type WasmBackendLike, type WasmCall } from './wasmHeap';

export const depthwiseConv2dNativeBackpropFilter: Op<WasmBackendLike> = {
  kernelName: 'DepthwiseConv2dNativeBackpropFilter',
  backendName: 'wasm',
  reason: 'missing',
  backend: asWasmBackend,
  run,
};

function run(tf: Tfjs, { inputs, backend, attrs }: WasmCall): TensorInfo {
  const name = 'DepthwiseConv2dNativeBackpropFilter';
  const x = input(inputs, 'x', name);
  const dy = input(inputs, 'dy', name);
  const filterShape = as4D(attrs.filterShape as number[], 'filterShape', name);
  const g = depthwiseGeometry(tf, name, as4D(x.shape, 'x', name), filterShape, dy.shape, attrs);
  const { N, inH, inW, inC, outH, outW, outC, M, fH, fW, sH, sW, top, left } = g;
  const acc = new Float64Array(fH * fW * inC * M);
  const xv = backend.typedArrayFromHeap(x);
  const dyv = backend.typedArrayFromHeap(dy);
  const xStep = sW * inC;
  // For each row of dy and each filter tap, sum along the row in registers (4 channels at a time),
  // then add into the accumulator: far fewer memory writes than one per multiply.
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < outH; oh++) {
      const dyRow = (n * outH + oh) * outW * outC;
      for (let kh = 0; kh < fH; kh++) {
        const ih = oh * sH + kh - top;
        if (ih < 0 || ih >= inH) continue;
        const xRow = (n * inH + ih) * inW * inC;
        for (let kw = 0; kw < fW; kw++) {
          const owLo = Math.min(outW, Math.max(0, Math.ceil((left - kw) / sW)));
          const owHi = Math.min(outW, Math.max(owLo, Math.floor((inW - 1 + left - kw) / sW) + 1));
          if (owHi <= owLo) continue;
          const xStart = xRow + (owLo * sW + kw - left) * inC;
          const dyStart = dyRow + owLo * outC;
          const wBase = (kh * fW + kw) * outC;
          if (M === 1) {
            let ci = 0;
            for (; ci + 4 <= inC; ci += 4) {
              let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
              let xi = xStart + ci;
              let di = dyStart + ci;
              for (let ow = owLo; ow < owHi; ow++, xi += xStep, di += outC) {
                s0 += xv[xi] * dyv[di];
                s1 += xv[xi + 1] * dyv[di + 1];
                s2 += xv[xi + 2] * dyv[di + 2];
                s3 += xv[xi + 3] * dyv[di + 3];
              }
              acc[wBase + ci] += s0;
              acc[wBase + ci + 1] += s1;
              acc[wBase + ci + 2] += s2;
              acc[wBase + ci + 3] += s3;
            }
            for (; ci < inC; ci++) {
              let sum = 0;
              for (let ow = owLo, xi = xStart + ci, di = dyStart + ci; ow < owHi; ow++, xi += xStep, di += outC) {
                sum += xv[xi] * dyv[di];
              }
              acc[wBase + ci] += sum;
            }
          } else {
            for (let oc = 0; oc < outC; oc++) {
              let sum = 0;
              const ci = Math.floor(oc / M);
              for (let ow = owLo, xi = xStart + ci, di = dyStart + oc; ow < owHi; ow++, xi += xStep, di += outC) {
                sum += xv[xi] * dyv[di];
              }
              acc[wBase + oc] += sum;
            }
          }
        }
      }
    }
  }
  return backend.makeOutput(filterShape, 'float32', undefined, Float32Array.from(acc));
}
