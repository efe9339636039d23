/**
 * Hover and the variables view: a name or path (`model.layers`, `history.history.loss`, `arr[0]`)
 * looked up in the session's scope, and the session's top-level variables, each described as a
 * {@link ValueInfo}. No user code runs: every step reads a property descriptor; a user's getter
 * is reported as `kind: 'getter'` and not invoked, a Proxy is not looked into. Getters of tfjs's
 * own classes (a model's `layers`, a layer's `outputShape`) are tfjs's bookkeeping and are read.
 */
import type { InspectResult, ValueInfo, VariablesParams, VariablesResult } from '../protocol';
import { Describer } from './describe';
import { isObjectLike, isProxy, lookup } from './reflect';

/** Variables per page when the host does not say. */
export const DEFAULT_PAGE = 500;

/**
 * Splits `a.b[0]["c d"]?.e` into its keys: `['a', 'b', 0, 'c d', 'e']`. Undefined for anything
 * else (calls, operators, computed keys that are not literals).
 *
 * @example
 * parsePath('history.history.loss') // ['history', 'history', 'loss']
 * parsePath('xs[1]')                // ['xs', 1]
 * parsePath('f()')                  // undefined
 */
export function parsePath(path: string): (string | number)[] | undefined {
  const text = path.trim();
  const ident = /^[A-Za-z_$\u00a0-\uffff][\w$\u00a0-\uffff]*/;
  const first = ident.exec(text);
  if (!first) return undefined;
  const keys: (string | number)[] = [first[0]];
  let rest = text.slice(first[0].length);
  while (rest.length) {
    let m: RegExpExecArray | null;
    if ((m = /^\??\.\s*([A-Za-z_$\u00a0-\uffff#][\w$\u00a0-\uffff]*)/.exec(rest))) keys.push(m[1]!);
    else if ((m = /^(?:\?\.)?\[\s*(\d+)\s*\]/.exec(rest))) keys.push(Number(m[1]));
    else if ((m = /^(?:\?\.)?\[\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*\]/.exec(rest))) {
      const raw = m[1] ?? m[2]!;
      keys.push(raw.replace(/\\(.)/g, '$1'));
    } else return undefined;
    rest = rest.slice(m[0].length);
  }
  return keys;
}

export class Inspector {
  constructor(
    /** The session's scope: own keys are the variables, its prototype holds `require`, `display`… */
    private readonly scope: Record<string, unknown>,
    private readonly describer: Describer,
  ) {}

  /** Looks a path up and describes what it holds, with statistics for tensors when quick. */
  inspect(path: string, globals = false): InspectResult {
    const keys = parsePath(path);
    if (!keys) return {};
    const name = path.trim();
    // The scope's prototype chain ends before globalThis; a cell's free names reach it as JS does.
    const root = lookup(this.scope, keys[0]!) ?? (globals ? lookup(globalThis, keys[0]!) : undefined);
    if (!root || root.kind !== 'data') return {};
    let value = root.value;
    for (let i = 1; i < keys.length; i++) {
      const key = keys[i]!;
      const last = i === keys.length - 1;
      if (value === null || value === undefined) return {};
      if (isProxy(value)) return {};
      const slot = lookup(value, key);
      if (!slot) return {};
      if (slot.kind === 'data') {
        value = slot.value;
        continue;
      }
      // An accessor: tfjs's own are read, anyone else's is named and left alone.
      if (slot.get && isObjectLike(value) && this.describer.isTfjsHolder(slot.holder)) {
        try {
          value = Reflect.apply(slot.get, value, []);
          continue;
        } catch {
          return {};
        }
      }
      if (!last) return {};
      const info: ValueInfo = { name, kind: 'getter', type: 'getter', preview: slot.get ? 'getter (not invoked)' : 'setter only (no value)' };
      return { info };
    }
    return { info: this.describer.describe(value, name, { stats: true }) };
  }

  /** The session's top-level variables, sorted by name, one page of them. */
  variables(params: VariablesParams = {}): VariablesResult {
    const names = Object.keys(this.scope).sort(compareNames);
    const start = Math.max(0, Math.floor(params.start ?? 0));
    const count = Math.max(0, Math.floor(params.count ?? DEFAULT_PAGE));
    const variables: ValueInfo[] = [];
    for (const name of names.slice(start, start + count)) {
      const d = Object.getOwnPropertyDescriptor(this.scope, name);
      if (!d) continue;
      variables.push('value' in d ? this.describer.describe(d.value, name) : { name, kind: 'getter', type: 'getter', preview: 'getter (not invoked)' });
    }
    return { total: names.length, variables };
  }
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'variant', caseFirst: 'lower' });
/** `x2` before `x10`, `a` before `B`; ties (none in practice) by code units. */
function compareNames(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}
