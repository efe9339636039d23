/**
 * What a value is, in one line and a few fields (a {@link ValueInfo}): for hovers and the
 * variables view. Nothing of the user's runs: properties are read through their descriptors
 * (getters are reported, not invoked), Proxies are not touched, and the only code called is the
 * engine's and tfjs's own (a tensor's shape and data, a model's layers and weights).
 */
import { inspect, types } from 'node:util';
import type { ValueInfo } from '../protocol';
import type { Tfjs } from '../backends/tfjs';
import { computeStats, type TensorLike } from './outputs/tensor';
import { buildModelSummary, formatShape, type ModelLike } from './outputs/model';
import { formatBytes, formatCount } from './outputs/format';
import { bufferBytes, collectionSize, constructorName, firstEntries, functionName, hasInChain, inspectIsSafe, isClass, isObjectLike, isProxy, lookup, typedArrayInfo } from './reflect';

/** Tensors up to this many elements get statistics in a hover (a few ms on wasm); larger ones only once cached. */
export const STATS_MAX_ELEMENTS = 2_000_000;
/** Previews are cut to this many characters. */
export const PREVIEW_MAX = 120;
/** Array elements sampled to find an element type and a shape. */
const ARRAY_SAMPLE = 32;
/** Property reads the shape check of one nested array may take. */
const SHAPE_BUDGET = 4000;
/** Keys an object preview lists. */
const PREVIEW_KEYS = 12;

const INSPECT_OPTIONS = { depth: 0, maxArrayLength: 5, maxStringLength: PREVIEW_MAX, breakLength: Infinity, getters: false, customInspect: false } as const;
const BYTES_PER_ELEMENT: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };

export interface DescribeOptions {
  /** Tensor statistics (hover); the variables view leaves them out. */
  stats?: boolean;
}

/** One line, cut to {@link PREVIEW_MAX} characters. */
export function cut(text: string, max = PREVIEW_MAX): string {
  const line = text.replace(/\s*\n\s*/g, ' ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

type TensorStatsInfo = NonNullable<NonNullable<ValueInfo['tensor']>['stats']>;

interface EngineLike {
  state: { tensorInfo?: WeakMap<object, { backend?: object; bytes?: number }> };
  registry: Record<string, object>;
}

/** Describes values of one session: knows its tfjs (tensor and model classes, which getters are tfjs's own). */
export class Describer {
  private readonly tensorProto: object;
  private readonly modelProto: object;
  private readonly layerProto: object | undefined;
  private readonly dataSync: (this: TensorLike) => ArrayLike<number>;
  /** Prototypes of tfjs's classes and tfjs's namespace objects: their getters are tfjs's bookkeeping. */
  private readonly tfjsHolders = new WeakSet<object>();
  /** Statistics by tensor data (a tensor's data never changes; a Variable's assign gives it new data). */
  private readonly statsCache = new WeakMap<object, TensorStatsInfo>();

  constructor(private readonly tf: Tfjs) {
    this.tensorProto = tf.Tensor.prototype;
    this.modelProto = tf.LayersModel.prototype;
    this.layerProto = (tf.layers as unknown as { Layer?: { prototype: object } }).Layer?.prototype;
    this.dataSync = tf.Tensor.prototype.dataSync as unknown as (this: TensorLike) => ArrayLike<number>;
    this.collectTfjsHolders();
  }

  /**
   * Called once, when the session starts and before any cell runs: the prototypes of every class
   * tfjs exports or registers for serialization (layers, optimizers, initializers…), and tfjs's
   * namespace objects. Classes a cell defines later are not among them.
   */
  private collectTfjsHolders(): void {
    const addClass = (fn: unknown) => {
      if (typeof fn !== 'function') return;
      const proto = lookup(fn, 'prototype');
      let o = proto?.kind === 'data' && isObjectLike(proto.value) ? (proto.value as object | null) : null;
      while (o && o !== Object.prototype && o !== Function.prototype && !this.tfjsHolders.has(o)) {
        this.tfjsHolders.add(o);
        o = Object.getPrototypeOf(o) as object | null;
      }
    };
    const visit = (ns: object, depth: number) => {
      if (this.tfjsHolders.has(ns)) return;
      this.tfjsHolders.add(ns);
      for (const key of Object.keys(ns)) {
        let value: unknown;
        try {
          value = (ns as Record<string, unknown>)[key];
        } catch {
          continue;
        }
        if (typeof value === 'function') addClass(value);
        else if (depth < 2 && isObjectLike(value) && !isProxy(value) && Object.getPrototypeOf(value) === Object.prototype) visit(value, depth + 1);
      }
    };
    visit(this.tf, 0);
    try {
      const registered = this.tf.serialization.SerializationMap.getMap().classNameMap as Record<string, [unknown, unknown]>;
      for (const [cls] of Object.values(registered)) addClass(cls);
    } catch {
      // an older tfjs without the map: exported classes only
    }
  }

  /** Whether a getter found on `holder` is tfjs's own (so reading it runs no user code). */
  isTfjsHolder(holder: object): boolean {
    return this.tfjsHolders.has(holder);
  }

  isTensor(value: unknown): value is TensorLike {
    return hasInChain(value, this.tensorProto);
  }

  isModel(value: unknown): value is ModelLike {
    return hasInChain(value, this.modelProto);
  }

  private backendOf(t: TensorLike): string {
    const engine = this.tf.engine() as unknown as EngineLike;
    const backend = engine.state.tensorInfo?.get(t.dataId)?.backend;
    if (backend) for (const [name, b] of Object.entries(engine.registry)) if (b === backend) return name;
    return this.tf.getBackend() ?? 'unknown';
  }

  /** Bytes a tensor's data takes (the engine's own count, which knows strings too). */
  private tensorBytes(t: TensorLike): number {
    const info = (this.tf.engine() as unknown as EngineLike).state.tensorInfo?.get(t.dataId);
    if (typeof info?.bytes === 'number') return info.bytes;
    return t.size * (BYTES_PER_ELEMENT[t.dtype] ?? 4);
  }

  /** Statistics of a tensor's values when they are quick to get (small enough, or computed before). */
  tensorStats(t: TensorLike, compute: boolean): TensorStatsInfo | undefined {
    const cached = this.statsCache.get(t.dataId);
    if (cached || !compute) return cached;
    if (t.size > STATS_MAX_ELEMENTS || !(t.dtype in BYTES_PER_ELEMENT) || t.dtype === 'complex64') return undefined;
    let values: ArrayLike<number>;
    try {
      values = Reflect.apply(this.dataSync, t, []);
    } catch {
      return undefined; // data that cannot be read synchronously (some GPU backends)
    }
    const s = computeStats(values);
    const stats = { min: s.min, max: s.max, mean: s.mean, nan: s.nan, inf: s.inf };
    this.statsCache.set(t.dataId, stats);
    return stats;
  }

  /** Describes any value; `name` is the path or variable it was found under. */
  describe(value: unknown, name: string, options: DescribeOptions = {}): ValueInfo {
    switch (typeof value) {
      case 'undefined':
        return { name, kind: 'undefined', type: 'undefined', preview: 'undefined' };
      case 'number':
        return { name, kind: 'number', type: 'number', preview: inspect(value) };
      case 'boolean':
        return { name, kind: 'boolean', type: 'boolean', preview: String(value) };
      case 'bigint':
        return { name, kind: 'bigint', type: 'bigint', preview: cut(`${value}n`) };
      case 'symbol':
        return { name, kind: 'symbol', type: 'symbol', preview: cut(inspect(value)) };
      case 'string':
        return { name, kind: 'string', type: 'string', preview: cut(inspect(value, INSPECT_OPTIONS)), bytes: Buffer.byteLength(value) };
    }
    if (value === null) return { name, kind: 'null', type: 'null', preview: 'null' };
    const obj = value as object;
    if (isProxy(obj)) return { name, kind: typeof obj === 'function' ? 'function' : 'object', type: 'Proxy', preview: 'Proxy' };
    if (typeof obj === 'function') return this.describeFunction(obj, name);
    if (this.isTensor(obj)) return this.describeTensor(obj, name, options);
    if (this.isModel(obj)) {
      const info = this.describeModel(obj, name);
      if (info) return info;
    }
    if (Array.isArray(obj)) return this.describeArray(obj, name);
    if (types.isTypedArray(obj)) {
      const ta = typedArrayInfo(obj);
      return {
        name,
        kind: 'array',
        type: ta.className,
        preview: cut(`${ta.className}(${ta.length}) ${this.listPreview(obj as unknown as ArrayLike<unknown>, ta.length)}`),
        bytes: ta.bytes,
        array: { length: ta.length, elementType: ta.elementType, shape: [ta.length] },
      };
    }
    if (obj === (this.tf as unknown)) {
      const version = this.tf.version.tfjs ?? this.tf.version['tfjs-core'];
      return { name, kind: 'object', type: 'tfjs', preview: `TensorFlow.js ${version} · backend ${this.tf.getBackend()}` };
    }
    return this.describeObject(obj, name);
  }

  private describeTensor(t: TensorLike, name: string, options: DescribeOptions): ValueInfo {
    const type = constructorName(t) ?? 'Tensor';
    const shape = [...t.shape];
    const disposed = !!(t as unknown as { isDisposedInternal?: boolean }).isDisposedInternal;
    const head = `${type} ${t.dtype} [${shape.join(', ')}]`;
    if (disposed) {
      return {
        name,
        kind: 'tensor',
        type,
        preview: `${head} · disposed`,
        tensor: { dtype: t.dtype, shape, size: t.size, backend: this.tf.getBackend(), disposed: true },
      };
    }
    const backend = this.backendOf(t);
    const bytes = this.tensorBytes(t);
    const info: ValueInfo = {
      name,
      kind: 'tensor',
      type,
      preview: `${head} · ${formatBytes(bytes)} · ${backend}`,
      bytes,
      tensor: { dtype: t.dtype, shape, size: t.size, backend },
    };
    const stats = this.tensorStats(t, !!options.stats);
    if (stats && options.stats) info.tensor!.stats = stats;
    return info;
  }

  private describeModel(model: ModelLike, name: string): ValueInfo | undefined {
    let summary: ReturnType<typeof buildModelSummary>;
    try {
      summary = buildModelSummary(model);
    } catch {
      return undefined; // a model that was never built: shown as the object it is
    }
    const t = summary.totals;
    const shapes = (list: (number | null)[][]) => list.map(formatShape).join(', ');
    const io = summary.inputShapes.length || summary.outputShapes.length ? ` · ${shapes(summary.inputShapes)} → ${shapes(summary.outputShapes)}` : '';
    return {
      name,
      kind: 'model',
      type: summary.className,
      preview: cut(`${summary.className} · ${summary.layers.length} layers · ${formatCount(t.params)} params (${formatBytes(t.paramBytes)})${io}`),
      bytes: t.paramBytes,
      model: {
        className: summary.className,
        inputShapes: summary.inputShapes,
        outputShapes: summary.outputShapes,
        layers: summary.layers.length,
        params: t.params,
        trainable: t.trainable,
      },
    };
  }

  private describeFunction(fn: object, name: string): ValueInfo {
    const cls = isClass(fn);
    const fnName = functionName(fn) ?? '';
    const fallback = cls ? `[class ${fnName || '(anonymous)'}]` : `[${constructorName(fn) ?? 'Function'}${fnName ? `: ${fnName}` : ' (anonymous)'}]`;
    const preview = inspectIsSafe(fn) ? inspect(fn, INSPECT_OPTIONS) : fallback;
    return { name, kind: cls ? 'class' : 'function', type: cls ? 'class' : constructorName(fn) ?? 'Function', preview: cut(preview) };
  }

  private describeArray(arr: unknown[], name: string): ValueInfo {
    const length = arrayLength(arr);
    const shape = analyzeArray(arr, (v) => this.elementKind(v), { reads: SHAPE_BUDGET });
    const type = shape.elementType === 'mixed' ? (shape.kinds.length <= 3 ? `(${shape.kinds.join(' | ')})[]` : 'unknown[]') : `${shape.elementType}[]`;
    const info: ValueInfo = {
      name,
      kind: 'array',
      type,
      preview: cut(`${length > 5 ? `Array(${length}) ` : ''}${this.listPreview(arr, length)}`),
      array: { length, elementType: shape.elementType },
    };
    if (shape.shape) info.array!.shape = shape.shape;
    return info;
  }

  /** `[ 1, 2, 3, 4, 5, ... 95 more items ]`, as util.inspect lists arrays, elements read by descriptor. */
  private listPreview(list: ArrayLike<unknown>, length: number): string {
    const shown: string[] = [];
    const isTyped = types.isTypedArray(list);
    for (let i = 0; i < Math.min(5, length); i++) {
      if (isTyped) {
        shown.push(inspect((list as Record<number, unknown>)[i]));
        continue;
      }
      const d = Object.getOwnPropertyDescriptor(list, i);
      shown.push(!d ? '<empty>' : 'value' in d ? this.shortValue(d.value) : accessorLabel(d));
    }
    if (length > 5) shown.push(`... ${length - 5} more item${length - 5 === 1 ? '' : 's'}`);
    return shown.length ? `[ ${shown.join(', ')} ]` : '[]';
  }

  /** A value inside a preview, without looking further into it. */
  private shortValue(v: unknown): string {
    if (typeof v === 'string') return inspect(v, { maxStringLength: 40 });
    if (!isObjectLike(v)) return inspect(v);
    if (isProxy(v)) return '[Proxy]';
    if (typeof v === 'function') {
      const n = functionName(v);
      return isClass(v) ? `[class ${n || '(anonymous)'}]` : `[Function${n ? `: ${n}` : ' (anonymous)'}]`;
    }
    if (this.isTensor(v)) return `${constructorName(v) ?? 'Tensor'} ${v.dtype} [${v.shape.join(', ')}]${v.isDisposed ? ' (disposed)' : ''}`;
    if (Array.isArray(v)) return `[Array(${arrayLength(v)})]`;
    if (types.isTypedArray(v)) {
      const ta = typedArrayInfo(v);
      return `[${ta.className}(${ta.length})]`;
    }
    return `[${constructorName(v) ?? 'Object'}]`;
  }

  /** What an array element is, for the array's element type. */
  private elementKind(v: unknown): string {
    if (v === null) return 'null';
    if (!isObjectLike(v)) return typeof v;
    if (isProxy(v)) return 'Proxy';
    if (typeof v === 'function') return 'function';
    if (Array.isArray(v)) return 'array';
    if (this.isTensor(v)) return 'Tensor';
    if (this.isModel(v)) return 'LayersModel';
    const name = constructorName(v);
    return !name || name === 'Object' ? 'object' : name;
  }

  private describeObject(obj: object, name: string): ValueInfo {
    const type = constructorName(obj) ?? 'Object';
    const bytes = bufferBytes(obj);
    const size = collectionSize(obj);
    let preview: string;
    if (hasInChain(obj, this.layerProto)) preview = this.layerPreview(obj, type);
    else if (isExotic(obj) && inspectIsSafe(obj)) preview = inspect(obj, INSPECT_OPTIONS);
    else preview = this.objectPreview(obj, type, size);
    const info: ValueInfo = { name, kind: 'object', type, preview: cut(preview) };
    if (bytes !== undefined) info.bytes = bytes;
    return info;
  }

  /** `Dense 'dense_Dense1' · (None, 10) · 650 params`: a layer's own bookkeeping (tfjs's code). */
  private layerPreview(layer: object, type: string): string {
    const l = layer as { name?: unknown; outputShape?: unknown; countParams?: () => number };
    const parts = [`${type} '${String(l.name)}'`];
    try {
      const shape = l.outputShape;
      if (Array.isArray(shape) && !Array.isArray(shape[0])) parts.push(formatShape(shape as (number | null)[]));
    } catch {
      // never called: no output shape yet
    }
    try {
      parts.push(`${formatCount(l.countParams!())} params`);
    } catch {
      // not built: no weights yet
    }
    return parts.join(' · ');
  }

  /** `Type { a: 1, b: 'x', c: [Object], d: [Getter] }`, from own property descriptors (and a Map's or Set's first entries). */
  private objectPreview(obj: object, type: string, size: number | undefined): string {
    const keys = Object.keys(obj);
    const shown: string[] = [];
    if (size !== undefined) {
      const entries = firstEntries(obj, 5);
      if (types.isMap(obj)) for (let i = 0; i < entries.length; i += 2) shown.push(`${this.shortValue(entries[i])} => ${this.shortValue(entries[i + 1])}`);
      else shown.push(...entries.map((e) => this.shortValue(e)));
      if (size > 5) shown.push(`... ${size - 5} more`);
    }
    for (const key of keys.slice(0, PREVIEW_KEYS)) {
      const d = Object.getOwnPropertyDescriptor(obj, key);
      if (!d) continue;
      const k = /^[A-Za-z_$][\w$]*$/.test(key) ? key : inspect(key);
      shown.push(`${k}: ${'value' in d ? this.shortValue(d.value) : accessorLabel(d)}`);
    }
    if (keys.length > PREVIEW_KEYS) shown.push(`... ${keys.length - PREVIEW_KEYS} more`);
    const prefix = type === 'Object' ? '' : size !== undefined ? `${type}(${size}) ` : `${type} `;
    return `${prefix}${shown.length ? `{ ${shown.join(', ')} }` : '{}'}`;
  }
}

function accessorLabel(d: PropertyDescriptor): string {
  return d.get && d.set ? '[Getter/Setter]' : d.get ? '[Getter]' : '[Setter]';
}

/** Objects with internal state util.inspect knows how to show (Map, Date, RegExp, Error…). */
function isExotic(obj: object): boolean {
  return (
    types.isMap(obj) ||
    types.isSet(obj) ||
    types.isDate(obj) ||
    types.isRegExp(obj) ||
    types.isNativeError(obj) ||
    types.isBoxedPrimitive(obj) ||
    types.isPromise(obj) ||
    types.isWeakMap(obj) ||
    types.isWeakSet(obj) ||
    types.isAnyArrayBuffer(obj) ||
    types.isDataView(obj) ||
    types.isMapIterator(obj) ||
    types.isSetIterator(obj) ||
    types.isModuleNamespaceObject(obj)
  );
}

/** An array's length (an own data property of every array). */
export function arrayLength(arr: unknown[]): number {
  const d = Object.getOwnPropertyDescriptor(arr, 'length');
  return d && typeof d.value === 'number' ? d.value : 0;
}

/** Up to `n` indices spread over [0, length): all of them when there are few. */
function sampleIndices(length: number, n: number): number[] {
  if (length <= n) return Array.from({ length }, (_, i) => i);
  const out = new Set<number>();
  for (let i = 0; i < n; i++) out.add(Math.round((i * (length - 1)) / (n - 1)));
  return [...out];
}

interface ArrayShape {
  /** `number`, `string`, `Tensor`, `number[]` (nested), `mixed`, `unknown` (empty)… */
  elementType: string;
  /** The element kinds seen (for a `mixed` array's type). */
  kinds: string[];
  /** For numeric arrays of regular shape, nested or not. */
  shape?: number[];
}

/**
 * Element type and shape of an array from a sample of its elements (read by descriptor):
 * `[[1, 2], [3, 4]]` is `number[]` elements with shape [2, 2]. Nested arrays are checked at a
 * few sampled places, so a huge array costs a few thousand reads at most.
 */
export function analyzeArray(arr: unknown[], kindOf: (v: unknown) => string, budget: { reads: number }, depth = 0): ArrayShape {
  const length = arrayLength(arr);
  const kinds = new Set<string>();
  const nested: unknown[][] = [];
  for (const i of sampleIndices(length, ARRAY_SAMPLE)) {
    if (budget.reads-- <= 0) break;
    const d = Object.getOwnPropertyDescriptor(arr, i);
    if (!d) kinds.add('undefined');
    else if (!('value' in d)) kinds.add('getter');
    else {
      const kind = kindOf(d.value);
      kinds.add(kind);
      if (kind === 'array') nested.push(d.value as unknown[]);
    }
  }
  const kindList = [...kinds];
  if (kinds.size === 0) return { elementType: 'unknown', kinds: kindList, shape: [0] };
  if (kinds.size > 1) return { elementType: 'mixed', kinds: kindList };
  const only = kindList[0]!;
  if (only !== 'array') return { elementType: only, kinds: kindList, ...(only === 'number' ? { shape: [length] } : {}) };
  if (depth >= 16) return { elementType: 'unknown[]', kinds: kindList };
  // Nested: look into the first, middle and last sampled rows.
  const picks = nested.length <= 3 ? nested : [nested[0]!, nested[Math.floor(nested.length / 2)]!, nested[nested.length - 1]!];
  const inner = picks.map((row) => analyzeArray(row, kindOf, budget, depth + 1));
  const types0 = inner[0]!.elementType;
  if (!inner.every((s) => s.elementType === types0)) return { elementType: 'mixed[]', kinds: kindList };
  const result: ArrayShape = { elementType: `${types0}[]`, kinds: kindList };
  const rowLength = arrayLength(nested[0]!);
  const regular =
    inner.every((s) => s.shape && s.shape.join() === inner[0]!.shape!.join()) && nested.every((row) => arrayLength(row) === rowLength);
  if (regular && inner[0]!.shape) result.shape = [length, ...inner[0]!.shape];
  return result;
}
