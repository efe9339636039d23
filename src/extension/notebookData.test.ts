/**
 * The serializer's mapping, in memory and table-driven (as VS Code's own ipynb serializer tests
 * are): `.bmnb` cells → NotebookData cells, edited NotebookData → `.bmnb` cells, the execution
 * record, outputs of every storage kind, unknown fields, and byte-identical round trips of every
 * notebook in the repository.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseNotebook, type NotebookCell, type NotebookFile } from '../format';
import { cellId, KEY, notebookBackend, storedMemory, withNotebookBackend, withStoredMemory } from './metadata';
import { executionRecord, fromNotebookData, toNotebookData, type PlainCell, type PlainExecutionSummary, type PlainNotebook } from './notebookData';

const ROOT = join(__dirname, '..', '..');
const encode = (s: string) => new TextEncoder().encode(s);
const decode = (b: Uint8Array) => new TextDecoder().decode(b);

function file(cells: Partial<NotebookCell>[], extra: Partial<NotebookFile> = {}): string {
  const full = cells.map((c, i) => ({ id: `c${i}`, kind: 'code', language: 'typescript', source: [], ...c }));
  return `${JSON.stringify({ bmnb: 1, metadata: {}, cells: full, ...extra }, null, 2)}\n`;
}

/** The cells of `data` written and read back as the file's cells. */
function written(data: PlainNotebook): NotebookCell[] {
  return parseNotebook(fromNotebookData(data)).cells;
}

describe('.bmnb cell → NotebookData cell', () => {
  const cases: { name: string; cell: Partial<NotebookCell>; expect: Partial<Omit<PlainCell, 'outputs'>> & { outputs?: { mime: string; text: string }[][] } }[] = [
    { name: 'TypeScript code, lines joined', cell: { source: ['const x = 1;\n', 'x'] }, expect: { kind: 'code', value: 'const x = 1;\nx', languageId: 'typescript' } },
    { name: 'JavaScript code', cell: { language: 'javascript', source: ['1'] }, expect: { kind: 'code', languageId: 'javascript' } },
    { name: 'markdown', cell: { kind: 'markdown', language: 'markdown', source: ['# Title\n', 'text'] }, expect: { kind: 'markup', value: '# Title\ntext', languageId: 'markdown' } },
    { name: 'an empty cell', cell: { source: [] }, expect: { value: '' } },
    {
      name: 'an execution record becomes the summary',
      cell: { execution: { order: 3, success: false, durationMs: 12 } },
      expect: { executionSummary: { executionOrder: 3, success: false } },
    },
    { name: 'a record with only a duration gives no summary', cell: { execution: { durationMs: 12 } }, expect: { executionSummary: undefined } },
    { name: 'order null (never run in this session) gives no order', cell: { execution: { order: null, success: true } }, expect: { executionSummary: { executionOrder: undefined, success: true } } },
    {
      name: 'outputs of each storage kind become bytes: text, JSON, base64',
      cell: {
        outputs: [
          { items: [{ mime: 'application/vnd.bmnb.tensor+json', data: { shape: [2] } }, { mime: 'text/plain', data: 'Tensor [1, 2]' }] },
          { items: [{ mime: 'application/vnd.code.notebook.stdout', data: 'hi\n' }] },
          { items: [{ mime: 'image/png', data: Buffer.from('PNG!').toString('base64') }] },
        ],
      },
      expect: { outputs: [[{ mime: 'application/vnd.bmnb.tensor+json', text: '{"shape":[2]}' }, { mime: 'text/plain', text: 'Tensor [1, 2]' }], [{ mime: 'application/vnd.code.notebook.stdout', text: 'hi\n' }], [{ mime: 'image/png', text: 'PNG!' }]] },
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const [cell] = toNotebookData(file([c.cell])).cells;
      for (const key of ['kind', 'value', 'languageId'] as const) if (key in c.expect) assert.equal(cell![key], c.expect[key], key);
      if ('executionSummary' in c.expect) assert.deepEqual(cell!.executionSummary, c.expect.executionSummary);
      if (c.expect.outputs) {
        const got = cell!.outputs!.map((o) => o.items.map((i) => ({ mime: i.mime, text: i.mime.endsWith('+json') ? JSON.stringify(JSON.parse(decode(i.data))) : decode(i.data) })));
        assert.deepEqual(got, c.expect.outputs);
      }
      assert.equal(cellId(cell!.metadata), 'c0', 'the id travels in the metadata');
    });
  }
});

describe('NotebookData cell → .bmnb cell', () => {
  const base = toNotebookData(file([{ id: 'keep', source: ['1'], execution: { order: 2, success: true, durationMs: 5, memory: { tensors: 3, bytes: 12 } } }]));
  const kept = base.cells[0]!;
  const cases: { name: string; cells: PlainCell[]; expect: Partial<NotebookCell>[] }[] = [
    { name: 'a new code cell gets an id and its language', cells: [{ kind: 'code', value: 'let a = 1', languageId: 'javascript' }], expect: [{ kind: 'code', language: 'javascript', source: ['let a = 1'] }] },
    { name: 'a cell in another language is written as TypeScript', cells: [{ kind: 'code', value: 'x', languageId: 'python' }], expect: [{ language: 'typescript' }] },
    { name: 'markup is markdown, without outputs or record', cells: [{ kind: 'markup', value: '*hi*\n', languageId: 'markdown', executionSummary: { executionOrder: 1 } }], expect: [{ kind: 'markdown', language: 'markdown', source: ['*hi*\n'], outputs: undefined, execution: undefined }] },
    { name: 'a cell keeps its id and its record while the summary agrees', cells: [kept], expect: [{ id: 'keep', execution: { order: 2, success: true, durationMs: 5, memory: { tensors: 3, bytes: 12 } } }] },
    { name: 'a copy of a cell gets an id of its own', cells: [kept, { ...kept }], expect: [{ id: 'keep' }, { id: undefined }] },
    {
      name: 'a new run: order, success and duration from the summary; memory kept',
      cells: [{ ...kept, executionSummary: { executionOrder: 7, success: false, timing: { startTime: 1000, endTime: 1250.4 } } }],
      expect: [{ execution: { order: 7, success: false, durationMs: 250, memory: { tensors: 3, bytes: 12 } } }],
    },
    { name: 'outputs cleared: the cell keeps an empty list', cells: [{ ...toNotebookData(file([{ outputs: [{ items: [{ mime: 'text/plain', data: 'x' }] }] }])).cells[0]!, outputs: [] }], expect: [{ outputs: [] }] },
    { name: 'a cell that never had outputs gets none', cells: [{ kind: 'code', value: '1', languageId: 'typescript', outputs: [] }], expect: [{ outputs: undefined }] },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const cells = written({ cells: c.cells, metadata: base.metadata });
      assert.equal(cells.length, c.expect.length);
      c.expect.forEach((e, i) => {
        for (const [key, value] of Object.entries(e)) {
          if (key === 'id' && value === undefined) assert.match(cells[i]!.id, /^\S+$/, 'an id');
          else assert.deepEqual(cells[i]![key], value, `cell ${i} ${key}`);
        }
      });
      assert.equal(new Set(cells.map((cell) => cell.id)).size, cells.length, 'ids are unique');
    });
  }
});

describe('the execution record', () => {
  const kept = { order: 4, success: true, durationMs: 9, memory: { tensors: 1, bytes: 4 } };
  const cases: [string, PlainExecutionSummary | undefined, typeof kept | undefined, unknown][] = [
    ['no summary: the record read stays', undefined, kept, kept],
    ['an empty summary: the record read stays', {}, kept, kept],
    ['the same order and success: the record read stays (duration and memory too)', { executionOrder: 4, success: true }, kept, kept],
    ['success unknown (a run in progress): no success', { executionOrder: 5 }, kept, { order: 5, durationMs: 9, memory: kept.memory }],
    ['a first run', { executionOrder: 1, success: true, timing: { startTime: 0, endTime: 3.6 } }, undefined, { order: 1, success: true, durationMs: 4 }],
    ['a clock that went backwards: duration 0', { executionOrder: 1, success: true, timing: { startTime: 10, endTime: 5 } }, undefined, { order: 1, success: true, durationMs: 0 }],
  ];
  for (const [name, summary, record, expected] of cases) test(name, () => assert.deepEqual(executionRecord(summary, record), expected));
});

describe('what VS Code has no place for', () => {
  test('unknown fields of the file, a cell, an output and an item survive an edit', () => {
    const text = file(
      [{ source: ['1'], future: { a: 1 }, outputs: [{ items: [{ mime: 'text/plain', data: 'x', note: 'n' }], extra: true }] }, { kind: 'markdown', language: 'markdown', source: ['m'] }],
      { metadata: { title: 'T', backend: 'wasm', custom: [1] }, generator: 'other tool' },
    );
    const data = toNotebookData(text);
    data.cells[1]!.value = 'edited';
    const out = parseNotebook(fromNotebookData(data));
    assert.equal(out.generator, 'other tool');
    assert.deepEqual(out.metadata, { title: 'T', backend: 'wasm', custom: [1] });
    assert.deepEqual(out.cells[0]!.future, { a: 1 });
    assert.equal(out.cells[0]!.outputs![0]!.extra, true);
    assert.equal(out.cells[0]!.outputs![0]!.items[0]!.note, 'n');
    assert.deepEqual(out.cells[1]!.source, ['edited']);
  });

  test('output metadata: its own kept, an empty object kept, none stays none', () => {
    const text = file([{ outputs: [{ items: [{ mime: 'text/plain', data: 'a' }], metadata: { scroll: true } }, { items: [{ mime: 'text/plain', data: 'b' }], metadata: {} }, { items: [{ mime: 'text/plain', data: 'c' }] }] }]);
    const outputs = parseNotebook(fromNotebookData(toNotebookData(text))).cells[0]!.outputs!;
    assert.deepEqual(outputs.map((o) => o.metadata), [{ scroll: true }, {}, undefined]);
  });

  test("the notebook's backend and a cell's memory record are read and written through metadata.ts", () => {
    const data = toNotebookData(file([{ source: ['1'], execution: { order: 1, success: true } }], { metadata: { backend: 'auto' } }));
    assert.equal(notebookBackend(data.metadata), undefined, "'auto' is no backend of the notebook's own");
    data.metadata = withNotebookBackend(data.metadata, 'cpu');
    assert.equal(notebookBackend(data.metadata), 'cpu');
    const cell = data.cells[0]!;
    assert.equal(storedMemory(cell.metadata), undefined);
    cell.metadata = withStoredMemory(cell.metadata, { tensors: -2, bytes: -80 });
    assert.deepEqual(storedMemory(cell.metadata), { tensors: -2, bytes: -80 });
    const out = parseNotebook(fromNotebookData(data));
    assert.equal(out.metadata.backend, 'cpu');
    assert.deepEqual(out.cells[0]!.execution, { order: 1, success: true, memory: { tensors: -2, bytes: -80 } });
    cell.metadata = withStoredMemory(cell.metadata, undefined);
    assert.deepEqual(parseNotebook(fromNotebookData(data)).cells[0]!.execution, { order: 1, success: true });
    assert.ok(KEY in cell.metadata!, `kept under metadata.${KEY}`);
  });
});

describe('round trips', () => {
  const notebooks = [
    ...readdirSync(join(ROOT, 'samples')).filter((f) => f.endsWith('.bmnb')).map((f) => join(ROOT, 'samples', f)),
    ...readdirSync(join(ROOT, 'test', 'fixtures', 'notebooks')).map((f) => join(ROOT, 'test', 'fixtures', 'notebooks', f)),
    join(ROOT, 'test', 'fixtures', 'format', 'example.bmnb'),
  ];
  test(`open → save gives the same bytes for the ${notebooks.length} notebooks in the repository`, () => {
    assert.ok(notebooks.length >= 10);
    for (const path of notebooks) {
      const text = readFileSync(path, 'utf8');
      assert.equal(fromNotebookData(toNotebookData(text)), text, path);
    }
  });

  test('binary output data comes back as the same bytes', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const text = file([{ outputs: [{ items: [{ mime: 'image/png', data: Buffer.from(bytes).toString('base64') }] }] }]);
    const data = toNotebookData(text);
    assert.deepEqual(Array.from(data.cells[0]!.outputs![0]!.items[0]!.data), Array.from(bytes));
    assert.equal(fromNotebookData(data), text);
    assert.equal(decode(encode('x')), 'x');
  });
});
