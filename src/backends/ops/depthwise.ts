/** What the two depthwise conv gradient ops share: the geometry of the forward depthwise conv, checked. */
import type { Tfjs } from '../tfjs';
import { as4D, checkNHWC, checkNoDilation, type Attrs, type Padding, type RoundingMode, type Shape4 } from './wasmHeap';

// ---------------------------------------------------------------------------------------------
// Depthwise conv gradients. Forward: y[n, oh, ow, ci·M + m] = Σ_{kh, kw} x[n, ih, iw, ci] · W[kh, kw, ci, m]
// with ih = oh·sH + kh - top, iw = ow·sW + kw - left.

export interface DepthwiseGeometry {
  N: number; inH: number; inW: number; inC: number;
  outH: number; outW: number; outC: number; M: number;
  fH: number; fW: number; sH: number; sW: number; top: number; left: number;
}

export function depthwiseGeometry(
  tf: Tfjs, name: string, inShape: Shape4, filterShape: Shape4, dyShape: readonly number[], attrs: Attrs,
): DepthwiseGeometry {
  checkNHWC(attrs.dataFormat, name);
  checkNoDilation(attrs.dilations, name);
  if (inShape[3] !== filterShape[2]) {
    throw new Error(
      `bmnb ${name}: input channels (${inShape[3]}) must match filter inChannels (${filterShape[2]})`,
    );
  }
  const info = tf.backend_util.computeConv2DInfo(
    inShape,
    filterShape,
    attrs.strides as number | [number, number],
    1,
    attrs.pad as Padding,
    attrs.dimRoundingMode as RoundingMode,
    true,
    'channelsLast',
  );
  const g: DepthwiseGeometry = {
    N: info.batchSize, inH: info.inHeight, inW: info.inWidth, inC: info.inChannels,
    outH: info.outHeight, outW: info.outWidth, outC: info.outChannels, M: filterShape[3],
    fH: info.filterHeight, fW: info.filterWidth, sH: info.strideHeight, sW: info.strideWidth,
    top: info.padInfo.top, left: info.padInfo.left,
  };
  const d = as4D(dyShape, 'dy', name);
  if (d[0] !== g.N || d[1] !== g.outH || d[2] !== g.outW || d[3] !== g.outC) {
    throw new Error(
      `bmnb ${name}: dy shape [${d.join(', ')}] does not match the depthwise conv output shape ` +
        `[${[g.N, g.outH, g.outW, g.outC].join(', ')}]`,
    );
  }
  return g;
}
