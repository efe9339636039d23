/**
 * `augment` of the bmnb module (declared in api.ts, with its docs and examples). The layer classes
 * are made from the session's tfjs (`tf.layers.Layer` of that instance) and registered with
 * `tf.serialization.registerClass`, so models that hold them save and load.
 */
import type * as TF from '@tensorflow/tfjs';
import type { Tfjs } from '../backends/tfjs';
import { checkOptions, finiteNumber } from './validate';
import type { Augment, Factor, FillMode, Interpolation, LayerArgs, RandomZoomOptions, TransformOptions } from './api';

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

export function makeAugment(tf: Tfjs): Augment {
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

  function randomRotation(factor: Factor, options: LayerArgs & TransformOptions = {}): RandomRotation {
    checkOptions(options, [...TRANSFORM_KEYS, ...LAYER_ARG_KEYS], 'augment.randomRotation');
    return new RandomRotation({ ...options, factor });
  }

  function randomZoom(factor: Factor, options: LayerArgs & RandomZoomOptions = {}): RandomZoom {
    checkOptions(options, ['widthFactor', ...TRANSFORM_KEYS, ...LAYER_ARG_KEYS], 'augment.randomZoom');
    return new RandomZoom({ ...options, heightFactor: factor });
  }

  function rotate(images: TF.Tensor, factor: Factor, options: TransformOptions = {}): TF.Tensor {
    checkOptions(options, TRANSFORM_KEYS, 'augment.rotate');
    const o = resolveTransform(options, 'augment.rotate');
    return applyRandom(images, rotationRows(range(factor, 'augment.rotate: factor')), o, o.seed === undefined ? Math.random : seededRandom(o.seed), 'augment.rotate');
  }

  function zoom(images: TF.Tensor, factor: Factor, options: RandomZoomOptions = {}): TF.Tensor {
    checkOptions(options, ['widthFactor', ...TRANSFORM_KEYS], 'augment.zoom');
    const o = resolveTransform(options, 'augment.zoom');
    const width = options.widthFactor === undefined ? undefined : range(options.widthFactor, 'augment.zoom: widthFactor', 1);
    return applyRandom(images, zoomRows(range(factor, 'augment.zoom: factor', 1), width), o, o.seed === undefined ? Math.random : seededRandom(o.seed), 'augment.zoom');
  }

  return { randomRotation, randomZoom, rotate, zoom, RandomRotation, RandomZoom };
}

