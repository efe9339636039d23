import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { JUPYTER_KERNELSPEC, JUPYTER_LANGUAGE_INFO, MIME } from '../protocol';
import {
  fromIpynb,
  type IpynbImport,
  type NotebookCell,
  type NotebookFile,
  NotebookFormatError,
  type OutputItem,
  parseNotebook,
  serializeNotebook,
  toIpynb,
  validateNotebook,
} from './index';

const ROOT = join(__dirname, '..', '..');
const IPYNB_FIXTURES = join(ROOT, 'test', 'fixtures', 'ipynb');

/** Every .bmnb the project ships: the samples and the format fixtures. */
const BMNB_FILES = [
  ...readdirSync(join(ROOT, 'samples')).filter((f) => f.endsWith('.bmnb')).map((f) => join(ROOT, 'samples', f)),
  ...readdirSync(join(ROOT, 'test', 'fixtures', 'format')).filter((f) => f.endsWith('.bmnb')).map((f) => join(ROOT, 'test', 'fixtures', 'format', f)),
];

/** A 1×1 PNG, base64. */
const PNG_1X1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

const errorData = (name: string, message: string, stack?: string): string => JSON.stringify({ name, message, stack });

/** A notebook with every kind of output and everything nbformat has no place for. */
function everythingNotebook(): NotebookFile {
  const tensor = { version: 1, dtype: 'float32', shape: [2, 2], stats: { min: 1e-7, max: 0.00001, mean: 1.5e300 }, z: { b: 1, a: 2 } };
  return {
    bmnb: 1,
    metadata: { title: 'Everything — 全部 ✓', backend: 'cpu', zeta: { y: 1, x: [{ q: 1, p: 2 }] }, alpha: true },
    cells: [
      { id: 'md', kind: 'markdown', language: 'markdown', source: ['# Title\n', '\n', '```mermaid\n', 'graph TD; A-->B\n', '```\n', '\n', '$$e^{i\\pi} + 1 = 0$$'] },
      {
        id: 'params',
        kind: 'code',
        language: 'typescript',
        source: ['const epochs = 1;'],
        metadata: { tags: ['parameters'], injectedParameters: { epochs: 1 } },
        execution: { order: 1, success: true, durationMs: 3, memory: { tensors: -2, bytes: -64 } },
      },
      {
        id: 'cell with spaces',
        kind: 'code',
        language: 'javascript',
        source: ['console.log("ünïcödé 😀");\n', 'console.error("bad")'],
        metadata: { injectedParameters: { lr: 0.5 }, tags: ['a,b', 'a,b'] },
        outputs: [
          { items: [{ mime: MIME.stdout, data: 'ünïcödé 😀\nline\r\nnext\rover\u2028sep\n' }] },
          { items: [{ mime: MIME.stderr, data: 'bad\n' }] },
        ],
        execution: { order: null, success: false, retried: 2 },
      },
      {
        id: 'cell-with-spaces',
        kind: 'code',
        language: 'typescript',
        source: ['a\n', 'b', 'c'],
        metadata: {},
        outputs: [],
        execution: { success: true },
        zUnknown: { b: 2, a: 1 },
        aUnknown: 1,
      },
      {
        id: 'x'.repeat(70),
        kind: 'code',
        language: 'typescript',
        source: ['x'],
        metadata: { bmnb: 'mine', trusted: true, scrolled: 'sideways', vscode: { languageId: 'python' } },
        outputs: [
          { items: [{ mime: MIME.error, data: errorData('Error', 'boom', 'Error: boom\n    at <cell>:1:7') }] },
          { items: [{ mime: MIME.error, data: errorData('TypeError', 'no stack') }] },
          { items: [{ mime: MIME.error, data: errorData('Error', 'ansi', '\u001b[31mError\u001b[39m: ansi') }] },
          { items: [{ mime: MIME.error, data: '{"message":"keys in another order","name":"Error"}' }] },
        ],
        execution: { order: 7 },
      },
      {
        id: 'rich',
        kind: 'code',
        language: 'typescript',
        source: ['t'],
        outputs: [
          { items: [{ mime: 'application/vnd.bmnb.tensor+json', data: tensor }, { mime: 'text/plain', data: 'Tensor\n  [[1, 2],\n   [3, 4]]' }] },
          { items: [{ mime: 'text/plain', data: 'plain first' }, { mime: 'text/html', data: '<b>html</b>\n<i>second</i>' }], metadata: {} },
          { items: [{ mime: 'image/png', data: PNG_1X1 }], metadata: { 'image/png': { width: 1, height: 1 }, bmnb: { clash: true } } },
          { items: [{ mime: 'text/plain', data: 'one' }, { mime: 'text/plain', data: 'two' }] },
          { items: [{ mime: 'text/plain', data: 42 }] },
          { items: [{ mime: 'text/plain', data: 'extra', note: 'item field' }], outputField: { b: 1, a: 0 } },
          { items: [{ mime: 'image/png', data: `${PNG_1X1}\n` }] },
          { items: [{ mime: MIME.stdout, data: 'with metadata' }], metadata: { live: true } },
          { items: [{ mime: 'application/json', data: { z: 1, a: [3, 'x'] } }, { mime: 'image/svg+xml', data: '<svg>\n</svg>' }] },
        ],
        execution: { order: 12, success: true, durationMs: 1234.5 },
      },
      { id: 'md-out', kind: 'markdown', language: 'markdown', source: [], outputs: [{ items: [{ mime: 'text/plain', data: 'odd' }] }], execution: { order: 2 } },
      { id: 'code-md', kind: 'code', language: 'markdown', source: ['odd language'] },
    ],
    zRoot: { b: 1, a: 2 },
    aRoot: 'top',
  };
}

/** A fallback item for each output of each cell (an HTML table and a PNG, as a kernel draws them). */
function fakeFallbacks(nb: NotebookFile): (OutputItem[] | undefined)[][] {
  return nb.cells.map((cell) =>
    (cell.outputs ?? []).map((_, j) => (j % 3 === 2 ? undefined : [{ mime: 'text/html', data: `<table>\n<tr><td>${j}</td></tr>\n</table>` }, { mime: 'image/png', data: PNG_1X1 }])),
  );
}

function roundTrip(nb: NotebookFile, fallbacks?: (OutputItem[] | undefined)[][]): string {
  return serializeNotebook(fromIpynb(toIpynb(nb, { fallbacks })).notebook);
}

/** Every object's keys are in Python's sorted order (by code point), recursively. */
function assertSortedKeys(value: unknown, path = '$'): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => assertSortedKeys(v, `${path}[${i}]`));
  } else if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value).filter((k) => !/^\d+$/.test(k));
    const byCodePoint = (a: string, b: string): number => {
      const [x, y] = [[...a].map((c) => c.codePointAt(0)!), [...b].map((c) => c.codePointAt(0)!)];
      for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
      return x.length - y.length;
    };
    const sorted = [...keys].sort(byCodePoint);
    assert.deepEqual(keys, sorted, `keys at ${path} are not sorted`);
    for (const [k, v] of Object.entries(value)) assertSortedKeys(v, `${path}.${k}`);
  }
}

function fixture(name: string): IpynbImport {
  return fromIpynb(readFileSync(join(IPYNB_FIXTURES, name), 'utf8'));
}

/** fromIpynb on `text`, expecting a NotebookFormatError. */
function importError(text: string): NotebookFormatError {
  try {
    fromIpynb(text);
  } catch (error) {
    assert.ok(error instanceof NotebookFormatError, `expected NotebookFormatError, got ${String(error)}`);
    return error;
  }
  assert.fail('fromIpynb accepted the text');
}

function ipynbText(cells: unknown[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ cells, metadata: {}, nbformat: 4, nbformat_minor: 5, ...extra });
}

/** The value at `path` in parsed JSON, or undefined where there is none. */
function at(value: unknown, ...path: (string | number)[]): unknown {
  let v = value;
  for (const key of path) v = typeof v === 'object' && v !== null ? (v as Record<string | number, unknown>)[key] : undefined;
  return v;
}

const itemsOf = (cell: NotebookCell): { mime: string; data: unknown }[][] => (cell.outputs ?? []).map((o) => o.items.map((i) => ({ mime: i.mime, data: i.data })));

/** A small seeded generator (mulberry32), so that a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generator(seed: number) {
  const r = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const pieces = ['a', 'Z', '0', ' ', '\n', '\r\n', '\r', '\t', '\u2028', '\u0085', 'é', '中', '😀', '\uff5e', '"', '\\', '```', ',', '\u001b[31m'];
  const text = (max = 12): string => Array.from({ length: Math.floor(r() * max) }, () => pick(pieces)).join('');
  const keys = ['a', 'b', 'z', '\uff5e', 'tags', 'order', 'bmnb', 'trusted', 'name', '10', '2', 'Ü', '😀', 'x y', 'execution', 'scrolled', 'collapsed'];
  const json = (depth: number): unknown => {
    const kind = depth > 2 ? Math.floor(r() * 4) : Math.floor(r() * 6);
    if (kind === 0) return text();
    if (kind === 1) return pick([0, -1, 1.5, 1e-7, 0.00012, 123456789, 1e21, 2.5e-300]);
    if (kind === 2) return pick([true, false, null]);
    if (kind === 3) return [];
    if (kind === 4) return Array.from({ length: Math.floor(r() * 3) }, () => json(depth + 1));
    return object(depth + 1);
  };
  const object = (depth: number): Record<string, unknown> => {
    const o: Record<string, unknown> = {};
    for (let n = Math.floor(r() * 4); n > 0; n--) o[pick(keys)] = json(depth);
    return o;
  };
  const maybe = <T>(f: () => T): T | undefined => (r() < 0.5 ? f() : undefined);
  const item = (): OutputItem => {
    const mime = pick(['text/plain', 'text/html', 'image/png', 'application/json', 'application/vnd.bmnb.tensor+json', MIME.stdout, MIME.stderr, MIME.error, 'text/plain']);
    const data = mime === MIME.error && r() < 0.7 ? errorData(text(4), text(), maybe(() => text())) : mime === 'image/png' ? pick([PNG_1X1, `${PNG_1X1}\n`]) : mime.endsWith('json') ? json(1) : r() < 0.9 ? text() : json(1);
    return { mime, data, ...(r() < 0.1 ? object(1) : {}) };
  };
  const output = () => ({ items: Array.from({ length: 1 + Math.floor(r() * 3) }, item), ...(r() < 0.3 ? { metadata: object(1) } : {}), ...(r() < 0.1 ? { zz: json(1) } : {}) });
  return (): NotebookFile => {
    const cells = Array.from({ length: Math.floor(r() * 6) }, (_, i): NotebookCell => {
      const kind = pick(['code', 'code', 'markdown'] as const);
      const language = kind === 'markdown' ? pick(['markdown', 'markdown', 'typescript'] as const) : pick(['typescript', 'javascript', 'markdown'] as const);
      const source = r() < 0.8 ? sourceLines(text(30)) : [text(), text()];
      const cell: NotebookCell = { id: r() < 0.8 ? `c${i}` : `${text(3)}-${i}`, kind, language, source };
      if (r() < 0.5) cell.metadata = { ...object(1), ...(r() < 0.5 ? { tags: [text(3), 'parameters'] } : {}) };
      if (r() < 0.6) cell.outputs = Array.from({ length: Math.floor(r() * 4) }, output);
      if (r() < 0.6) cell.execution = { ...(r() < 0.8 ? { order: pick([null, 0, 3]) } : {}), ...(r() < 0.5 ? { memory: { tensors: 1, bytes: 8 } } : {}), ...(r() < 0.3 ? object(1) : {}) };
      if (r() < 0.2) Object.assign(cell, object(1));
      return cell;
    });
    return { bmnb: 1, metadata: r() < 0.7 ? object(0) : {}, cells, ...(r() < 0.2 ? { top: json(0) } : {}) };
  };
}

/** The lines of `text` as the .bmnb format stores them (each with its `\n` but the last). */
function sourceLines(text: string): string[] {
  return text.split(/(?<=\n)/).filter((l) => l !== '');
}


describe('toIpynb → fromIpynb gives the same .bmnb bytes', () => {
  for (const file of BMNB_FILES) {
    it(`round-trips ${file.slice(ROOT.length + 1)} byte for byte, with and without fallbacks`, () => {
      const text = readFileSync(file, 'utf8');
      const nb = parseNotebook(text);
      assert.equal(roundTrip(nb), text);
      assert.equal(roundTrip(nb, fakeFallbacks(nb)), text);
    });
  }

  it('round-trips a notebook with every kind of output, unknown keys at every level, and odd ids, sources and metadata', () => {
    const nb = everythingNotebook();
    assert.deepEqual(validateNotebook(nb), []);
    const expected = serializeNotebook(nb);
    assert.equal(roundTrip(nb), expected);
    assert.equal(roundTrip(nb, fakeFallbacks(nb)), expected);
  });

  it('keeps each cell\'s own key orders, even where two cells order the same keys differently', () => {
    const nb = parseNotebook(serializeNotebook(everythingNotebook()));
    nb.cells.push({ id: 'other-order', kind: 'code', language: 'typescript', source: [], metadata: { tags: ['t'], injectedParameters: { b: 1, a: 2 } } });
    nb.cells.push({ id: 'same-order', kind: 'code', language: 'typescript', source: [], metadata: { injectedParameters: { a: 1, b: 2 }, tags: ['u'] } });
    assert.equal(roundTrip(nb), serializeNotebook(nb));
  });

  it('comes back the same after Jupyter moved cells around (key orders are kept by cell id)', () => {
    const nb = everythingNotebook();
    const ipynb = JSON.parse(toIpynb(nb)) as { cells: unknown[] };
    ipynb.cells.reverse();
    const back = fromIpynb(JSON.stringify(ipynb)).notebook;
    back.cells.reverse();
    assert.equal(serializeNotebook(back), serializeNotebook(nb));
  });
});

describe('toIpynb writes what Jupyter writes', () => {
  it('writes nbformat 4.5 with bmnb\'s kernelspec, sorted keys, one-space indent and a trailing newline', () => {
    const text = toIpynb(everythingNotebook());
    assert.ok(text.endsWith('}\n'));
    assert.ok(text.startsWith('{\n "cells": [\n  {\n'));
    const ipynb: unknown = JSON.parse(text);
    assert.equal(at(ipynb, 'nbformat'), 4);
    assert.equal(at(ipynb, 'nbformat_minor'), 5);
    assert.deepEqual(at(ipynb, 'metadata', 'kernelspec'), JUPYTER_KERNELSPEC);
    assert.deepEqual(at(ipynb, 'metadata', 'language_info'), JUPYTER_LANGUAGE_INFO);
    assertSortedKeys(ipynb);
    assertSortedKeys(JSON.parse(toIpynb(generator(3)())));
    assert.match(text, /"max": 1e-05,\n\s+"mean": 1\.5e\+300,\n\s+"min": 1e-07\n/);
  });

  it('maps cells: ids, tags, execution counts, sources as lines, markdown untouched', () => {
    const cells = at(JSON.parse(toIpynb(everythingNotebook())), 'cells');
    const cell = (i: number, ...path: (string | number)[]): unknown => at(cells, i, ...path);
    assert.equal(cell(0, 'cell_type'), 'markdown');
    assert.deepEqual(cell(0, 'source'), ['# Title\n', '\n', '```mermaid\n', 'graph TD; A-->B\n', '```\n', '\n', '$$e^{i\\pi} + 1 = 0$$']);
    assert.equal(cell(0, 'execution_count'), undefined);
    assert.equal(cell(1, 'id'), 'params');
    assert.deepEqual(cell(1, 'metadata', 'tags'), ['parameters']);
    assert.deepEqual(cell(1, 'metadata', 'injectedParameters'), { epochs: 1 });
    assert.equal(cell(1, 'execution_count'), 1);
    assert.deepEqual(cell(1, 'metadata', 'bmnb', 'execution'), { success: true, durationMs: 3, memory: { tensors: -2, bytes: -64 } });
    assert.equal(cell(2, 'id'), 'cell-with-spaces-2', 'an id nbformat rejects is made valid without taking another cell\'s');
    assert.equal(cell(2, 'metadata', 'bmnb', 'id'), 'cell with spaces');
    assert.equal(cell(2, 'metadata', 'bmnb', 'language'), 'javascript');
    assert.equal(cell(2, 'execution_count'), null);
    assert.equal(cell(2, 'metadata', 'tags'), undefined, 'tags nbformat rejects (commas, repeats) stay under bmnb');
    assert.deepEqual(cell(2, 'metadata', 'bmnb', 'metadata'), { tags: ['a,b', 'a,b'] });
    assert.equal(cell(3, 'id'), 'cell-with-spaces');
    assert.deepEqual(cell(3, 'source'), ['a\n', 'bc']);
    assert.deepEqual(cell(3, 'metadata', 'bmnb', 'source'), ['a\n', 'b', 'c']);
    assert.match(String(cell(4, 'id')), /^x{56}$/);
    assert.deepEqual(Object.keys(cell(4, 'metadata') as object).sort(), ['bmnb', 'vscode']);
  });

  it('maps outputs: streams, errors with tracebacks, display_data with JSON values and text lines', () => {
    const cells = at(JSON.parse(toIpynb(everythingNotebook())), 'cells');
    const output = (c: number, o: number, ...path: (string | number)[]): unknown => at(cells, c, 'outputs', o, ...path);
    assert.deepEqual(output(2, 0), { name: 'stdout', output_type: 'stream', text: ['ünïcödé 😀\n', 'line\r\n', 'next\r', 'over\u2028', 'sep\n'] });
    assert.deepEqual(output(2, 1), { name: 'stderr', output_type: 'stream', text: ['bad\n'] });
    assert.deepEqual(output(4, 0), { ename: 'Error', evalue: 'boom', output_type: 'error', traceback: ['Error: boom', '    at <cell>:1:7'] });
    assert.deepEqual(output(4, 1), { ename: 'TypeError', evalue: 'no stack', output_type: 'error', traceback: [] });
    assert.equal(output(4, 2, 'output_type'), 'display_data', 'a stack with colour codes would lose them as an error output');
    assert.equal(output(4, 3, 'output_type'), 'display_data');
    assert.deepEqual(output(5, 0, 'data', 'application/vnd.bmnb.tensor+json', 'shape'), [2, 2]);
    assert.deepEqual(output(5, 0, 'data', 'text/plain'), ['Tensor\n', '  [[1, 2],\n', '   [3, 4]]']);
    assert.deepEqual(output(5, 0, 'metadata'), {});
    assert.deepEqual(output(5, 1, 'metadata', 'bmnb'), { order: ['text/plain', 'text/html'], emptyMetadata: true });
    assert.equal(output(5, 2, 'data', 'image/png'), PNG_1X1);
    assert.deepEqual(output(5, 2, 'metadata', 'image/png'), { width: 1, height: 1 });
    assert.ok(output(5, 3, 'metadata', 'bmnb', 'items'), 'two items of one MIME type are kept whole');
    assert.deepEqual(output(5, 3, 'data'), { 'text/plain': ['one'] });
    assert.deepEqual(output(5, 4, 'data'), {}, 'a value nbformat cannot hold is not in data');
    assert.ok(output(5, 6, 'metadata', 'bmnb', 'items'), 'base64 with a line break is kept whole');
    assert.equal(output(5, 7, 'output_type'), 'display_data', 'a stream with metadata stays display_data');
    assert.deepEqual(output(5, 8, 'data', 'application/json'), { a: [3, 'x'], z: 1 });
    assert.deepEqual(output(5, 8, 'data', 'image/svg+xml'), ['<svg>\n', '</svg>']);
    assert.doesNotMatch(JSON.stringify(cells), /execute_result/);
  });

  it('adds fallbacks to data, lists them under metadata.bmnb.fallbacks, and fromIpynb drops them again', () => {
    const nb = everythingNotebook();
    const text = toIpynb(nb, { fallbacks: fakeFallbacks(nb) });
    const output = (c: number, o: number, ...path: (string | number)[]): unknown => at(JSON.parse(text), 'cells', c, 'outputs', o, ...path);
    assert.deepEqual(output(5, 0, 'data', 'text/html'), ['<table>\n', '<tr><td>0</td></tr>\n', '</table>']);
    assert.equal(output(5, 0, 'data', 'image/png'), PNG_1X1);
    assert.deepEqual(output(5, 0, 'metadata', 'bmnb', 'fallbacks'), ['text/html', 'image/png']);
    assert.deepEqual(output(5, 1, 'metadata', 'bmnb', 'fallbacks'), ['image/png'], 'an output that has text/html keeps its own');
    assert.deepEqual(output(5, 1, 'data', 'text/html'), ['<b>html</b>\n', '<i>second</i>']);
    assert.equal(output(5, 2, 'metadata', 'bmnb', 'fallbacks'), undefined, 'no fallbacks for this output');
    assert.equal(output(5, 2, 'data', 'text/html'), undefined);
    assert.equal(output(2, 0, 'output_type'), 'stream', 'streams take no fallbacks');
    const back = fromIpynb(text).notebook;
    assert.deepEqual(itemsOf(back.cells[5]!), itemsOf(nb.cells[5]!));
    assert.deepEqual(itemsOf(back.cells[4]!), itemsOf(nb.cells[4]!));
  });

  it('passes Jupyter\'s own nbformat validation, and Jupyter writes the same bytes back', () => {
    const python = process.env.BMNB_PYTHON ?? '/usr/bin/python3';
    const probe = spawnSync(python, ['-c', 'import nbformat'], { encoding: 'utf8' });
    // CI installs it (scripts/jupyter-setup.sh); a machine without it fails here, saying how to get it.
    assert.equal(probe.status, 0, `${python} has no nbformat module: run \`bash scripts/jupyter-setup.sh\` (Debian's python3-nbformat), or set BMNB_PYTHON`);
    const dir = mkdtempSync(join(tmpdir(), 'bmnb-ipynb-'));
    try {
      const make = generator(7);
      const generated = Array.from({ length: 60 }, make).filter((nb) => validateNotebook(nb).length === 0);
      const notebooks = [...BMNB_FILES.map((f) => parseNotebook(readFileSync(f, 'utf8'))), everythingNotebook(), ...generated];
      const files = notebooks.map((nb, i) => {
        const file = join(dir, `${i}.ipynb`);
        writeFileSync(file, toIpynb(nb, { fallbacks: fakeFallbacks(nb) }));
        return file;
      });
      const script = [
        'import nbformat, sys',
        'for f in sys.argv[1:]:',
        '    nb = nbformat.read(f, as_version=4)',
        '    nbformat.validate(nb)',
        '    text = open(f, encoding="utf-8").read()',
        '    if nbformat.writes(nb) + "\\n" != text: sys.exit(f + ": Jupyter would write other bytes")',
        'print(len(sys.argv) - 1)',
      ].join('\n');
      const run = spawnSync(python, ['-c', script, ...files], { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.stdout.trim(), String(files.length), 'every file was checked');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('fromIpynb reads other tools\' notebooks', () => {
  it('tslab (nbformat 4.4, no ids): TypeScript cells with their outputs, new ids', () => {
    const { notebook, origin, notes } = fixture('tslab.ipynb');
    assert.equal(origin, 'tslab');
    assert.deepEqual(notebook.cells.map((c) => [c.kind, c.language]), [
      ['markdown', 'markdown'],
      ...Array.from({ length: 6 }, () => ['code', 'typescript']),
    ]);
    assert.deepEqual(notebook.cells[1]!.source, ["const greeting: string = 'Hello, tslab!';\n", 'console.log(greeting);']);
    assert.deepEqual(itemsOf(notebook.cells[1]!), [[{ mime: MIME.stdout, data: 'Hello, tslab!\n' }]]);
    assert.deepEqual(notebook.cells[1]!.execution, { order: 1 });
    assert.deepEqual(itemsOf(notebook.cells[3]!), [[{ mime: 'text/html', data: '<b>bold</b> text' }]]);
    assert.deepEqual(itemsOf(notebook.cells[4]!), [[{ mime: MIME.stderr, data: "1:7 - Type 'string' is not assignable to type 'number'.\n" }]]);
    const error = JSON.parse(notebook.cells[5]!.outputs![0]!.items[0]!.data as string) as Record<string, string>;
    assert.deepEqual(error, { name: 'Error', message: 'boom', stack: 'Error: boom\n    at evalmachine.<anonymous>:1:7\n    at Script.runInThisContext (node:vm:129:12)' });
    assert.equal(notebook.cells[6]!.outputs, undefined);
    assert.equal(notebook.cells[6]!.execution, undefined);
    assert.deepEqual(notebook.cells.map((c) => c.id), ['cell-1', 'cell-2', 'cell-3', 'cell-4', 'cell-5', 'cell-6', 'cell-7']);
    assert.deepEqual(notes, [
      "1 cell uses tslab's API (tslab.display), which bmnb's kernel does not provide: a value on the last line of a cell is shown without it.",
      '7 cells had no id (nbformat 4.4 has no cell ids) and got a new one.',
    ]);
  });

  it('Deno: TypeScript cells, a cell\'s vscode languageId wins, ANSI codes leave error stacks, Deno APIs noted', () => {
    const { notebook, origin, notes } = fixture('deno.ipynb');
    assert.equal(origin, 'deno');
    assert.deepEqual(notebook.cells.map((c) => c.id), ['7fb27b94', 'acae54e3', '9a63283c', '8dd0d8e4']);
    assert.deepEqual(notebook.cells.map((c) => c.language), ['markdown', 'typescript', 'typescript', 'javascript']);
    assert.deepEqual(itemsOf(notebook.cells[2]!), [
      [{ mime: 'text/html', data: '<table><tr><td>1</td></tr></table>' }, { mime: 'text/plain', data: 'Table' }],
      [{ mime: MIME.stdout, data: 'shown\n' }],
    ]);
    const error = JSON.parse(notebook.cells[3]!.outputs![0]!.items[0]!.data as string) as Record<string, string>;
    assert.equal(error.stack, 'TypeError: x is not a function\n    at <anonymous>:2:1');
    assert.equal(notebook.cells[3]!.metadata?.vscode !== undefined, true, 'cell metadata is kept');
    assert.deepEqual(notes, ["2 cells use Deno APIs or npm:/jsr: imports, which bmnb's kernel does not provide: import packages by their plain names and use Node.js APIs instead."]);
  });

  it('IJavascript (nbformat 4.2): JavaScript cells, results and errors', () => {
    const { notebook, origin, notes } = fixture('ijavascript.ipynb');
    assert.equal(origin, 'ijavascript');
    assert.deepEqual(notebook.cells.map((c) => [c.kind, c.language]), [['code', 'javascript'], ['code', 'javascript'], ['code', 'javascript']]);
    assert.deepEqual(itemsOf(notebook.cells[0]!), [[{ mime: 'text/plain', data: '[ 1, 2, 3 ]' }]]);
    assert.deepEqual(notebook.cells[0]!.metadata, { collapsed: false });
    const error = JSON.parse(notebook.cells[2]!.outputs![0]!.items[0]!.data as string) as Record<string, string>;
    assert.equal(error.name, 'ReferenceError');
    assert.match(error.stack!, /^evalmachine.<anonymous>:1\nb\n\^\n\nReferenceError: b is not defined\n/);
    assert.equal(notes.length, 2);
    assert.match(notes[0]!, /^1 cell uses IJavascript's \$\$ output API/);
    assert.equal(notes[1], '3 cells had no id (nbformat 4.2 has no cell ids) and got a new one.');
  });

  it('nbformat 4.0 with one-string sources and only a kernelspec: TypeScript from the kernelspec\'s language', () => {
    const { notebook, origin } = fixture('itypescript-4.0.ipynb');
    assert.equal(origin, 'other');
    assert.deepEqual(notebook.cells.map((c) => [c.kind, c.language, c.source]), [
      ['code', 'typescript', ['console.log(`1 + 1 = ${1 + 1}`);']],
      ['markdown', 'markdown', ['Old notebooks store text as one string.']],
    ]);
    assert.deepEqual(itemsOf(notebook.cells[0]!), [[{ mime: MIME.stdout, data: '1 + 1 = 2\n' }]]);
  });

  it('Python: code cells become markdown with ```python blocks, outputs left out and said so, raw cells fenced, attachments inlined', () => {
    const { notebook, origin, notes } = fixture('python.ipynb');
    assert.equal(origin, 'python');
    assert.ok(notebook.cells.every((c) => c.kind === 'markdown' && c.language === 'markdown' && c.outputs === undefined));
    assert.deepEqual(notebook.cells[0]!.source, ['# Sales analysis\n', '\n', `![a dot](data:image/png;base64,${PNG_1X1})`]);
    assert.deepEqual(notebook.cells[1]!.source, ['```python\n', 'import pandas as pd\n', 'import matplotlib.pyplot as plt\n', 'year = 2024\n', '```']);
    assert.deepEqual(notebook.cells[1]!.metadata, { tags: ['parameters'] });
    assert.deepEqual(notebook.cells[4]!.source, ['````python\n', '# a ``` fence inside the code\n', '1 / 0\n', '````']);
    assert.deepEqual(notebook.cells[5]!.source, ['```latex\n', '\\section{Appendix}\n', '```']);
    assert.equal(notebook.cells[2]!.id, '6c7d8e9f-2a3b-4c4d-9e0f-1a2b3c4d5e6f');
    assert.deepEqual(notes, [
      '4 Python code cells became markdown cells showing the code in a ```python block: bmnb runs TypeScript and JavaScript only.',
      '5 outputs of those cells were left out: markdown cells have no outputs.',
      '1 raw cell became a markdown cell with its text in a fenced block.',
      "1 markdown attachment became a data URL in its cell's text.",
    ]);
  });

  it('keeps a Python notebook\'s outputs where a cell is TypeScript by its vscode languageId, with text/plain last and base64 unwrapped', () => {
    const text = readFileSync(join(IPYNB_FIXTURES, 'python.ipynb'), 'utf8');
    const ipynb = JSON.parse(text) as { cells: Record<string, unknown>[] };
    ipynb.cells[3]!.metadata = { vscode: { languageId: 'typescript' } };
    const { notebook, notes } = fromIpynb(JSON.stringify(ipynb));
    const cell = notebook.cells[3]!;
    assert.equal(cell.kind, 'code');
    assert.equal(cell.language, 'typescript');
    assert.deepEqual(itemsOf(cell), [[{ mime: 'image/png', data: PNG_1X1 }, { mime: 'text/plain', data: '<Figure size 640x480 with 1 Axes>' }]]);
    assert.equal(notes[0], '3 Python code cells became markdown cells showing the code in a ```python block: bmnb runs TypeScript and JavaScript only.');
  });

  it('knows tslab\'s JavaScript kernel (jslab), bmnb\'s own kernel, and repeated ids', () => {
    const jslab = fromIpynb(ipynbText([{ cell_type: 'code', id: 'a', metadata: {}, source: 'x', outputs: [], execution_count: null }], {
      metadata: { kernelspec: { name: 'jslab', display_name: 'JavaScript', language: 'javascript' } },
    }));
    assert.equal(jslab.origin, 'tslab');
    assert.equal(jslab.notebook.cells[0]!.language, 'javascript');
    const bmnbKernel = fromIpynb(ipynbText([], { metadata: { kernelspec: JUPYTER_KERNELSPEC } }));
    assert.equal(bmnbKernel.origin, 'bmnb');
    const twice = fromIpynb(ipynbText([
      { cell_type: 'markdown', id: 'same', metadata: {}, source: '' },
      { cell_type: 'markdown', id: 'same', metadata: {}, source: '' },
    ]));
    assert.deepEqual(twice.notebook.cells.map((c) => c.id), ['same', 'cell-2']);
    assert.deepEqual(twice.notes, ["1 cell repeated an earlier cell's id and got a new one."]);
  });

  it('every import passes validateNotebook and serializes', () => {
    for (const name of readdirSync(IPYNB_FIXTURES)) {
      const { notebook } = fixture(name);
      assert.deepEqual(validateNotebook(notebook), [], name);
      assert.equal(serializeNotebook(parseNotebook(serializeNotebook(notebook))), serializeNotebook(notebook));
    }
  });

  it('takes Jupyter\'s changes to an exported notebook: an edited source, a new cell and new outputs', () => {
    const nb = everythingNotebook();
    const ipynb = JSON.parse(toIpynb(nb)) as { cells: Record<string, unknown>[] };
    ipynb.cells[3]!.source = ['edited'];
    ipynb.cells[1]!.outputs = [{ output_type: 'execute_result', execution_count: 9, data: { 'text/plain': ['1'] }, metadata: {} }];
    ipynb.cells.push({ cell_type: 'code', id: 'new', metadata: {}, source: ['1 + 1'], outputs: [], execution_count: null });
    const { notebook, origin } = fromIpynb(JSON.stringify(ipynb));
    assert.equal(origin, 'bmnb');
    assert.deepEqual(notebook.cells[3]!.source, ['edited'], 'the kept lines no longer fit the text, so the text wins');
    assert.deepEqual(itemsOf(notebook.cells[1]!), [[{ mime: 'text/plain', data: '1' }]]);
    assert.deepEqual(notebook.cells.at(-1), { id: 'new', kind: 'code', language: 'typescript', source: ['1 + 1'] });
  });

  it('drops the HTML and PNG copies bmnb\'s Jupyter kernel adds to its payloads, keeps everything else', () => {
    const ipynb = JSON.parse(toIpynb(everythingNotebook())) as { cells: Record<string, unknown>[] };
    const tensor = { version: 1, dtype: 'float32', shape: [1] };
    ipynb.cells[1]!.outputs = [
      { output_type: 'execute_result', execution_count: 1, metadata: {}, data: { 'application/vnd.bmnb.tensor+json': tensor, 'image/png': PNG_1X1, 'text/html': ['<table>'], 'text/plain': ['Tensor'] } },
      { output_type: 'display_data', metadata: {}, data: { 'image/png': PNG_1X1, 'text/html': ['<p>'], '': 'no type' } },
      { output_type: 'future_output', payload: 1 },
    ];
    const { notebook, notes } = fromIpynb(JSON.stringify(ipynb));
    assert.deepEqual(itemsOf(notebook.cells[1]!), [
      [{ mime: 'application/vnd.bmnb.tensor+json', data: tensor }, { mime: 'text/plain', data: 'Tensor' }],
      [{ mime: 'image/png', data: PNG_1X1 }, { mime: 'text/html', data: '<p>' }],
    ]);
    assert.deepEqual(notes, ['1 output of a type nbformat 4.5 does not define was left out.']);
  });
});

describe('fromIpynb errors name the JSON path of each problem', () => {
  it('text that is not JSON: line and column', () => {
    const error = importError('{\n "cells": [\n  {,\n ]\n}');
    assert.equal(error.problems.length, 1);
    assert.equal(error.problems[0]!.path, '$');
    assert.match(error.problems[0]!.message, /^not valid JSON at line 3, column 4/);
    assert.match(error.message, /^This is not a Jupyter notebook bmnb can import:/);
  });

  it('JSON that is not a notebook', () => {
    assert.match(importError('[1, 2]').problems[0]!.message, /must be a JSON object with "nbformat" and "cells" \(got an array\); this is not a Jupyter notebook/);
    assert.match(importError('{"cells": []}').problems[0]!.message, /missing required field "nbformat"; this is not a Jupyter notebook/);
    assert.match(importError('{"bmnb": 1, "cells": []}').problems[0]!.message, /it is a bmnb notebook \(\.bmnb\)/);
    const noCells = importError('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}}');
    assert.deepEqual(noCells.problems, [{ path: '$', message: 'missing required field "cells"; this is not a Jupyter notebook' }]);
  });

  it('nbformat 5 or a version that is not a number', () => {
    assert.deepEqual(importError('{"nbformat": 5, "cells": []}').problems, [{ path: '$.nbformat', message: 'nbformat 5 is newer than bmnb reads (nbformat 4)' }]);
    assert.deepEqual(importError('{"nbformat": "4", "cells": []}').problems, [{ path: '$.nbformat', message: 'must be a whole number (got "4")' }]);
  });

  it('nbformat 3 or older: says how to convert it', () => {
    const error = importError('{"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": []}]}');
    assert.deepEqual(error.problems, [{ path: '$.nbformat', message: 'nbformat 3 is older than bmnb reads (nbformat 4)' }]);
    assert.match(error.message, /jupyter nbconvert --to notebook --nbformat 4/);
  });

  it('bad cells: an unknown type, a non-string source, a bad line, a missing source, bad outputs — all listed', () => {
    const error = importError(ipynbText([
      { cell_type: 'markdown', metadata: {}, source: 'fine' },
      { cell_type: 'heading', metadata: {}, source: 'x' },
      { cell_type: 'code', metadata: {}, source: 42, outputs: [], execution_count: null },
      { cell_type: 'markdown', metadata: {}, source: ['a', 7] },
      { cell_type: 'markdown', metadata: {} },
      { cell_type: 'code', metadata: { tags: 'parameters' }, source: '', outputs: [{ output_type: 'stream', name: 'stdout', text: 5 }, 'x'], execution_count: 1.5 },
    ]));
    assert.deepEqual(error.problems, [
      { path: '$.cells[1].cell_type', message: 'must be one of "code", "markdown", "raw" (got "heading")' },
      { path: '$.cells[2].source', message: 'must be a string or an array of strings, one per line (got 42)' },
      { path: '$.cells[3].source[1]', message: 'must be a string (got 7)' },
      { path: '$.cells[4]', message: 'missing required field "source"' },
      { path: '$.cells[5].metadata.tags', message: 'must be an array of strings (got "parameters")' },
      { path: '$.cells[5].execution_count', message: 'must be a whole number ≥ 0 or null (got 1.5)' },
      { path: '$.cells[5].outputs[0].text', message: 'must be a string or an array of strings, one per line (got 5)' },
      { path: '$.cells[5].outputs[1]', message: 'must be an output object with "output_type" (got "x")' },
    ]);
    assert.match(error.message, /\(8 problems\)/);
  });
});

describe('round trip of generated notebooks', () => {
  it('300 generated notebooks (odd keys, orders, ids, texts and outputs) come back byte for byte', () => {
    const make = generator(20240601);
    let checked = 0;
    for (let n = 0; n < 300; n++) {
      const nb = make();
      // The generator can make what the format rejects (duplicate ids): those are not .bmnb files.
      if (validateNotebook(nb).length > 0) continue;
      const expected = serializeNotebook(nb);
      assert.equal(roundTrip(nb), expected, `notebook ${n}`);
      assert.equal(roundTrip(nb, fakeFallbacks(nb)), expected, `notebook ${n} with fallbacks`);
      checked++;
    }
    assert.ok(checked > 250, `only ${checked} generated notebooks were valid`);
  });
});
