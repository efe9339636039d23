/**
 * Looking at values without running their code: own property descriptors up the prototype chain
 * (a getter is found, never invoked), constructor names read from data properties only, Proxies
 * left alone, and a check that Node's `util.inspect` would not call anything of the user's.
 */
import { types } from 'node:util';

/** What a property lookup found: a plain value, or an accessor that was not invoked. */
export type Slot =
  | { kind: 'data'; value: unknown; holder: object }
  | { kind: 'accessor'; get?: () => unknown; set?: (v: unknown) => void; holder: object };

/** Intrinsics captured when the kernel loads, before any cell could replace them. */
const getPrototypeOf = Object.getPrototypeOf;
const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const functionToString = Function.prototype.toString;
const TypedArrayPrototype = getPrototypeOf(Uint8Array.prototype) as object;
const typedArrayLength = getOwnPropertyDescriptor(TypedArrayPrototype, 'length')!.get!;
const typedArrayByteLength = getOwnPropertyDescriptor(TypedArrayPrototype, 'byteLength')!.get!;
const typedArrayTag = getOwnPropertyDescriptor(TypedArrayPrototype, Symbol.toStringTag)!.get!;
const arrayBufferByteLength = getOwnPropertyDescriptor(ArrayBuffer.prototype, 'byteLength')!.get!;
const sharedArrayBufferByteLength = getOwnPropertyDescriptor(SharedArrayBuffer.prototype, 'byteLength')!.get!;
const dataViewByteLength = getOwnPropertyDescriptor(DataView.prototype, 'byteLength')!.get!;
const mapSize = getOwnPropertyDescriptor(Map.prototype, 'size')!.get!;
const setSize = getOwnPropertyDescriptor(Set.prototype, 'size')!.get!;
const mapEntries = Map.prototype.entries;
const setValues = Set.prototype.values;
const mapIteratorNext = getPrototypeOf(new Map().entries()).next as () => IteratorResult<[unknown, unknown]>;
const setIteratorNext = getPrototypeOf(new Set().values()).next as () => IteratorResult<unknown>;
const call = <T>(fn: (...args: never[]) => unknown, self: unknown): T => Reflect.apply(fn, self, []) as T;

export const isProxy = types.isProxy;

export function isObjectLike(value: unknown): value is object {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}

/**
 * Finds `key` on `obj` or up its prototype chain, as its descriptor says: a data property's
 * value, or the accessor (not called). Undefined when there is no such property, or when a
 * Proxy is in the way (its traps are user code).
 *
 * @example
 * lookup({ get x() { throw new Error('never'); } }, 'x')?.kind // 'accessor'
 */
export function lookup(obj: unknown, key: PropertyKey): Slot | undefined {
  if (obj === null || obj === undefined) return undefined;
  let o: object | null = isObjectLike(obj) ? obj : Object(obj);
  for (let depth = 0; o !== null && depth < 10_000; depth++) {
    if (isProxy(o)) return undefined;
    const d = getOwnPropertyDescriptor(o, key);
    if (d) {
      if ('value' in d) return { kind: 'data', value: d.value, holder: o };
      return { kind: 'accessor', get: d.get, set: d.set, holder: o };
    }
    o = getPrototypeOf(o) as object | null;
  }
  return undefined;
}

/** Whether a function is the engine's own (`[native code]`), so calling it runs no user code. */
export function isNative(fn: unknown): boolean {
  if (typeof fn !== 'function') return false;
  try {
    return /\{\s*\[native code\]\s*\}\s*$/.test(call<string>(functionToString, fn));
  } catch {
    return false;
  }
}

/** A function's `name`, when it is a plain data property. */
export function functionName(fn: unknown): string | undefined {
  if (typeof fn !== 'function' || isProxy(fn)) return undefined;
  const d = getOwnPropertyDescriptor(fn, 'name');
  return d && 'value' in d && typeof d.value === 'string' ? d.value : undefined;
}

/** Whether a function's source starts with `class` (Function.prototype.toString is the engine's). */
export function isClass(fn: unknown): boolean {
  if (typeof fn !== 'function' || isProxy(fn)) return false;
  try {
    return /^class[\s{]/.test(call<string>(functionToString, fn));
  } catch {
    return false;
  }
}

/**
 * The name of the class an object was made by, read from `constructor` data properties up the
 * chain (what util.inspect shows): `Sequential`, `Map`, `Object`. Undefined for a Proxy.
 */
export function constructorName(obj: object): string | undefined {
  if (isProxy(obj)) return undefined;
  let o: object | null = obj;
  for (let depth = 0; o !== null && depth < 10_000; depth++) {
    if (isProxy(o)) return undefined;
    const d = getOwnPropertyDescriptor(o, 'constructor');
    if (d && 'value' in d && typeof d.value === 'function') {
      const name = functionName(d.value);
      if (name) return name;
    }
    o = getPrototypeOf(o) as object | null;
  }
  return typeof obj === 'function' ? 'Function' : 'Object';
}

/** Whether `proto` is on the prototype chain of `obj`, without Symbol.hasInstance or Proxy traps. */
export function hasInChain(obj: unknown, proto: object | undefined): boolean {
  if (!proto || !isObjectLike(obj)) return false;
  let o: object | null = obj;
  for (let depth = 0; o !== null && depth < 10_000; depth++) {
    if (isProxy(o)) return false;
    o = getPrototypeOf(o) as object | null;
    if (o === proto) return true;
  }
  return false;
}

/** Length, bytes and element type of a typed array, through the engine's own getters. */
export function typedArrayInfo(value: ArrayBufferView): { length: number; bytes: number; className: string; elementType: string } {
  const tag = call<string>(typedArrayTag, value);
  // Float32Array -> float32, BigInt64Array -> bigint64, Uint8ClampedArray -> uint8clamped.
  const elementType = tag.replace(/Array$/, '').toLowerCase();
  return { length: call<number>(typedArrayLength, value), bytes: call<number>(typedArrayByteLength, value), className: constructorName(value) ?? tag, elementType };
}

/** Bytes of an ArrayBuffer, SharedArrayBuffer or DataView; undefined for anything else. */
export function bufferBytes(value: object): number | undefined {
  if (types.isArrayBuffer(value)) return call<number>(arrayBufferByteLength, value);
  if (types.isSharedArrayBuffer(value)) return call<number>(sharedArrayBufferByteLength, value);
  if (types.isDataView(value)) return call<number>(dataViewByteLength, value);
  return undefined;
}

/** Entries count of a Map or Set (the engine's `size` getters). */
export function collectionSize(value: object): number | undefined {
  if (types.isMap(value)) return call<number>(mapSize, value);
  if (types.isSet(value)) return call<number>(setSize, value);
  return undefined;
}

/** The first `n` keys and values of a Map (flat: key, value, key…), or values of a Set, through the engine's iterators. */
export function firstEntries(value: object, n: number): unknown[] {
  const out: unknown[] = [];
  if (types.isMap(value)) {
    const it = call<object>(mapEntries, value);
    for (let i = 0; i < n; i++) {
      const r = call<IteratorResult<[unknown, unknown]>>(mapIteratorNext, it);
      if (r.done) break;
      out.push(r.value[0], r.value[1]);
    }
  } else if (types.isSet(value)) {
    const it = call<object>(setValues, value);
    for (let i = 0; i < n; i++) {
      const r = call<IteratorResult<unknown>>(setIteratorNext, it);
      if (r.done) break;
      out.push(r.value);
    }
  }
  return out;
}

/** A getter or a function that is the user's (not the engine's) would run if called. */
function userAccessor(slot: Slot | undefined): boolean {
  return !!slot && slot.kind === 'accessor' && !!slot.get && !isNative(slot.get);
}

/** Whether util.inspect of this one object (not its children) reads only data properties. */
function selfSafe(obj: object): boolean {
  if (isProxy(obj)) return false;
  if (userAccessor(lookup(obj, Symbol.toStringTag))) return false;
  // The constructor's name (util.inspect walks `constructor` up the chain, and a class's `extends`).
  for (let o: object | null = obj, depth = 0; o !== null && depth < 100; depth++, o = getPrototypeOf(o) as object | null) {
    const ctor = getOwnPropertyDescriptor(o, 'constructor');
    if (ctor && !('value' in ctor) && ctor.get && !isNative(ctor.get)) return false;
    if (ctor && 'value' in ctor && typeof ctor.value === 'function' && !isProxy(ctor.value)) {
      const name = getOwnPropertyDescriptor(ctor.value, 'name');
      if (name && !('value' in name) && name.get && !isNative(name.get)) return false;
    }
    if (typeof o === 'function') {
      const name = getOwnPropertyDescriptor(o, 'name');
      if (name && !('value' in name) && name.get && !isNative(name.get)) return false;
    }
  }
  if (types.isNativeError(obj) || hasInChain(obj, Error.prototype)) {
    for (const key of ['stack', 'message', 'name', 'cause', 'errors']) if (userAccessor(lookup(obj, key))) return false;
  }
  return true;
}

/**
 * Whether `util.inspect(value, { depth: 0, getters: false, customInspect: false })` runs no user
 * code: it still reads `Symbol.toStringTag`, constructor names and an error's fields by plain
 * property access, of the value and of what it shows one level down.
 */
export function inspectIsSafe(value: object, maxKeys = 50): boolean {
  if (!selfSafe(value)) return false;
  const children: unknown[] = firstEntries(value, 5);
  // Every index of a typed array is a key: those are numbers, and their previews are built elsewhere.
  if (types.isTypedArray(value) || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  if (keys.length > maxKeys) return false;
  for (const key of keys) {
    const d = getOwnPropertyDescriptor(value, key);
    if (d && 'value' in d) children.push(d.value);
  }
  for (const child of children) if (isObjectLike(child) && !selfSafe(child)) return false;
  return true;
}
