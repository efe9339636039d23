/**
 * `augment` of the bmnb module: Keras' `RandomRotation` and `RandomZoom` preprocessing layers as
 * tfjs layers, built on `tf.image.transform` (a projective transform per image, the same op Keras
 * uses), plus `rotate` / `zoom` to apply them to a batch directly.
 *
 * The classes are made from the session's tfjs (`tf.layers.Layer` of that instance) and registered
 * with `tf.serialization.registerClass`, so models that hold them save and load.
 */
import type * as TF from '@tensorflow/tfjs';
import type { Tfjs } from '../backends';
import { checkOptions, finiteNumber } from './validate';

export type FillMode = 'reflect' | 'constant' | 'nearest' | 'wrap';
export type Interpolation = 'bilinear' | 'nearest';
/** A number f (the range [-f, f]) or [lower, upper]. */
export type Factor = number | [number, number];

type LayerArgs = NonNullable<ConstructorParameters<typeof TF.layers.Layer>[0]>;

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

const FILL_MODES: readonly FillMode[] = ['reflect', 'constant', 'nearest', 'wrap'];
const INTERPOLATIONS: readonly Interpolation[] = ['bilinear', 'nearest'];
const LAYER_ARG_KEYS = ['inputShape', 'batchInputShape', 'batchSize', 'dtype', 'name', 'trainable', 'inputDType'];
const TRANSFORM_KEYS = ['fillMode', 'fillValue', 'interpolation', 'seed'];

/** A small seeded generator (mulberry32): uniform numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** [lower, upper] of a factor, checked the way Keras checks it. */
function range(factor: unknown, what: string, bound?: number): [number, number] {
  let lo: number;
  let hi: number;
  if (Array.isArray(factor)) {
    if (factor.length !== 2) throw new RangeError(`${what} must be a number or [lower, upper], got an array of ${factor.length} values.`);
    lo = finiteNumber(factor[0], `${what}[0]`);
    hi = finiteNumber(factor[1], `${what}[1]`);
    if (hi < lo) throw new RangeError(`${what}: lower (${lo}) is above upper (${hi}); pass [lower, upper].`);
  } else {
    const f = finiteNumber(factor, what);
    if (f < 0) throw new RangeError(`${what} must be ≥ 0 when it is one number (it gives the range [-${-f}, ${-f}]), got ${f}; pass [lower, upper] for a one-sided range.`);
    lo = -f;
    hi = f;
  }
  if (bound !== undefined && (Math.abs(lo) > bound || Math.abs(hi) > bound)) {
    throw new RangeError(`${what} must lie in [-${bound}, ${bound}], got [${lo}, ${hi}].`);
  }
  return [lo, hi];
}

interface Resolved {
  fillMode: FillMode;
  fillValue: number;
  interpolation: Interpolation;
  seed?: number;
}

function resolveTransform(o: TransformOptions, what: string): Resolved {
  const fillMode = o.fillMode ?? 'reflect';
  if (!FILL_MODES.includes(fillMode)) throw new RangeError(`${what}: fillMode must be one of ${FILL_MODES.map((m) => `'${m}'`).join(', ')}, got ${JSON.stringify(fillMode)}.`);
  const interpolation = o.interpolation ?? 'bilinear';
  if (!INTERPOLATIONS.includes(interpolation)) throw new RangeError(`${what}: interpolation must be 'bilinear' or 'nearest', got ${JSON.stringify(interpolation)}.`);
  const fillValue = o.fillValue === undefined ? 0 : finiteNumber(o.fillValue, `${what}: fillValue`);
  let seed: number | undefined;
  if (o.seed !== undefined && o.seed !== null) {
    if (typeof o.seed !== 'number' || !Number.isInteger(o.seed)) throw new TypeError(`${what}: seed must be a whole number, got ${JSON.stringify(o.seed)}.`);
    seed = o.seed;
  }
  return { fillMode, fillValue, interpolation, seed };
}

/** Rows of 8 numbers per image [a0 a1 a2 b0 b1 b2 c0 c1]: output point (x, y) reads input ((a0 x + a1 y + a2)/k, (b0 x + b1 y + b2)/k). */
type TransformRows = (n: number, height: number, width: number, random: () => number) => Float32Array;

const uniform = (random: () => number, [lo, hi]: [number, number]) => lo + (hi - lo) * random();

/** Keras' rotation matrix: a rotation by a random angle in [lower·2π, upper·2π] about the image's centre. */
function rotationRows(factor: [number, number]): TransformRows {
  return (n, h, w, random) => {
    const rows = new Float32Array(8 * n);
    for (let i = 0; i < n; i++) {
      const angle = uniform(random, factor) * 2 * Math.PI;
      const cos = Math.cos(angle);
      const sin = Math.sin(angle);
      const xOffset = (w - 1 - (cos * (w - 1) - sin * (h - 1))) / 2;
      const yOffset = (h - 1 - (sin * (w - 1) + cos * (h - 1))) / 2;
      rows.set([cos, -sin, xOffset, sin, cos, yOffset, 0, 0], 8 * i);
    }
    return rows;
  };
}

/** Keras' zoom matrix: scales by a random 1 + [lower, upper] about the centre (above 1 zooms out). */
function zoomRows(heightFactor: [number, number], widthFactor: [number, number] | undefined): TransformRows {
  return (n, h, w, random) => {
    const rows = new Float32Array(8 * n);
    for (let i = 0; i < n; i++) {
      const zy = 1 + uniform(random, heightFactor);
      const zx = widthFactor ? 1 + uniform(random, widthFactor) : zy;
      rows.set([zx, 0, ((w - 1) / 2) * (1 - zx), 0, zy, ((h - 1) / 2) * (1 - zy), 0, 0], 8 * i);
    }
    return rows;
  };
}

export function makeAugment(tf: Tfjs) {
  /** Applies one random transform per image of `x` ([N, H, W, C] or one image [H, W, C]). */
  function applyRandom(x: TF.Tensor, rows: TransformRows, o: Resolved, random: () => number, what: string): TF.Tensor {
    if (!(x instanceof tf.Tensor)) throw new TypeError(`${what}: expected a tensor of images [N, height, width, channels], got ${x === null ? 'null' : typeof x}.`);
    if (x.rank !== 4 && x.rank !== 3) {
      throw new RangeError(`${what}: expected images [N, height, width, channels] (or one image [height, width, channels]), got shape [${x.shape.join(', ')}]. Add a channels axis to grey images: x.expandDims(-1).`);
    }
    return tf.tidy(() => {
      const batch = (x.rank === 3 ? x.expandDims(0) : x) as TF.Tensor4D;
      const images = batch.dtype === 'float32' ? batch : batch.toFloat();
      const [n, h, w] = images.shape;
      const transforms = tf.tensor2d(rows(n, h, w, random), [n, 8], 'float32');
      const out = tf.image.transform(images, transforms, o.interpolation, o.fillMode, o.fillValue);
      return x.rank === 3 ? out.squeeze([0]) : out;
    });
  }

  /** The shared part of the two layers: identity unless called with `training: true`. */
  abstract class RandomTransformLayer extends tf.layers.Layer {
    protected readonly options: Resolved;
    private readonly random: () => number;

    constructor(args: LayerArgs & TransformOptions, what: string) {
      super(args);
      this.options = resolveTransform(args, what);
      this.random = this.options.seed === undefined ? Math.random : seededRandom(this.options.seed);
    }

    protected abstract rows(): TransformRows;

    override call(inputs: TF.Tensor | TF.Tensor[], kwargs: Record<string, unknown>): TF.Tensor {
      return tf.tidy(() => {
        this.invokeCallHook(inputs, kwargs);
        const x = Array.isArray(inputs) ? inputs[0]! : inputs;
        if (kwargs?.training !== true) return x;
        return applyRandom(x, this.rows(), this.options, this.random, this.name);
      });
    }

    override computeOutputShape(inputShape: TF.Shape | TF.Shape[]): TF.Shape | TF.Shape[] {
      return inputShape;
    }

    override getConfig(): TF.serialization.ConfigDict {
      const { fillMode, fillValue, interpolation, seed } = this.options;
      return { ...super.getConfig(), fillMode, fillValue, interpolation, ...(seed !== undefined ? { seed } : {}) };
    }
  }

  /**
   * Keras' `RandomRotation`: rotates each image of a training batch by a random angle in
   * [-factor·2π, factor·2π] (factor 0.1 → up to ±36°), about its centre. Identity at inference.
   */
  class RandomRotation extends RandomTransformLayer {
    static className = 'RandomRotation';
    readonly factor: Factor;
    private readonly bounds: [number, number];

    constructor(args: LayerArgs & TransformOptions & { factor: Factor }) {
      super(args, 'randomRotation');
      this.factor = args.factor;
      this.bounds = range(args.factor, 'randomRotation: factor');
    }

    protected rows(): TransformRows {
      return rotationRows(this.bounds);
    }

    override getConfig(): TF.serialization.ConfigDict {
      return { ...super.getConfig(), factor: this.factor };
    }
  }

  /**
   * Keras' `RandomZoom`: zooms each image of a training batch by a random amount about its centre.
   * Identity at inference.
   */
  class RandomZoom extends RandomTransformLayer {
    static className = 'RandomZoom';
    readonly heightFactor: Factor;
    readonly widthFactor?: Factor;
    private readonly heightBounds: [number, number];
    private readonly widthBounds?: [number, number];

    constructor(args: LayerArgs & RandomZoomOptions & { heightFactor: Factor }) {
      super(args, 'randomZoom');
      this.heightFactor = args.heightFactor;
      this.heightBounds = range(args.heightFactor, 'randomZoom: factor', 1);
      if (args.widthFactor !== undefined && args.widthFactor !== null) {
        this.widthFactor = args.widthFactor;
        this.widthBounds = range(args.widthFactor, 'randomZoom: widthFactor', 1);
      }
    }

    protected rows(): TransformRows {
      return zoomRows(this.heightBounds, this.widthBounds);
    }

    override getConfig(): TF.serialization.ConfigDict {
      return { ...super.getConfig(), heightFactor: this.heightFactor, ...(this.widthFactor !== undefined ? { widthFactor: this.widthFactor } : {}) };
    }
  }

  tf.serialization.registerClass(RandomRotation);
  tf.serialization.registerClass(RandomZoom);

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
  function randomRotation(factor: Factor, options: LayerArgs & TransformOptions = {}): RandomRotation {
    checkOptions(options, [...TRANSFORM_KEYS, ...LAYER_ARG_KEYS], 'augment.randomRotation');
    return new RandomRotation({ ...options, factor });
  }

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
  function randomZoom(factor: Factor, options: LayerArgs & RandomZoomOptions = {}): RandomZoom {
    checkOptions(options, ['widthFactor', ...TRANSFORM_KEYS, ...LAYER_ARG_KEYS], 'augment.randomZoom');
    return new RandomZoom({ ...options, heightFactor: factor });
  }

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
  function rotate(images: TF.Tensor, factor: Factor, options: TransformOptions = {}): TF.Tensor {
    checkOptions(options, TRANSFORM_KEYS, 'augment.rotate');
    const o = resolveTransform(options, 'augment.rotate');
    return applyRandom(images, rotationRows(range(factor, 'augment.rotate: factor')), o, o.seed === undefined ? Math.random : seededRandom(o.seed), 'augment.rotate');
  }

  /**
   * Zooms each image of a batch by a random amount now, whatever the phase: the function form of
   * {@link randomZoom} (factor, `widthFactor` and the other options the same).
   *
   * @example
   * import { augment, datasets } from 'bmnb';
   * const { xTrain } = await datasets.mnist({ trainSize: 8, testSize: 0 });
   * augment.zoom(xTrain, 0.2, { seed: 7 })   // eight digits, each zoomed in or out by up to 20%
   */
  function zoom(images: TF.Tensor, factor: Factor, options: RandomZoomOptions = {}): TF.Tensor {
    checkOptions(options, ['widthFactor', ...TRANSFORM_KEYS], 'augment.zoom');
    const o = resolveTransform(options, 'augment.zoom');
    const width = options.widthFactor === undefined ? undefined : range(options.widthFactor, 'augment.zoom: widthFactor', 1);
    return applyRandom(images, zoomRows(range(factor, 'augment.zoom: factor', 1), width), o, o.seed === undefined ? Math.random : seededRandom(o.seed), 'augment.zoom');
  }

  return { randomRotation, randomZoom, rotate, zoom, RandomRotation, RandomZoom };
}

export type Augment = ReturnType<typeof makeAugment>;
