/**
 * `tf.node` without libtensorflow: what tfjs-node 4.22's `node` namespace offers that can be done
 * honestly in JavaScript (image decoding and encoding, TensorBoard event files and the
 * `tensorBoard` fit callback), and, for what cannot (SavedModels), members that say how to get the
 * native backend. The loader assigns the result as `tf.node` when no native backend is loaded.
 */
import type { TF, Tfjs } from '../tfjs';
import { makeImages } from './images';
import { makeNativeOnly } from './nativeOnly';
import { makeSummaryFileWriter, makeTensorBoard, type SummaryFileWriter, type TensorBoardCallbackArgs } from './tensorboard';

export { SummaryFileWriter, type TensorBoardCallbackArgs } from './tensorboard';

/** Where `tf.node` runs: relative log directories resolve from the notebook's folder. */
export interface TfNodeOptions {
  notebookDir: string;
}

/** The `tf.node` namespace: tfjs-node's members, by the same names and signatures. */
export interface TfNode extends ReturnType<typeof makeImages>, ReturnType<typeof makeNativeOnly> {
  summaryFileWriter(logdir: string, maxQueue?: number, flushMillis?: number, filenameSuffix?: string): SummaryFileWriter;
  tensorBoard(logdir?: string, args?: TensorBoardCallbackArgs): TF.CustomCallback;
}

/**
 * Makes the `tf.node` namespace for the session's tfjs `tf` (handed in, never imported).
 *
 * @param tf the session's tfjs instance: the decoders make their tensors on it.
 * @param options `notebookDir`: the folder relative log directories resolve from.
 * @returns the object to assign as `tf.node`.
 * @example
 * tf.node = createTfNode(tf, { notebookDir: '/home/me/notebooks' });
 * const img = tf.node.decodeImage(fs.readFileSync('cat.png'));   // int32 [h, w, 3 or 4]
 * await model.fit(xs, ys, { epochs: 5, callbacks: tf.node.tensorBoard('./logs') });
 */
export function createTfNode(tf: Tfjs, options: TfNodeOptions): TfNode {
  const summaryFileWriter = makeSummaryFileWriter(options.notebookDir);
  return {
    ...makeImages(tf),
    summaryFileWriter,
    tensorBoard: makeTensorBoard(tf, summaryFileWriter),
    ...makeNativeOnly(tf, options.notebookDir),
  };
}
