/**
 * `oneHot` / `toCategorical` of the bmnb module: class ids to float32 one-hot rows, for
 * `categoricalCrossentropy` (tfjs's own `tf.oneHot` wants an int32 tensor and gives int32).
 */
import type * as TF from '@tensorflow/tfjs';
import type { Tfjs } from '../backends/tfjs';
import { classCount, classIds } from './labels';
import type { BmnbModule } from './api';

export function makeOneHot(tf: Tfjs): Pick<BmnbModule, 'oneHot' | 'toCategorical'> {
  function encode(labels: unknown, numClasses: number | undefined, what: string): TF.Tensor2D {
    if (labels instanceof tf.Tensor && (labels as TF.Tensor).rank === 2 && (labels as TF.Tensor).shape[1]! > 1) {
      throw new RangeError(`${what}: labels has shape [${(labels as TF.Tensor).shape.join(', ')}], which already looks one-hot; pass class ids [N] (e.g. labels.argMax(-1)).`);
    }
    if (Array.isArray(labels) && labels.length > 0 && Array.isArray(labels[0]) && (labels[0] as unknown[]).length > 1) {
      throw new RangeError(`${what}: labels is an array of rows, which already looks one-hot; pass class ids (0, 1, 2, …).`);
    }
    const ids = classIds(tf, labels, `${what} labels`);
    const n = classCount(numClasses, what, ids);
    // int32 then cast: tfjs-backend-wasm 4.22's OneHot with dtype float32 writes the int32 bits of 1
    // (a float32 of 1.4e-45) instead of 1.
    return tf.tidy(() => tf.oneHot(tf.tensor1d(ids.ids, 'int32'), n).toFloat() as TF.Tensor2D);
  }

  function oneHot(labels: TF.Tensor | ArrayLike<number>, numClasses?: number): TF.Tensor2D {
    return encode(labels, numClasses, 'oneHot');
  }

  function toCategorical(labels: TF.Tensor | ArrayLike<number>, numClasses?: number): TF.Tensor2D {
    return encode(labels, numClasses, 'toCategorical');
  }

  return { oneHot, toCategorical };
}
