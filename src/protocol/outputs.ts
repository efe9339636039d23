/**
 * The rich output payloads: what the kernel builds from a value and the renderers draw. Plain
 * JSON only (see docs/architecture.md): numbers that JSON cannot hold (NaN, ±Infinity) travel as the strings
 * of {@link JsonNumber}, images as base64 PNG. Every payload has `version: 1`.
 */

/** A number as JSON can carry it: NaN and infinities as strings. */
export type JsonNumber = number | 'NaN' | 'Infinity' | '-Infinity';

// ---------------------------------------------------------------- tensor (application/vnd.bmnb.tensor+json)

export interface TensorStats {
  /** Smallest and largest finite value; null when there is none. */
  min: number | null;
  max: number | null;
  /** Mean and (population) standard deviation of the finite values; null when there is none. */
  mean: number | null;
  std: number | null;
  zeros: number;
  nan: number;
  /** +Infinity and -Infinity together. */
  inf: number;
}

export interface TensorHistogram {
  /** Equal-width bins over [min, max] of the finite values: `edges` has `counts.length + 1` entries. */
  edges: number[];
  counts: number[];
}

/**
 * A 2-D view of the tensor's values, elided in the middle like numpy for large sizes: `rowIndex`
 * and `colIndex` give each row's and column's index in the tensor, null marking the elided "…"
 * row or column (whose cells are null too).
 */
export interface TensorTable {
  /** Which slice this is, for tensors of more than two dimensions, e.g. `x[0, 0, :, :]`. */
  label?: string;
  rowIndex: (number | null)[];
  colIndex: (number | null)[];
  /** Row-major; booleans as 0/1, strings as strings. */
  values: (JsonNumber | string | null)[][];
}

export interface TensorImages {
  /** How many images the tensor holds, and how many are shown (up to 16). */
  count: number;
  shown: number;
  /** Size of each image as drawn (large images are downscaled to fit the payload). */
  width: number;
  height: number;
  /** Size in the tensor. */
  sourceWidth: number;
  sourceHeight: number;
  channels: 1 | 3 | 4;
  /** How values became pixels, e.g. "[0, 1] × 255" or "min-max scaled from [-3.2, 4.1]". */
  scaling: string;
  /** Base64 PNGs, one per image shown. */
  png: string[];
}

export interface TensorPayload {
  version: 1;
  dtype: string;
  shape: number[];
  size: number;
  /** Bytes of the tensor's data. */
  bytes: number;
  backend: string;
  /** The variable or display name, when known. */
  name?: string;
  /** Null for string tensors. */
  stats: TensorStats | null;
  histogram?: TensorHistogram;
  table?: TensorTable;
  images?: TensorImages;
  /** What was left out or approximated to keep the payload small, in words. */
  notes?: string[];
}

// ---------------------------------------------------------------- model (application/vnd.bmnb.model-summary+json)

export interface LayerRow {
  name: string;
  /** The layer's class, e.g. `Conv2D`. */
  className: string;
  /** Output shape with `null` for the batch dimension, one entry per output (Keras prints "multiple" for several). */
  outputShapes: (number | null)[][];
  params: number;
  trainable: boolean;
  /** Names of the layers feeding this one (functional models; empty for the first layer of a Sequential). */
  inbound: string[];
  /** The layers of a nested model. */
  layers?: LayerRow[];
}

export interface ModelSummaryPayload {
  version: 1;
  name: string;
  /** `Sequential`, `Functional` / `LayersModel`, … */
  className: string;
  /** True when layers are connected as a graph rather than a stack: the renderer shows the "Connected to" column. */
  functional: boolean;
  inputShapes: (number | null)[][];
  outputShapes: (number | null)[][];
  layers: LayerRow[];
  totals: {
    params: number;
    trainable: number;
    nonTrainable: number;
    /** Bytes of the weights, by dtype (float32: 4 per param). */
    paramBytes: number;
    trainableBytes: number;
    nonTrainableBytes: number;
  };
}

// ---------------------------------------------------------------- training (application/vnd.bmnb.training+json)

export interface TrainingPayload {
  version: 1;
  status: 'running' | 'done' | 'stopped' | 'error';
  /** `fit` or `fitDataset`. */
  method: string;
  /** Epochs asked for, and completed so far. */
  epochs: number;
  epochsDone: number;
  /** The epoch running now (0-based), and the batch within it (1-based count of batches done). */
  epoch: number;
  batch: number;
  /** Batches per epoch, when known (fit knows it; fitDataset learns it after the first epoch). */
  batchesPerEpoch: number | null;
  samplesPerSecond: number | null;
  etaSeconds: number | null;
  elapsedSeconds: number;
  /** Base metric names in order, e.g. ["loss", "acc"] ("val_loss" is drawn with "loss"). */
  metrics: string[];
  /**
   * Per-batch values, downsampled to at most ~1,000 points: x is in epochs (epoch + fraction of
   * its batches), each metric has one value per x (averaged over the batches a point stands for).
   */
  batches: { x: number[]; values: Record<string, JsonNumber[]> };
  /** Per-epoch values at x = 1, 2, …: every metric including `val_*`. */
  epochValues: { x: number[]; values: Record<string, JsonNumber[]> };
}

// ---------------------------------------------------------------- charts (application/vnd.bmnb.chart+json)

interface ChartBase {
  version: 1;
  title?: string;
  xLabel?: string;
  yLabel?: string;
}

export interface XYSeries {
  name: string;
  x: number[];
  y: JsonNumber[];
}

export interface LineChart extends ChartBase {
  kind: 'line' | 'scatter';
  series: XYSeries[];
}

export interface BarChart extends ChartBase {
  kind: 'bar';
  categories: string[];
  series: { name: string; values: JsonNumber[] }[];
}

export interface HistogramChart extends ChartBase {
  kind: 'histogram';
  /** Shared bin edges (`counts.length + 1` entries). */
  edges: number[];
  series: { name: string; counts: number[] }[];
}

export interface HeatmapChart extends ChartBase {
  /** A confusion matrix is a heatmap with rows = true class and columns = predicted class. */
  kind: 'heatmap' | 'confusion';
  rows: string[];
  cols: string[];
  /** values[row][col] */
  values: JsonNumber[][];
}

export type ChartPayload = LineChart | BarChart | HistogramChart | HeatmapChart;
