/**
 * CellRegistry and formatError in memory: errors thrown by transpiled cells (compiled with vm
 * under the registry's file names, as the session does) read as the user's own code: cell label,
 * line and column in the cell's TypeScript source, the kernel's and Node's frames left out; and
 * the parsing rules of stack lines, non-Error throws and syntax errors one by one.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname } from 'node:path';
import { readFileSync } from 'node:fs';
import { Script, runInNewContext } from 'node:vm';
import type { CellLanguageId, ErrorPayload } from '../protocol';
import { CellRegistry, formatError } from './stack';
import { CellSyntaxError, transpileCell } from './transpile';

/** This file's own frames are "the kernel" of these tests: they sit between the cells and the test runner. */
const KERNEL = { kernelFiles: [__filename] };

/** Cells run as the session runs them: one scope, one registry, each cell compiled under the file name the registry gives. */
class Cells {
  readonly registry = new CellRegistry();
  readonly scope: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  private readonly hooks = { scope: this.scope, wait: (x: unknown) => x };

  /** Runs a cell; resolves to what it threw (fails the test if it did not throw). */
  async throwing(source: string, label: string, language: CellLanguageId = 'typescript'): Promise<unknown> {
    try {
      await this.run(source, label, language);
    } catch (err) {
      return err;
    }
    assert.fail(`${label} did not throw`);
  }

  async run(source: string, label: string, language: CellLanguageId = 'typescript'): Promise<unknown> {
    const cell = transpileCell(source, language, label);
    for (const name of cell.declared) if (!Object.prototype.hasOwnProperty.call(this.scope, name)) this.scope[name] = undefined;
    const filename = this.registry.add(`id of ${label}`, label, cell.map);
    const fn = new Script(cell.code, { filename }).runInThisContext() as (hooks: unknown) => Promise<unknown>;
    return fn(this.hooks);
  }

  format(err: unknown, kernel = KERNEL): ErrorPayload {
    return formatError(err, this.registry, kernel);
  }
}

const lines = (...l: string[]) => l.join('\n');

describe('CellRegistry', () => {
  test('gives each registered cell a file name of its own and finds it again by that name', () => {
    const reg = new CellRegistry();
    const map = transpileCell('1', 'typescript', 'cell 1').map;
    const a = reg.add('id-a', 'cell 1', map);
    const b = reg.add('id-b', 'cell 2', map);
    const again = reg.add('id-a', 'cell 1', map);
    assert.deepEqual([a, b, again], ['bmnb-cell-1.js', 'bmnb-cell-2.js', 'bmnb-cell-3.js']);
    assert.deepEqual([reg.get(a)?.cellId, reg.get(a)?.label], ['id-a', 'cell 1']);
    assert.deepEqual([reg.get(b)?.cellId, reg.get(b)?.label], ['id-b', 'cell 2']);
    assert.equal(reg.get('bmnb-cell-4.js'), undefined);
    assert.equal(reg.get('/somewhere/else.js'), undefined);
  });
});

describe('errors thrown by cell code point at the cell', () => {
  const cases: { what: string; source: string; language?: CellLanguageId; name: string; message: string; stack: string[] }[] = [
    {
      what: 'a function with type annotations, below an interface',
      source: lines('interface Shape {', '  w: number;', '  h: number;', '}', 'function area(s: Shape): number {', '  return s.w * (s as any).missing.h;', '}', 'area({ w: 1, h: 2 });'),
      name: 'TypeError',
      message: "Cannot read properties of undefined (reading 'h')",
      stack: ['at area (L:6:35)', 'at L:8:1'],
    },
    {
      what: 'a throw at top level after types, comments and blank lines',
      source: lines('type T = { a: number };', '', '// a comment', 'const v: T = { a: 1 };', '    throw new RangeError(`top ${v.a}`);'),
      name: 'RangeError',
      message: 'top 1',
      stack: ['at L:5:11'],
    },
    {
      what: 'a method of a class, called on a new instance',
      source: lines('class Acc {', '  add(n: number): number {', '    if (n < 0) throw new RangeError("negative");', '    return n;', '  }', '}', 'new Acc().add(-1);'),
      name: 'RangeError',
      message: 'negative',
      stack: ['at Acc.add (L:3:22)', 'at L:7:11'],
    },
    {
      what: 'a constructor',
      source: lines('class Thing {', '  constructor(readonly size: number) {', '    if (size > 2) throw new Error(`too big: ${size}`);', '  }', '}', 'const t = new Thing(3);'),
      name: 'Error',
      message: 'too big: 3',
      stack: ['at new Thing (L:3:25)', 'at L:6:11'],
    },
    {
      what: 'code after a top-level await',
      source: lines('await Promise.resolve();', 'const v: number = 1;', '(undefined as any).x'),
      name: 'TypeError',
      message: "Cannot read properties of undefined (reading 'x')",
      stack: ['at L:3:20'],
    },
    {
      what: 'a callback of a built-in (its own frame has no file and is left out)',
      source: lines('const xs: number[] = [1, 2];', 'xs.map((v) => {', '  if (v === 2) throw new Error("two");', '  return v;', '});'),
      name: 'Error',
      message: 'two',
      stack: ['at L:3:22', 'at L:2:4'],
    },
    {
      what: 'a JavaScript cell',
      source: lines('const o = null;', 'function read(x) {', '  return x.field;', '}', 'read(o);'),
      language: 'javascript',
      name: 'TypeError',
      message: "Cannot read properties of null (reading 'field')",
      stack: ['at read (L:3:12)', 'at L:5:1'],
    },
    {
      what: 'a SyntaxError thrown at run time (it is placed by its stack, like any error)',
      source: lines('const text: string = "{";', 'JSON.parse(text);'),
      name: 'SyntaxError',
      message: '',
      stack: ['at L:2:6'],
    },
  ];
  let n = 0;
  for (const c of cases) {
    test(c.what, async () => {
      const label = `cell ${++n}`;
      const cells = new Cells();
      const p = cells.format(await cells.throwing(c.source, label, c.language));
      assert.equal(p.name, c.name);
      if (c.message) assert.equal(p.message, c.message);
      const expected = c.stack.map((l) => `    ${l.replace('L:', `${label}:`)}`);
      assert.deepEqual(p.stack.split('\n'), [`${p.name}: ${p.message}`, ...expected]);
      const [, line, column] = /:(\d+):(\d+)\)?$/.exec(c.stack[0]!)!.map(Number);
      assert.deepEqual(p.location, { cellId: `id of ${label}`, cellLabel: label, line, column });
      for (const f of p.frames) assert.deepEqual([f.file, f.cellId], [label, `id of ${label}`]);
      assert.doesNotMatch(p.stack, /bmnb-cell|node:|stack\.test/);
    });
  }

  test('frames carry the function name, cell label, cell id, line and column', async () => {
    const cells = new Cells();
    const p = cells.format(await cells.throwing(cases[0]!.source, 'cell 7'));
    assert.deepEqual(p.frames, [
      { functionName: 'area', file: 'cell 7', cellId: 'id of cell 7', line: 6, column: 35 },
      { functionName: undefined, file: 'cell 7', cellId: 'id of cell 7', line: 8, column: 1 },
    ]);
  });

  test('an error from a function defined in an earlier cell points at that cell, then at the cell that called it', async () => {
    const cells = new Cells();
    await cells.run(lines('function fails(): never {', '  throw new RangeError("too far");', '}'), 'cell 20');
    const p = cells.format(await cells.throwing(lines('const before: number = 1;', 'fails();'), 'cell 21'));
    // V8 names a scope function "Object.fails": the cell sees it as fails.
    assert.equal(p.stack, lines('RangeError: too far', '    at fails (cell 20:2:9)', '    at cell 21:2:1'));
    assert.deepEqual(p.location, { cellId: 'id of cell 20', cellLabel: 'cell 20', line: 2, column: 9 });
  });

  test('an error after an await inside a function of an earlier cell is placed in that function', async () => {
    const cells = new Cells();
    await cells.run(lines('async function later(): Promise<void> {', '  await null;', '  throw new Error("after the await");', '}'), 'cell 30');
    const p = cells.format(await cells.throwing(lines('const q = 1;', 'await later();'), 'cell 31'));
    assert.deepEqual(p.location, { cellId: 'id of cell 30', cellLabel: 'cell 30', line: 3, column: 9 });
    // V8 names the awaiting cell's frame `at async <file>`: it is mapped like any other.
    assert.equal(p.stack, lines('Error: after the await', '    at later (cell 30:3:9)', '    at cell 31:2:1'));
  });

  test('the same cell registered again (a re-run) is mapped through its new file name, with its label', async () => {
    const cells = new Cells();
    const source = lines('const fine = 1;', '(null as any).boom;');
    const first = cells.format(await cells.throwing(source, 'cell 40'));
    const second = cells.format(await cells.throwing(source, 'cell 40'));
    const relabelled = cells.format(await cells.throwing(source, 'cell 41'));
    for (const [p, label] of [[first, 'cell 40'], [second, 'cell 40'], [relabelled, 'cell 41']] as const) {
      assert.deepEqual(p.location, { cellId: `id of ${label}`, cellLabel: label, line: 2, column: 15 });
    }
  });
});

describe('frames that are not the user\'s', () => {
  test('frames of the kernel\'s files are left out, by file or by folder; other files stay with their own positions', async () => {
    const cells = new Cells();
    const source = lines('const n: number = 2;', 'helper(n);');
    const throwingHelper = (x: number) => {
      throw new Error(`helper got ${x}`);
    };
    cells.scope.helper = throwingHelper;
    const err = await cells.throwing(source, 'cell 50');
    const shown = cells.format(err, { kernelFiles: [] });
    const helperFrame = shown.frames[0]!;
    assert.equal(helperFrame.file, __filename);
    assert.equal(helperFrame.cellId, undefined);
    const helperLine = readFileSync(__filename, 'utf8').split('\n')[helperFrame.line - 1]!;
    assert.match(helperLine, /throw new Error\(`helper got/, 'the frame names this file\'s own line');
    assert.equal(helperLine.indexOf('new Error') + 1, helperFrame.column);
    assert.deepEqual(shown.location, { cellId: 'id of cell 50', cellLabel: 'cell 50', line: 2, column: 1 }, 'location is the innermost cell frame, not the innermost frame');

    for (const kernelFiles of [[__filename], [dirname(__filename)]]) {
      const p = cells.format(err, { kernelFiles });
      assert.equal(p.stack, lines('Error: helper got 2', '    at cell 50:2:1'));
      assert.deepEqual(p.location, shown.location);
    }
  });

  test('Node\'s internal frames are left out', async () => {
    const cells = new Cells();
    cells.scope.readFile = readFileSync;
    const err = await cells.throwing(lines('const where = "/no/such/bmnb/file";', 'readFile(where);'), 'cell 51');
    assert.match(String((err as Error).stack), /\(node:fs:/, 'the raw stack has node:fs frames');
    const p = cells.format(err);
    assert.equal(p.stack, lines(`Error: ${(err as Error).message}`, '    at cell 51:2:1'));
    assert.ok(p.frames.every((f) => !f.file.startsWith('node:')));
  });

  test('parsing stack lines: async and Object. prefixes, anonymous functions, the wrapper line, internal and kernel files', () => {
    const reg = new CellRegistry();
    const cell = transpileCell(lines('const a = 1;', 'boom(a);'), 'typescript', 'cell 60');
    const file = reg.add('id-60', 'cell 60', cell.map);
    // Where `boom(a)` is in the generated code (1-based, as V8 reports).
    const genLines = cell.code.split('\n');
    const genLine = genLines.findIndex((l) => l.includes('boom(a)')) + 1;
    const genCol = genLines[genLine - 1]!.indexOf('boom(a)') + 1;
    const at = `${file}:${genLine}:${genCol}`;
    const err = new Error('crafted');
    err.stack = lines(
      'Error: crafted',
      `    at async Object.boom (${at})`,
      `    at <anonymous> (${at})`,
      `    at ${at}`,
      `    at async ${at}`,
      `    at ${file}:1:1`,
      '    at Array.map (<anonymous>)',
      '    at node:internal/process/task_queues:95:5',
      '    at internal/modules/run_main.js:1:1',
      '    at run (/opt/kernel/dist/kernel.js:10:5)',
      '    at /opt/kernel/dist/kernel.js:11:5',
      '    at helper (/home/me/project/lib.js:12:3)',
      '    at new Model (/home/me/project/model.js:3:9)',
      '    at bmnb-cell-99.js:1:1',
    );
    const p = formatError(err, reg, { kernelFiles: ['/opt/kernel/dist/kernel.js'] });
    assert.deepEqual(p.frames, [
      { functionName: 'boom', file: 'cell 60', cellId: 'id-60', line: 2, column: 1 },
      { functionName: undefined, file: 'cell 60', cellId: 'id-60', line: 2, column: 1 },
      { functionName: undefined, file: 'cell 60', cellId: 'id-60', line: 2, column: 1 },
      { functionName: undefined, file: 'cell 60', cellId: 'id-60', line: 2, column: 1 },
      { functionName: 'helper', file: '/home/me/project/lib.js', line: 12, column: 3 },
      { functionName: 'new Model', file: '/home/me/project/model.js', line: 3, column: 9 },
      { functionName: undefined, file: 'bmnb-cell-99.js', line: 1, column: 1 },
    ]);
    assert.equal(
      p.stack,
      lines(
        'Error: crafted',
        '    at boom (cell 60:2:1)',
        '    at cell 60:2:1',
        '    at cell 60:2:1',
        '    at cell 60:2:1',
        '    at helper (/home/me/project/lib.js:12:3)',
        '    at new Model (/home/me/project/model.js:3:9)',
        '    at bmnb-cell-99.js:1:1',
      ),
    );
    assert.deepEqual(p.location, { cellId: 'id-60', cellLabel: 'cell 60', line: 2, column: 1 });
  });

  test('an error with no cell frame has no location, and its other frames stay', () => {
    const err = new TypeError('outside');
    err.stack = lines('TypeError: outside', '    at tick (/home/me/project/timer.js:4:2)');
    const p = formatError(err, new CellRegistry(), { kernelFiles: [] });
    assert.equal(p.location, undefined);
    assert.equal(p.stack, lines('TypeError: outside', '    at tick (/home/me/project/timer.js:4:2)'));
  });

  test('a message over several lines is kept whole, above the frames', async () => {
    const cells = new Cells();
    const p = cells.format(await cells.throwing('throw new Error("first line\\nsecond line");', 'cell 70'));
    assert.equal(p.message, 'first line\nsecond line');
    assert.equal(p.stack, lines('Error: first line', 'second line', '    at cell 70:1:7'));
  });
});

describe('what else a cell can throw', () => {
  const circular: Record<string, unknown> = { name: 'loop' };
  circular.self = circular;
  const cases: { what: string; value: unknown; text: string }[] = [
    { what: 'a string', value: 'oops', text: 'oops' },
    { what: 'an empty string', value: '', text: '' },
    { what: 'a number', value: 42, text: '42' },
    { what: 'an object', value: { code: 42, why: ['a'] }, text: '{"code":42,"why":["a"]}' },
    { what: 'an object with a message but no stack', value: { message: 'looks like an error' }, text: '{"message":"looks like an error"}' },
    { what: 'null', value: null, text: 'null' },
    { what: 'undefined', value: undefined, text: 'undefined' },
    { what: 'a circular object', value: circular, text: '[object Object]' },
    { what: 'a bigint', value: 10n, text: '10' },
    { what: 'a symbol', value: Symbol('s'), text: 'Symbol(s)' },
  ];
  for (const c of cases) {
    test(`${c.what}: named Uncaught, with the value in the message, no frames and no location`, () => {
      const p = formatError(c.value, new CellRegistry(), KERNEL, { cellId: 'id', label: 'cell 1' });
      assert.deepEqual(p, {
        name: 'Uncaught',
        message: `a cell threw a non-Error value: ${c.text}`,
        stack: `Uncaught: a cell threw a non-Error value: ${c.text}`,
        frames: [],
        location: undefined,
      });
    });
  }

  test('a string thrown by a real cell', async () => {
    const cells = new Cells();
    const p = cells.format(await cells.throwing('const reason: string = "no";\nthrow reason;', 'cell 80'));
    assert.equal(p.name, 'Uncaught');
    assert.equal(p.message, 'a cell threw a non-Error value: no');
  });

  test('an error of another realm (a vm context) is read as an error: name, message and frames', () => {
    const err = runInNewContext('new TypeError("from another realm")', {}, { filename: '/home/me/other-realm.js' }) as Error;
    assert.ok(!(err instanceof Error));
    const p = formatError(err, new CellRegistry(), KERNEL);
    assert.equal(p.name, 'TypeError');
    assert.equal(p.message, 'from another realm');
    assert.deepEqual(p.frames[0], { functionName: undefined, file: '/home/me/other-realm.js', line: 1, column: 1 });
  });

  test('an error with no name is an Error; an error whose stack is not a string has no frames', () => {
    const unnamed = new Error('anonymous');
    unnamed.name = '';
    assert.equal(formatError(unnamed, new CellRegistry(), KERNEL).name, 'Error');
    const stackless = new RangeError('no stack');
    (stackless as { stack?: unknown }).stack = undefined;
    const p = formatError(stackless, new CellRegistry(), KERNEL);
    assert.deepEqual([p.name, p.message, p.stack, p.frames, p.location], ['RangeError', 'no stack', 'RangeError: no stack', [], undefined]);
  });
});

describe('syntax errors', () => {
  const syntaxError = (source: string): CellSyntaxError => {
    try {
      transpileCell(source, 'typescript', `syntax ${Math.random()}`);
    } catch (err) {
      if (err instanceof CellSyntaxError) return err;
      throw err;
    }
    assert.fail('no syntax error');
  };

  test('a CellSyntaxError is placed at its line and column in the cell named by the caller', () => {
    const err = syntaxError('const ok = 1;\nconst broken = (;\n');
    const p = formatError(err, new CellRegistry(), KERNEL, { cellId: 'id-9', label: 'cell 9' });
    assert.equal(p.name, 'SyntaxError');
    assert.equal(p.message, err.message);
    assert.match(p.message, /line 2, column 17/);
    assert.equal(p.stack, `SyntaxError: ${err.message}\n    at cell 9:2:17`);
    assert.deepEqual(p.frames, [{ file: 'cell 9', cellId: 'id-9', line: 2, column: 17 }]);
    assert.deepEqual(p.location, { cellId: 'id-9', cellLabel: 'cell 9', line: 2, column: 17 });
  });

  test('without the cell it came from, a CellSyntaxError is an ordinary error with no cell location', () => {
    const p = formatError(syntaxError('let = ;'), new CellRegistry(), KERNEL);
    assert.equal(p.name, 'SyntaxError');
    assert.equal(p.location, undefined);
    assert.ok(p.frames.every((f) => f.cellId === undefined));
  });
});
