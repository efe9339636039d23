/**
 * transpileCell in memory: the generated function is compiled with vm and run against hooks built
 * here (as Session.makeHooks does), so each rule of the cell language is checked by what the code
 * does: re-declaration into the scope object, top-level await through hooks.wait, imports through
 * the hooks, the last expression as the value, syntax errors in the cell's own coordinates, and the
 * cache of recent cells.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Script } from 'node:vm';
import type { CellLanguageId } from '../protocol';
import { CellSyntaxError, HOOKS, transpileCell, type TranspiledCell } from './transpile';

/** A call the generated code made to the hooks, in order. */
type HookCall = ['import', string] | ['importDefault', unknown] | ['importNamed', unknown, string, string] | ['wait', unknown];

interface TestHooks {
  scope: Record<string, unknown>;
  import(spec: string): Promise<unknown>;
  importDefault(m: unknown): unknown;
  importNamed(m: unknown, name: string, spec: string): unknown;
  wait(x: unknown): unknown;
}

/**
 * A session in miniature: one scope for every cell (declared names defined on it first, as the
 * session does), modules from a table, and every hook call recorded.
 */
class MiniSession {
  readonly scope: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  readonly calls: HookCall[] = [];
  private count = 0;
  /** What hooks.wait does with the awaited value (the session races it with an interrupt). */
  waitWith: (x: unknown) => unknown = (x) => x;

  constructor(private readonly modules: Record<string, unknown> = {}) {}

  readonly hooks: TestHooks = {
    scope: this.scope,
    import: async (spec) => {
      this.calls.push(['import', spec]);
      if (!(spec in this.modules)) throw new Error(`no module ${spec}`);
      return this.modules[spec];
    },
    importDefault: (m) => {
      this.calls.push(['importDefault', m]);
      return (m as { default?: unknown }).default;
    },
    importNamed: (m, name, spec) => {
      this.calls.push(['importNamed', m, name, spec]);
      return (m as Record<string, unknown>)[name];
    },
    wait: (x) => {
      this.calls.push(['wait', x]);
      return this.waitWith(x);
    },
  };

  /** Transpiles and runs one cell; resolves to the cell's value. */
  async run(source: string, language: CellLanguageId = 'typescript', label = `mini ${++this.count}`): Promise<unknown> {
    const cell = transpileCell(source, language, label);
    for (const name of cell.declared) {
      if (!Object.prototype.hasOwnProperty.call(this.scope, name)) this.scope[name] = undefined;
    }
    const fn = new Script(cell.code, { filename: `${label}.js` }).runInThisContext() as (hooks: TestHooks) => Promise<unknown>;
    return fn(this.hooks);
  }

  callsOf(kind: HookCall[0]): HookCall[] {
    return this.calls.filter((c) => c[0] === kind);
  }
}

let labels = 0;
/** A label no other test used, so the cache never answers for another test's cell. */
const fresh = (what = 'cell') => `${what} ${++labels}-${Math.random().toString(36).slice(2, 8)}`;

describe('re-declaration: top-level bindings live on the scope object', () => {
  test('const, let, var, function and class declared in one cell are used by the next', async () => {
    const s = new MiniSession();
    await s.run('const a: number = 1;\nlet b = 2;\nvar c = 3;\nfunction add(x: number, y: number) { return x + y; }\nclass Box { constructor(public v: number) {} }');
    assert.deepEqual(Object.keys(s.scope).sort(), ['Box', 'a', 'add', 'b', 'c']);
    assert.equal(await s.run('add(a + b + c, new Box(4).v)'), 10);
    for (const name of ['a', 'b', 'c', 'add', 'Box']) assert.ok(!(name in globalThis), `${name} leaked onto globalThis`);
  });

  test('running a cell that declares const again rebinds the name, and later cells see the new value', async () => {
    const s = new MiniSession();
    assert.equal(await s.run('const x = 1;\nx'), 1);
    assert.equal(await s.run('const x = 2;\nx'), 2);
    assert.equal(s.scope.x, 2);
    assert.equal(await s.run('x * 10'), 20);
  });

  test('the same cell run again runs again (its side effects happen each time)', async () => {
    const s = new MiniSession();
    s.scope.log = [] as number[];
    const label = fresh();
    const source = 'const n = (log as number[]).length;\n(log as number[]).push(n);\nn';
    assert.deepEqual([await s.run(source, 'typescript', label), await s.run(source, 'typescript', label), await s.run(source, 'typescript', label)], [0, 1, 2]);
  });

  const patterns: { source: string; expect: Record<string, unknown> }[] = [
    { source: 'const { a, b: [c] } = { a: 1, b: [2] };', expect: { a: 1, c: 2 } },
    { source: 'const [p, , q = 9, ...rest] = [1, 2, undefined, 4, 5];', expect: { p: 1, q: 9, rest: [4, 5] } },
    { source: 'const { m = 7, ...others } = { n: 1, o: 2 } as { m?: number; n: number; o: number };', expect: { m: 7, others: { n: 1, o: 2 } } },
    { source: 'const { deep: { er: [, second] } } = { deep: { er: [1, 2] } };', expect: { second: 2 } },
    { source: 'let u: number | undefined, v = 2;', expect: { u: undefined, v: 2 } },
    { source: 'var w1 = 1, [w2] = [2];', expect: { w1: 1, w2: 2 } },
  ];
  for (const { source, expect } of patterns) {
    test(`destructuring binds each name: ${source}`, async () => {
      const s = new MiniSession();
      await s.run(source);
      assert.deepEqual({ ...s.scope }, expect);
      assert.deepEqual(transpileCell(source, 'typescript', fresh()).declared, Object.keys(expect));
    });
  }

  test('`let y;` makes y undefined again, while `var v;` keeps v (as in JavaScript)', async () => {
    const s = new MiniSession();
    await s.run('let y = 5;\nvar v = 6;');
    await s.run('let y;\nvar v;');
    assert.equal(s.scope.y, undefined);
    assert.ok(Object.prototype.hasOwnProperty.call(s.scope, 'y'));
    assert.equal(s.scope.v, 6);
  });

  test('functions are hoisted: callable before their declaration in the cell, and bound before the cell runs a line', async () => {
    const s = new MiniSession();
    assert.equal(await s.run('const early = typeof later === "function" ? later() : "not hoisted";\nfunction later(): string { return "up"; }\nearly'), 'up');
    assert.equal(typeof s.scope.later, 'function');
    assert.equal(await s.run('function later() { return "redefined"; }\nlater()'), 'redefined');
    assert.equal((s.scope.later as () => string)(), 'redefined');
  });

  test('functions from earlier cells read the session variables as they are now', async () => {
    const s = new MiniSession();
    await s.run('let counter = 0;\nfunction bump() { counter++; return counter; }');
    await s.run('counter = 10;');
    assert.equal(await s.run('bump()'), 11);
    assert.equal(s.scope.counter, 11);
  });

  test('declarations nested in blocks and functions stay local to the cell', async () => {
    const s = new MiniSession();
    const value = await s.run('const outer = 1;\nif (outer) { const inner = 2; let alsoInner = 3; }\nfunction f() { const local = 4; return local; }\nf()');
    assert.equal(value, 4);
    assert.deepEqual(Object.keys(s.scope).sort(), ['f', 'outer']);
  });

  test('`declared` lists each top-level name once, in source order, with imports, functions and classes', () => {
    const cell = transpileCell(
      'import def, { named } from "m";\nconst a = 1;\nfunction fn() {}\nclass K {}\nlet { b, c: [d] } = { b: 1, c: [2] };\nvar a2 = 1;\nvar a2 = 2;\ntype T = number;\ninterface I { x: T }',
      'typescript',
      fresh(),
    );
    assert.deepEqual(cell.declared, ['def', 'named', 'a', 'fn', 'K', 'b', 'd', 'a2']);
  });

  const lines: { what: string; source: string; expect: [string, number][] }[] = [
    {
      what: 'type annotations, interfaces and type aliases before and between them',
      source: [
        'interface Point {',
        '  x: number;',
        '  y: number;',
        '}',
        'type Pair = [number, number];',
        'const a: number = 1;',
        'const p: Point = {',
        '  x: 1,',
        '  y: 2,',
        '};',
        'let { x, y }: Point = p;',
        'var pair: Pair = [1, 2], other: string = "";',
      ].join('\n'),
      expect: [['a', 5], ['p', 6], ['x', 10], ['y', 10], ['pair', 11], ['other', 11]],
    },
    {
      what: 'a destructuring pattern over several lines',
      source: 'const [\n  first,\n  // a comment\n  second,\n] = [1, 2] as const;\nconst {\n  third,\n  fourth: { fifth },\n} = { third: 3, fourth: { fifth: 5 } };',
      expect: [['first', 1], ['second', 3], ['third', 6], ['fifth', 7]],
    },
    {
      what: 'exported declarations and declarations after imports, generics and casts',
      source: 'import type { Foo } from "types";\nimport * as ns from "m";\n\nexport const e1 = ns as unknown as Foo;\nconst g = <T,>(v: T): T => v;\nexport let e2: Array<Map<string, number>> = [];',
      expect: [['e1', 3], ['g', 4], ['e2', 5]],
    },
  ];
  for (const { what, source, expect } of lines) {
    test(`bindings carry the 0-based source line of each name: ${what}`, () => {
      const cell = transpileCell(source, 'typescript', fresh());
      assert.deepEqual(
        cell.bindings.map((b) => [b.name, b.line]),
        expect,
      );
    });
  }

  test('bindings cover const, let and var only: functions, classes and imports are not bindings', () => {
    const cell = transpileCell('import m from "m";\nfunction f() {}\nclass C {}\nconst v = 1;', 'typescript', fresh());
    assert.deepEqual(cell.bindings, [{ name: 'v', line: 3 }]);
  });
});

describe('top-level await', () => {
  test('works, and every await of the cell (nested functions included) goes through hooks.wait', async () => {
    const s = new MiniSession();
    const value = await s.run(
      'const a = await Promise.resolve(1);\nconst b: number = await 2;\nconst twice = async (n: number) => (await n) * 2;\nconst c = await twice(a + b);\nfor (const v of [4]) { await v; }\nc',
    );
    assert.equal(value, 6);
    const waited = s.callsOf('wait').map((c) => c[1]);
    assert.equal(waited.length, 5, `wait calls: ${waited.map(String).join(', ')}`);
    assert.ok(waited[0] instanceof Promise);
    assert.equal(waited[1], 2);
    assert.equal(waited[2], 3, 'the await inside the arrow function, which runs before the cell awaits its promise');
    assert.ok(waited[3] instanceof Promise, 'await twice(…) waits on the promise');
    assert.equal(waited[4], 4, 'the await inside a loop body');
  });

  test('hooks.wait decides what an await gives: a rejected wait ends the cell there, and what ran before stays', async () => {
    const s = new MiniSession();
    s.waitWith = (x) => (x === 'stop here' ? Promise.reject(new Error('interrupted at the wait')) : x);
    await assert.rejects(s.run('const before = 1;\nawait "stop here";\nconst after = 2;'), /interrupted at the wait/);
    assert.equal(s.scope.before, 1);
    assert.equal(s.scope.after, undefined);
    s.waitWith = (x) => (x === 'swap' ? 'swapped' : x);
    assert.equal(await s.run('await "swap"'), 'swapped');
  });

  test('a function with an await, defined in one cell, waits through the hooks when a later cell calls it', async () => {
    const s = new MiniSession();
    await s.run('async function later(v: number) { return (await v) + 1; }');
    const before = s.callsOf('wait').length;
    assert.equal(await s.run('await later(41)'), 42);
    // later(41) runs up to its own await (41) before the cell awaits the promise it returned.
    assert.deepEqual(s.callsOf('wait').slice(before).map((c) => (c[1] instanceof Promise ? 'promise' : c[1])), [41, 'promise']);
  });
});

describe('imports', () => {
  const mod = { default: 'the default', a: 'named a', other: 'named other' };
  const cases: { source: string; value: unknown; declared: string[]; calls: HookCall[] }[] = [
    { source: 'import x from "m";\nx', value: 'the default', declared: ['x'], calls: [['import', 'm'], ['importDefault', mod]] },
    { source: 'import * as ns from "m";\nns', value: mod, declared: ['ns'], calls: [['import', 'm']] },
    { source: 'import { a as b } from "m";\nb', value: 'named a', declared: ['b'], calls: [['import', 'm'], ['importNamed', mod, 'a', 'm']] },
    {
      source: 'import d, { a, other as o } from "m";\n[d, a, o]',
      value: ['the default', 'named a', 'named other'],
      declared: ['d', 'a', 'o'],
      calls: [['import', 'm'], ['importDefault', mod], ['importNamed', mod, 'a', 'm'], ['importNamed', mod, 'other', 'm']],
    },
    { source: 'import d2, * as all from "m";\n[d2, all === (d2 as unknown)]', value: ['the default', false], declared: ['d2', 'all'], calls: [['import', 'm'], ['importDefault', mod]] },
    { source: 'import { "a" as quoted } from "m";\nquoted', value: 'named a', declared: ['quoted'], calls: [['import', 'm'], ['importNamed', mod, 'a', 'm']] },
    { source: 'import "side";\n1', value: 1, declared: [], calls: [['import', 'side']] },
    {
      source: 'import type { T } from "types-only";\nimport { type U, a } from "m";\nconst v: T | U = a as unknown as T;\nv',
      value: 'named a',
      declared: ['a', 'v'],
      calls: [['import', 'm'], ['importNamed', mod, 'a', 'm']],
    },
    {
      source: 'import { unused } from "m";\n2',
      value: 2,
      declared: ['unused'],
      calls: [['import', 'm'], ['importNamed', mod, 'unused', 'm']],
    },
  ];
  for (const c of cases) {
    test(`calls the hooks and binds the names: ${c.source.split('\n')[0]}`, async () => {
      const s = new MiniSession({ m: mod, side: {} });
      const cell = transpileCell(c.source, 'typescript', fresh());
      assert.deepEqual(cell.declared, c.declared);
      assert.deepEqual(await s.run(c.source), c.value);
      assert.deepEqual(
        s.calls.filter((k) => k[0] !== 'wait'),
        c.calls,
      );
      for (const name of c.declared) assert.ok(Object.prototype.hasOwnProperty.call(s.scope, name), `${name} is bound`);
    });
  }

  test('imported names are session bindings: a later cell uses what an earlier cell imported', async () => {
    const s = new MiniSession({ m: { a: 'from m' } });
    await s.run('import { a } from "m";');
    assert.equal(await s.run('a + "!"'), 'from m!');
  });

  test('imports run in source order, each before the code after it', async () => {
    const s = new MiniSession({ one: { v: 1 }, two: { v: 2 } });
    s.scope.seen = [];
    await s.run('import { v as first } from "one";\n(seen as number[]).push(first);\nimport { v as second } from "two";\n(seen as number[]).push(second);');
    assert.deepEqual(s.calls.filter((c) => c[0] === 'import').map((c) => c[1]), ['one', 'two']);
    assert.deepEqual(s.scope.seen, [1, 2]);
  });

  test('a failing import fails the cell with the loader\'s error', async () => {
    const s = new MiniSession();
    await assert.rejects(s.run('import x from "absent";'), /no module absent/);
  });

  test('dynamic import() goes through hooks.import', async () => {
    const s = new MiniSession({ dyn: { v: 'dynamic' } });
    assert.equal(await s.run('import("dyn").then((m: { v: string }) => m.v)'), 'dynamic');
    assert.deepEqual(s.callsOf('import'), [['import', 'dyn']]);
    const p = await s.run('const pending = import("dyn");\nconst m = await pending;\nm.v');
    assert.equal(p, 'dynamic');
    assert.deepEqual(s.callsOf('import'), [['import', 'dyn'], ['import', 'dyn']]);
    // Awaited where it stands, the wait and the import both go through the hooks.
    assert.equal(await s.run('const direct = await import("dyn");\ndirect.v'), 'dynamic');
    assert.equal(await s.run('(await import("dyn")).v'), 'dynamic');
    assert.deepEqual(s.callsOf('import').length, 4);
  });

  test('TypeScript types are stripped: interfaces, aliases, annotations, casts, generics, enums stay usable', async () => {
    const s = new MiniSession();
    const value = await s.run(
      'interface P { x: number }\ntype Q = P & { y?: string };\nenum Color { Red, Green }\nconst q: Q = { x: 2 };\nfunction id<T>(v: T): T { return v; }\nconst sq = (n: number): number => n * n;\n[sq(id<number>(q.x)) as number, Color.Green, q!.y satisfies string | undefined]',
    );
    assert.deepEqual(value, [4, 1, undefined]);
    assert.ok(!('P' in s.scope) && !('Q' in s.scope), 'types are not bindings');
  });

  const exports: { source: string; expect: Record<string, unknown> }[] = [
    { source: 'export const e1 = 1;', expect: { e1: 1 } },
    { source: 'export let e2 = 2, e3: number = 3;', expect: { e2: 2, e3: 3 } },
    { source: 'export function e4() { return 4; }\nconst r4 = e4();', expect: { e4: 'function', r4: 4 } },
    { source: 'export class E5 { v = 5; }\nconst r5 = new E5().v;', expect: { E5: 'function', r5: 5 } },
    { source: 'export default function e6() { return 6; }\nconst r6 = e6();', expect: { e6: 'function', r6: 6 } },
    { source: 'export default class E7 { v = 7; }\nconst r7 = new E7().v;', expect: { E7: 'function', r7: 7 } },
    { source: 'const e8 = 8;\nexport { e8 };\nexport { e8 as renamed };', expect: { e8: 8 } },
    { source: 'export type T9 = number;\nexport interface I9 { x: T9 }\nconst e9: T9 = 9;', expect: { e9: 9 } },
  ];
  for (const { source, expect } of exports) {
    test(`export keywords are dropped and the declarations kept: ${source.split('\n')[0]}`, async () => {
      const s = new MiniSession();
      await s.run(source);
      const got = Object.fromEntries(Object.entries(s.scope).map(([k, v]) => [k, typeof v === 'function' ? 'function' : v]));
      assert.deepEqual(got, expect);
    });
  }

  test('`export * from` neither imports nor fails', async () => {
    const s = new MiniSession();
    assert.equal(await s.run('export * from "m";\n3'), 3);
    assert.deepEqual(s.calls, []);
  });
});

describe('the value of a cell', () => {
  const cases: { source: string; value: unknown; language?: CellLanguageId }[] = [
    { source: '1 + 1', value: 2 },
    { source: '1;\n2;\n3', value: 3 },
    { source: 'const a = 1;\na * 3', value: 3 },
    { source: 'const o = { a: 1 };\no', value: { a: 1 } },
    { source: '[{ a: 1 }][0]', value: { a: 1 } },
    { source: 'await Promise.resolve(4)', value: 4 },
    { source: 'interface I { a: number }\n(7 as number)', value: 7 },
    { source: 'const e = 1;\nexport { e };\ne + 1', value: 2 },
    { source: '[1, 2].map((v) => v * 2)', value: [2, 4], language: 'javascript' },
    { source: 'const a = 1;', value: undefined },
    { source: '"not last";\nconst b = 2;', value: undefined },
    { source: '"not last";\nfunction f() {}', value: undefined },
    { source: '"not last";\nclass C {}', value: undefined },
    { source: '"not last";\nif (true) { 5; }', value: undefined },
    { source: '"not last";\nimport "m";', value: undefined },
    { source: '', value: undefined },
    { source: '// only a comment\n/* and another */', value: undefined },
    { source: 'type OnlyTypes = number;', value: undefined },
    { source: '({ a: 1 })', value: { a: 1 } },
    { source: '(2, 3)', value: 3 },
    { source: 'const q = 4;\n(q);', value: 4 },
    { source: '((q: number) => q * 2)(5)', value: 10 },
  ];
  for (const c of cases) {
    test(`${JSON.stringify(c.source)} gives ${JSON.stringify(c.value) ?? 'undefined'}`, async () => {
      const s = new MiniSession({ m: {} });
      assert.deepEqual(await s.run(c.source, c.language ?? 'typescript'), c.value);
    });
  }
});

describe('syntax errors', () => {
  const cases: { source: string; language?: CellLanguageId; line: number; column: number; message: RegExp }[] = [
    { source: 'const ok = 1;\nconst broken = (;\n', line: 2, column: 17, message: /^Unexpected ";"/ },
    { source: 'let a = 1;\nlet a = 2;', line: 2, column: 5, message: /"a" has already been declared/ },
    { source: 'const n: number = 1;', language: 'javascript', line: 1, column: 8, message: /Expected ";"|Unexpected ":"/ },
    { source: 'interface I {\n  x: number;\n}\nfoo(\n  1,\n', line: 6, column: 1, message: /Unexpected end of file/ },
    { source: '\n\n    const = 3;', line: 3, column: 11, message: /Expected identifier/ },
    // Columns count characters, not UTF-8 bytes: é is one column.
    { source: 'const s = "héllo"; const b = (;', line: 1, column: 31, message: /^Unexpected ";"/ },
    { source: 'const 名前 = 1; const = 2;', line: 1, column: 21, message: /Expected identifier/ },
  ];
  for (const c of cases) {
    test(`${JSON.stringify(c.source)} throws CellSyntaxError at ${c.line}:${c.column} with a caret line`, () => {
      let thrown: unknown;
      try {
        transpileCell(c.source, c.language ?? 'typescript', fresh());
      } catch (err) {
        thrown = err;
      }
      assert.ok(thrown instanceof CellSyntaxError, `threw ${String(thrown)}`);
      assert.ok(thrown instanceof SyntaxError);
      assert.equal(thrown.name, 'SyntaxError');
      assert.deepEqual([thrown.line, thrown.column], [c.line, c.column]);
      const [first, sourceLine, caret, ...rest] = thrown.message.split('\n');
      assert.match(first!, c.message);
      assert.match(first!, new RegExp(`\\(line ${c.line}, column ${c.column}\\)$`));
      assert.equal(sourceLine, c.source.split('\n')[c.line - 1] ?? '');
      assert.equal(caret, `${' '.repeat(c.column - 1)}^`);
      assert.deepEqual(rest, []);
    });
  }

  test('a syntax error is thrown again each time: it is not remembered as a cell', () => {
    const label = fresh();
    assert.throws(() => transpileCell('1 +', 'typescript', label), CellSyntaxError);
    assert.throws(() => transpileCell('1 +', 'typescript', label), CellSyntaxError);
  });
});

describe('the generated code', () => {
  test('is one async function expression of the hooks, with a source map back to the cell under its label', () => {
    const label = fresh();
    const cell = transpileCell('const a = 1;\na', 'typescript', label);
    assert.match(cell.code, new RegExp(`^\\(async function \\(${HOOKS}\\) \\{ with \\(${HOOKS}\\.scope\\) \\{`));
    assert.match(cell.code, /\}\}\)$/);
    const map = JSON.parse(cell.map) as { version: number; sources: string[]; mappings: string };
    assert.equal(map.version, 3);
    assert.deepEqual(map.sources, [label]);
    assert.ok(map.mappings.length > 0);
  });
});

describe('the cache of recent cells', () => {
  test('the same source, language and label give the same frozen object', () => {
    const label = fresh();
    const a = transpileCell('const cached: number = 1;\ncached', 'typescript', label);
    const b = transpileCell('const cached: number = 1;\ncached', 'typescript', label);
    assert.equal(a, b);
    assert.ok(Object.isFrozen(a));
    assert.ok(Object.isFrozen(a.declared));
    assert.ok(Object.isFrozen(a.bindings));
    assert.throws(() => (a.declared as string[]).push('x'), TypeError);
  });

  test('a different label, language or source gives a different object (the label is in the map)', () => {
    const label = fresh();
    const base = transpileCell('const k = 1;', 'typescript', label);
    const otherLabel = transpileCell('const k = 1;', 'typescript', fresh());
    const otherLanguage = transpileCell('const k = 1;', 'javascript', label);
    const otherSource = transpileCell('const k = 2;', 'typescript', label);
    for (const other of [otherLabel, otherLanguage, otherSource]) assert.notEqual(other, base);
    assert.notDeepEqual(JSON.parse(otherLabel.map).sources, JSON.parse(base.map).sources);
  });

  test('holds the 64 most recently used cells: a cell used again stays, the least recently used goes', () => {
    const keep = fresh('keep');
    const first = transpileCell('1', 'typescript', keep);
    const fill = (n: number) => {
      for (let i = 0; i < n; i++) transpileCell('1', 'typescript', fresh('fill'));
    };
    fill(63);
    assert.equal(transpileCell('1', 'typescript', keep), first, 'still among the last 64');
    fill(63);
    assert.equal(transpileCell('1', 'typescript', keep), first, 'using it made it recent again');
    fill(64);
    const again: TranspiledCell = transpileCell('1', 'typescript', keep);
    assert.notEqual(again, first, '64 other cells since its last use push it out');
    assert.deepEqual(again, first, 'and transpiling it again gives the same result');
  });
});
