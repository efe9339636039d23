/**
 * `tf.node.summaryFileWriter` and `tf.node.tensorBoard` without libtensorflow: the API of tfjs-node
 * 4.22 (src/tensorboard.ts, src/callbacks.ts) writing TensorFlow event files in JavaScript
 * (events.ts, eventFile.ts) instead of through TensorFlow's summary ops. Scalars are the same
 * `simple_value` events; histograms are `HistogramProto` (`histo`) values with tfjs-node's buckets,
 * which TensorBoard turns into the same charts as the histogram-plugin tensors tfjs-node writes.
 */
import { join, resolve } from 'node:path';
import type { TF, Tfjs } from '../tfjs';
import { EventFileWriter } from './eventFile';
import { histogramEvent, histogramOf, scalarEvent, type SummaryHeader } from './events';

/** Writes scalar and histogram summaries to one TensorBoard log directory. */
export class SummaryFileWriter {
  /** @param file the event file this writer appends to. */
  constructor(private readonly file: EventFileWriter) {}

  /** The absolute log directory. */
  get logdir(): string {
    return this.file.dir;
  }

  /**
   * Writes a scalar summary.
   *
   * @param name the summary's tag in TensorBoard.
   * @param value a number, or a rank-0 `tf.Tensor` (read synchronously).
   * @param step a whole number; TensorBoard's x axis.
   * @param description optional Markdown shown with the chart (tfjs-node throws for it; here it is
   *     written as the summary's description).
   */
  scalar(name: string, value: TF.Scalar | number, step: number, description?: string): void {
    const header = summaryHeader('scalar', name, step, description);
    this.file.write(scalarEvent(header, scalarValue(value)));
  }

  /**
   * Writes a histogram summary of every element of `data`, whatever its shape, in `buckets`
   * equal-width buckets (30 by default), as tfjs-node buckets them.
   *
   * @param name the summary's tag in TensorBoard (Histograms and Distributions dashboards).
   * @param data a `tf.Tensor` of numbers (read synchronously; not disposed).
   * @param step a whole number.
   * @param buckets optional positive whole number of buckets.
   * @param description optional Markdown shown with the chart.
   */
  histogram(name: string, data: TF.Tensor, step: number, buckets?: number, description?: string): void {
    const header = summaryHeader('histogram', name, step, description);
    this.file.write(histogramEvent(header, histogramOf(tensorValues(data), buckets)));
  }

  /** Appends every queued summary to the event file now. */
  flush(): void {
    this.file.flush();
  }
}

/** One writer per absolute log directory, as tfjs-node caches them (two would write two files). */
const writers = new Map<string, SummaryFileWriter>();

/** The signature of `tf.node.summaryFileWriter`. */
export type SummaryFileWriterFactory = (logdir: string, maxQueue?: number, flushMillis?: number, filenameSuffix?: string) => SummaryFileWriter;

/**
 * Makes `tf.node.summaryFileWriter(logdir, maxQueue = 10, flushMillis = 120000, filenameSuffix = '.v2')`:
 * a writer of TensorBoard event files in `logdir` (relative to `notebookDir`), the same writer for
 * the same folder.
 */
export function makeSummaryFileWriter(notebookDir: string): SummaryFileWriterFactory {
  return (logdir, maxQueue = 10, flushMillis = 120000, filenameSuffix = '.v2') => {
    if (typeof logdir !== 'string' || logdir.length === 0) {
      throw new Error(`Invalid logdir: ${String(logdir)}. Expected a non-empty string for logdir, the folder TensorBoard will read (tensorboard --logdir <it>).`);
    }
    checkWriterOptions(maxQueue, flushMillis, filenameSuffix);
    const dir = resolve(notebookDir, logdir);
    let writer = writers.get(dir);
    if (!writer) {
      writer = new SummaryFileWriter(new EventFileWriter(dir, { maxQueue, flushMillis, filenameSuffix }));
      writers.set(dir, writer);
    }
    return writer;
  };
}

function checkWriterOptions(maxQueue: number, flushMillis: number, filenameSuffix: string): void {
  if (!Number.isInteger(maxQueue) || maxQueue < 0) throw new Error(`summaryFileWriter: maxQueue must be a whole number of events (0 or more), got ${String(maxQueue)}.`);
  if (typeof flushMillis !== 'number' || !(flushMillis >= 0)) throw new Error(`summaryFileWriter: flushMillis must be a number of milliseconds (0 or more), got ${String(flushMillis)}.`);
  if (typeof filenameSuffix !== 'string' || /[/\\]/.test(filenameSuffix)) throw new Error(`summaryFileWriter: filenameSuffix must be a string without path separators, got ${String(filenameSuffix)}.`);
}

function summaryHeader(kind: string, name: string, step: number, description: string | undefined): SummaryHeader {
  if (typeof name !== 'string') throw new Error(`${kind}(): name must be a string (the tag TensorBoard shows), got ${typeof name}.`);
  if (!Number.isInteger(step)) throw new Error(`step is expected to be an integer, but is instead ${String(step)}. Pass a whole number, such as the epoch or batch count.`);
  if (description != null && typeof description !== 'string') throw new Error(`${kind}(): description must be a string, got ${typeof description}.`);
  return { wallTime: Date.now() / 1000, step, tag: name, description: description ?? undefined };
}

function isTensor(value: unknown): value is TF.Tensor {
  return typeof value === 'object' && value !== null && 'rank' in value && typeof (value as TF.Tensor).dataSync === 'function';
}

function scalarValue(value: TF.Scalar | number): number {
  if (typeof value === 'number') return value;
  if (!isTensor(value)) throw new Error(`scalar(): value must be a number or a rank-0 tf.Tensor, got ${value === null ? 'null' : typeof value}.`);
  if (value.rank !== 0) throw new Error(`A non-scalar tensor (rank ${value.rank}, shape [${value.shape.join(', ')}]) is passed to scalar(). Pass a rank-0 tensor, e.g. t.mean(), or a number.`);
  return numericValues(value, 'scalar')[0];
}

function tensorValues(data: TF.Tensor): ArrayLike<number> {
  if (!isTensor(data)) throw new Error(`histogram(): data must be a tf.Tensor, got ${data === null ? 'null' : typeof data}. Wrap numbers with tf.tensor(values).`);
  return numericValues(data, 'histogram');
}

function numericValues(t: TF.Tensor, kind: string): ArrayLike<number> {
  if (t.dtype === 'string' || t.dtype === 'complex64') throw new Error(`${kind}(): a ${t.dtype} tensor has no numeric values to summarize; pass a float32, int32 or bool tensor.`);
  return t.dataSync() as ArrayLike<number>;
}

/** The options of `tf.node.tensorBoard` (tfjs-node's `TensorBoardCallbackArgs`). */
export interface TensorBoardCallbackArgs {
  /** 'batch': write the loss and metrics after every batch as well as every epoch; 'epoch' (default): every epoch. */
  updateFreq?: 'batch' | 'epoch';
  /** Every how many epochs to write histograms of the model's weights; 0 (default): never. */
  histogramFreq?: number;
}

/** The model a callback is given: its weights are what the histograms show. */
type FitModel = Parameters<TF.CustomCallback['setModel']>[0];

/**
 * Makes `tf.node.tensorBoard(logdir = './logs', args?)`: a `tf.CustomCallback` for `model.fit`
 * that behaves as tfjs-node's `TensorBoardCallback`. It writes to `<logdir>/train` the `batch_<key>`
 * values of every batch (updateFreq 'batch', step: batches seen by this callback, from 1) and the
 * `epoch_<key>` values of every epoch (step: epoch + 1), and to `<logdir>/val` the `val_<key>`
 * values as `epoch_<key>`; with histogramFreq n > 0, histograms of every weight (tagged with the
 * weight's name) after epochs 0, n, 2n… at step = epoch, as tfjs-node does. Writers flush at the
 * end of training.
 */
export function makeTensorBoard(tf: Tfjs, summaryFileWriter: SummaryFileWriterFactory) {
  return function tensorBoard(logdir = './logs', args?: TensorBoardCallbackArgs): TF.CustomCallback {
    const { updateFreq, histogramFreq } = checkCallbackArgs(args);
    const state = { model: null as FitModel | null, batchesSeen: 0, train: null as SummaryFileWriter | null, val: null as SummaryFileWriter | null };
    const trainWriter = () => (state.train ??= summaryFileWriter(join(logdir, 'train')));
    const valWriter = () => (state.val ??= summaryFileWriter(join(logdir, 'val')));
    const logMetrics = (logs: TF.Logs | undefined, prefix: string, step: number) => {
      for (const [key, value] of Object.entries(logs ?? {})) {
        if (key === 'batch' || key === 'size' || key === 'num_steps') continue;
        if (key.startsWith('val_')) valWriter().scalar(prefix + key.slice(4), value, step);
        else trainWriter().scalar(prefix + key, value, step);
      }
    };
    const callback = new tf.CustomCallback({
      onBatchEnd: (_batch, logs) => {
        state.batchesSeen++;
        if (updateFreq !== 'epoch') logMetrics(logs, 'batch_', state.batchesSeen);
      },
      onEpochEnd: (epoch, logs) => {
        logMetrics(logs, 'epoch_', epoch + 1);
        if (histogramFreq > 0 && epoch % histogramFreq === 0 && state.model) {
          for (const weight of state.model.weights) trainWriter().histogram(weight.name, weight.read(), epoch);
        }
      },
      onTrainEnd: () => {
        state.train?.flush();
        state.val?.flush();
      },
    });
    // CustomCallback ignores the model it is given; the weight histograms need it.
    callback.setModel = (model: FitModel) => {
      state.model = model;
    };
    return callback;
  };
}

function checkCallbackArgs(args: TensorBoardCallbackArgs | undefined): Required<TensorBoardCallbackArgs> {
  const updateFreq = args?.updateFreq ?? 'epoch';
  const histogramFreq = args?.histogramFreq ?? 0;
  if (updateFreq !== 'batch' && updateFreq !== 'epoch') throw new Error(`Expected updateFreq to be 'batch' or 'epoch', but got ${String(updateFreq)}.`);
  if (!Number.isInteger(histogramFreq) || histogramFreq < 0) {
    throw new Error(`Expected histogramFreq to be a positive integer, but got ${String(histogramFreq)}. Pass a number of epochs, or 0 for no histograms.`);
  }
  return { updateFreq, histogramFreq };
}
