import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  emptyNotebook,
  type FormatProblem,
  linesToSource,
  newCellId,
  type NotebookFile,
  NotebookFormatError,
  parseNotebook,
  serializeNotebook,
  sourceToLines,
  validateNotebook,
} from './index';
import { jsonSyntaxProblem } from './jsonError';

const FIXTURE = join(__dirname, '..', '..', 'test', 'fixtures', 'format', 'example.bmnb');

/** A 1×1 transparent PNG, base64. */
const PNG_1X1 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

/** A valid cell; `extra` overrides or adds fields. */
function cell(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: 'c0', kind: 'code', language: 'typescript', source: ['x'], ...extra };
}

/** Notebook text with the given cells. */
function notebookText(cells: unknown[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ bmnb: 1, metadata: {}, cells, ...extra }, null, 2);
}

/** Parses `text`, expecting a NotebookFormatError, and returns it. */
function parseError(text: string): NotebookFormatError {
  try {
    parseNotebook(text);
  } catch (error) {
    assert.ok(error instanceof NotebookFormatError, `expected NotebookFormatError, got ${String(error)}`);
    assert.ok(error instanceof Error);
    return error;
  }
  assert.fail('parseNotebook accepted invalid text');
}

/** Asserts that `problems` contains one with `path` whose message matches `message`. */
function assertProblem(problems: FormatProblem[], path: string, message: RegExp | string): void {
  const atPath = problems.filter((p) => p.path === path);
  assert.ok(atPath.length > 0, `no problem at ${path}; got ${JSON.stringify(problems)}`);
  const matches = atPath.some((p) => (typeof message === 'string' ? p.message === message : message.test(p.message)));
  assert.ok(matches, `problem at ${path} does not match ${String(message)}; got ${JSON.stringify(atPath)}`);
}

describe('round trip: open and save with no edit gives the same bytes', () => {
  it('keeps the example fixture of docs/architecture.md byte for byte and reads its fields', () => {
    const text = readFileSync(FIXTURE, 'utf8');
    const nb = parseNotebook(text);
    assert.equal(nb.metadata.title, '…');
    assert.equal(nb.metadata.backend, 'auto');
    assert.equal(nb.cells.length, 1);
    const [c] = nb.cells;
    assert.equal(c.id, 'k3f9');
    assert.equal(linesToSource(c.source), 'const x = tf.ones([2, 3]);\nx');
    assert.deepEqual(c.metadata?.tags, ['parameters']);
    assert.deepEqual(c.outputs, [{ items: [{ mime: 'text/plain', data: 'Tensor …' }] }]);
    assert.deepEqual(c.execution, { order: 3, success: true, durationMs: 12 });
    assert.equal(serializeNotebook(nb), text);
  });

  it('keeps multi-line sources, Chinese text, emoji, JSON outputs and PNG outputs', () => {
    const nb: NotebookFile = {
      bmnb: 1,
      metadata: { title: '张量入门 🚀', backend: 'wasm' },
      cells: [
        {
          id: 'md000001',
          kind: 'markdown',
          language: 'markdown',
          source: sourceToLines('# 标题\n\n一些 *文字* — “quotes” \\ "escaped"\n'),
        },
        {
          id: 'code0001',
          kind: 'code',
          language: 'javascript',
          source: sourceToLines('const t = tf.tensor([1, 2, 3]);\n\n// 注释\nt.print();'),
          outputs: [
            {
              items: [
                {
                  mime: 'application/vnd.bmnb.tensor+json',
                  data: { dtype: 'float32', shape: [3], values: [1, 2, 3], stats: { min: 1, max: 3 } },
                },
                { mime: 'text/plain', data: 'Tensor\n    [1, 2, 3]' },
              ],
            },
            { items: [{ mime: 'image/png', data: PNG_1X1 }], metadata: { width: 1, height: 1 } },
            { items: [{ mime: 'application/json', data: [null, true, 1.5, 'ü'] }] },
          ],
          execution: { order: 1, success: true, durationMs: 0.25 },
        },
      ],
    };
    const text = serializeNotebook(nb);
    assert.ok(text.includes('张量入门 🚀'), 'unicode is written as is, not escaped');
    const back = parseNotebook(text);
    assert.deepEqual(back, nb);
    assert.equal(serializeNotebook(back), text);
    assert.equal(back.cells[1].outputs?.[1].items[0].data, PNG_1X1);
  });

  it('keeps an empty notebook and writes it in the documented layout', () => {
    const text = serializeNotebook(emptyNotebook());
    assert.equal(text, '{\n  "bmnb": 1,\n  "metadata": {},\n  "cells": []\n}\n');
    assert.equal(serializeNotebook(parseNotebook(text)), text);
    assert.equal(
      serializeNotebook(emptyNotebook('Demo')),
      '{\n  "bmnb": 1,\n  "metadata": {\n    "title": "Demo"\n  },\n  "cells": []\n}\n',
    );
  });

  it('keeps Windows line endings inside source lines', () => {
    const nb = emptyNotebook();
    nb.cells.push({ id: 'crlf0001', kind: 'code', language: 'typescript', source: sourceToLines('a\r\nb\r\n') });
    const text = serializeNotebook(nb);
    const back = parseNotebook(text);
    assert.equal(linesToSource(back.cells[0].source), 'a\r\nb\r\n');
    assert.equal(serializeNotebook(back), text);
  });

  it('keeps unknown fields at every level', () => {
    const text = notebookText(
      [
        cell({
          metadata: { tags: ['t'], vscode: { collapsed: true } },
          outputs: [
            {
              items: [{ mime: 'text/plain', data: 'hi', encoding: 'utf8' }],
              metadata: { transient: false },
              outputId: 'o1',
            },
          ],
          execution: { order: 2, startedAt: '2024-01-01T00:00:00Z' },
          collapsed: true,
        }),
      ],
      { metadata: { title: 'T', author: { name: 'Ada', email: 'ada@example.com' } }, generator: 'future bmnb' },
    );
    const nb = parseNotebook(text);
    assert.equal(nb.generator, 'future bmnb');
    assert.deepEqual(nb.metadata.author, { name: 'Ada', email: 'ada@example.com' });
    const c = nb.cells[0];
    assert.equal(c.collapsed, true);
    assert.deepEqual(c.metadata?.vscode, { collapsed: true });
    assert.equal(c.outputs?.[0].outputId, 'o1');
    assert.deepEqual(c.outputs?.[0].metadata, { transient: false });
    assert.equal(c.outputs?.[0].items[0].encoding, 'utf8');
    assert.equal(c.execution?.startedAt, '2024-01-01T00:00:00Z');

    const saved = serializeNotebook(nb);
    assert.deepEqual(JSON.parse(saved), JSON.parse(text));
    assert.equal(serializeNotebook(parseNotebook(saved)), saved);
  });

  it('accepts a leading UTF-8 byte order mark and writes the file without it', () => {
    const text = readFileSync(FIXTURE, 'utf8');
    const nb = parseNotebook(`\uFEFF${text}`);
    assert.equal(nb.cells[0].id, 'k3f9');
    assert.equal(serializeNotebook(nb), text);
  });

  it('fills in missing notebook metadata as {}', () => {
    const nb = parseNotebook('{"bmnb": 1, "cells": []}');
    assert.deepEqual(nb.metadata, {});
    assert.equal(serializeNotebook(nb), serializeNotebook(emptyNotebook()));
  });
});

describe('serializeNotebook: stable layout', () => {
  it('puts documented keys in documented order, then unknown keys in their order', () => {
    const scrambled = {
      zeta: 1,
      cells: [
        {
          execution: { durationMs: 5, extra: 'e', success: false, order: 7 },
          custom: { b: 1, a: 2 },
          outputs: [{ outputId: 'x', metadata: { z: 1, a: 2 }, items: [{ data: 'd', mime: 'text/plain' }] }],
          metadata: { z: 1, tags: ['a'] },
          source: ['y'],
          language: 'typescript',
          kind: 'code',
          id: 'abc',
        },
      ],
      alpha: 2,
      metadata: { other: true, backend: 'cpu', title: 'T' },
      bmnb: 1,
    };
    const expected = {
      bmnb: 1,
      metadata: { title: 'T', backend: 'cpu', other: true },
      cells: [
        {
          id: 'abc',
          kind: 'code',
          language: 'typescript',
          source: ['y'],
          metadata: { z: 1, tags: ['a'] },
          outputs: [{ items: [{ mime: 'text/plain', data: 'd' }], metadata: { z: 1, a: 2 }, outputId: 'x' }],
          execution: { order: 7, success: false, durationMs: 5, extra: 'e' },
          custom: { b: 1, a: 2 },
        },
      ],
      zeta: 1,
      alpha: 2,
    };
    const text = serializeNotebook(parseNotebook(JSON.stringify(scrambled)));
    assert.equal(text, `${JSON.stringify(expected, null, 2)}\n`);
    assert.equal(serializeNotebook(parseNotebook(text)), text);
  });

  it('does not change the notebook it writes', () => {
    const nb = parseNotebook(JSON.stringify({ cells: [cell({ z: 1, execution: { success: true, order: 1 } })], bmnb: 1 }));
    const before = structuredClone(nb);
    const keysBefore = Object.keys(nb);
    const cellKeysBefore = Object.keys(nb.cells[0]);
    serializeNotebook(nb);
    assert.deepEqual(nb, before);
    assert.deepEqual(Object.keys(nb), keysBefore);
    assert.deepEqual(Object.keys(nb.cells[0]), cellKeysBefore);
  });

  it('leaves out optional fields set to undefined', () => {
    const nb = emptyNotebook();
    nb.cells.push({ id: 'u1', kind: 'code', language: 'typescript', source: [], outputs: undefined, execution: undefined });
    const text = serializeNotebook(nb);
    assert.ok(!text.includes('outputs') && !text.includes('execution'));
    assert.equal(serializeNotebook(parseNotebook(text)), text);
  });
});

describe('parseNotebook: text that is not JSON', () => {
  it('names the line and column where the JSON breaks', () => {
    const error = parseError('{\n  "bmnb": 1,\n  "cells": [],\n  "metadata": {"title": "x",}\n}\n');
    assert.equal(error.problems.length, 1);
    assert.equal(error.problems[0].path, '$');
    assert.match(error.problems[0].message, /^not valid JSON at line 4, column 29: /);
    assert.match(error.message, /\$: not valid JSON at line 4, column 29/);
    assert.match(error.message, /Fix the file in a text editor; it was not changed\.$/);
  });

  it('finds the line of a trailing comma in an array, where V8 gives no position', () => {
    const error = parseError('{\n  "bmnb": 1,\n  "cells": [\n    1,\n  ]\n}\n');
    assert.match(error.problems[0].message, /^not valid JSON at line 5, column 3: unexpected token '\]'$/);
  });

  it('says where a truncated file ends', () => {
    const error = parseError('{\n  "bmnb": 1,\n  "cells": [');
    assert.match(error.problems[0].message, /^not valid JSON at line 3, column 13: /);
  });

  it('says the file is empty', () => {
    assert.equal(parseError('').problems[0].message, 'not valid JSON: the file is empty');
    assert.equal(parseError('\uFEFF\n').problems[0].message, 'not valid JSON: the file is empty');
  });

  it('understands newer Node messages with (line L column C) and omits the place when none is given', () => {
    const newer = jsonSyntaxProblem(
      '{\n  "a" 1\n}',
      new SyntaxError("Expected ':' after property name in JSON at position 8 (line 2 column 7)"),
    );
    assert.deepEqual(newer, { path: '$', message: "not valid JSON at line 2, column 7: expected ':' after property name" });
    const none = jsonSyntaxProblem('{"a"}', new SyntaxError('Something odd happened'));
    assert.deepEqual(none, { path: '$', message: 'not valid JSON: something odd happened' });
  });
});

describe('parseNotebook: files that are not bmnb v1', () => {
  it('rejects a newer version and says to update bmnb, without other noise', () => {
    const error = parseError(JSON.stringify({ bmnb: 2, cells: 'whatever' }));
    assert.deepEqual(error.problems.map((p) => p.path), ['$.bmnb']);
    assert.match(error.problems[0].message, /unsupported version 2; this build of bmnb reads version 1\. Update bmnb/);
    assert.match(error.message, /The file was not changed\.$/);
  });

  it('rejects a bmnb field that is not the number 1', () => {
    const error = parseError(JSON.stringify({ bmnb: '1', cells: [] }));
    assertProblem(error.problems, '$.bmnb', 'must be the number 1 (got "1")');
  });

  it('says a file without "bmnb" is not a bmnb notebook, and spots Jupyter notebooks', () => {
    assertProblem(parseError('{"cells": []}').problems, '$', /missing required field "bmnb"; this is not a bmnb notebook/);
    assertProblem(parseError('{"nbformat": 4, "cells": []}').problems, '$', /Jupyter \.ipynb/);
  });

  it('rejects JSON that is not an object', () => {
    assertProblem(parseError('[1, 2]').problems, '$', /must be a JSON object .* \(got an array\)/);
    assertProblem(parseError('"bmnb"').problems, '$', /got "bmnb"/);
  });

  it('requires cells', () => {
    assertProblem(parseError('{"bmnb": 1}').problems, '$', 'missing required field "cells"');
    assertProblem(parseError('{"bmnb": 1, "cells": {}}').problems, '$.cells', 'must be an array of cells (got an object)');
  });

  it('rejects metadata that is not an object', () => {
    assertProblem(parseError('{"bmnb": 1, "metadata": [], "cells": []}').problems, '$.metadata', /must be an object/);
  });
});

describe('parseNotebook: bad cells name the JSON path', () => {
  it('reports a cell without source at $.cells[1]', () => {
    const error = parseError(notebookText([cell({ id: 'a' }), { id: 'b', kind: 'code', language: 'typescript' }]));
    assert.deepEqual(error.problems, [{ path: '$.cells[1]', message: 'missing required field "source"' }]);
    assert.match(error.message, /^This is not a valid bmnb notebook:\n {2}\$\.cells\[1\]: missing required field "source"\n/);
  });

  it('reports an unknown kind with the allowed values', () => {
    const cells = [cell({ id: 'a' }), cell({ id: 'b' }), cell({ id: 'c' }), cell({ id: 'd', kind: 'raw' })];
    assertProblem(parseError(notebookText(cells)).problems, '$.cells[3].kind', 'must be one of "code", "markdown" (got "raw")');
  });

  it('reports an unknown language with the allowed values', () => {
    assertProblem(
      parseError(notebookText([cell({ language: 'python' })])).problems,
      '$.cells[0].language',
      'must be one of "typescript", "javascript", "markdown" (got "python")',
    );
  });

  it('reports source given as one string', () => {
    assertProblem(
      parseError(notebookText([cell({ source: 'const x = 1;\nx' })])).problems,
      '$.cells[0].source',
      /^must be an array of strings, one per line \(got "const x = 1;\\nx"\)$/,
    );
  });

  it('reports the exact source line that is not a string', () => {
    assertProblem(
      parseError(notebookText([cell({ source: ['a\n', 5, 'c'] })])).problems,
      '$.cells[0].source[1]',
      'must be a string (got 5)',
    );
  });

  it('reports a duplicate id at the second cell and names the first', () => {
    const error = parseError(notebookText([cell({ id: 'same' }), cell({ id: 'other' }), cell({ id: 'same' })]));
    assert.deepEqual(error.problems, [
      { path: '$.cells[2].id', message: 'duplicate id "same" (also used by $.cells[0]); cell ids must be unique' },
    ]);
  });

  it('reports missing and empty ids', () => {
    assertProblem(parseError(notebookText([{ kind: 'code', language: 'typescript', source: [] }])).problems, '$.cells[0]', 'missing required field "id"');
    assertProblem(parseError(notebookText([cell({ id: '' })])).problems, '$.cells[0].id', 'must be a non-empty string (got "")');
  });

  it('reports tags that are not strings', () => {
    assertProblem(
      parseError(notebookText([cell({ metadata: { tags: ['parameters', 3] } })])).problems,
      '$.cells[0].metadata.tags[1]',
      'must be a string (got 3)',
    );
    assertProblem(
      parseError(notebookText([cell({ metadata: { tags: 'parameters' } })])).problems,
      '$.cells[0].metadata.tags',
      'must be an array of strings (got "parameters")',
    );
  });

  it('reports a cell that is not an object', () => {
    assertProblem(parseError(notebookText([cell(), 'oops'])).problems, '$.cells[1]', /must be a cell object .* \(got "oops"\)/);
  });

  it('reports bad outputs down to the item', () => {
    const problems = parseError(
      notebookText([cell({ outputs: [{ items: [{ mime: 'text/plain' }, { data: 1 }] }, { data: 'x' }, 'x'] })]),
    ).problems;
    assertProblem(problems, '$.cells[0].outputs[0].items[0]', 'missing required field "data"');
    assertProblem(problems, '$.cells[0].outputs[0].items[1]', 'missing required field "mime"');
    assertProblem(problems, '$.cells[0].outputs[1]', 'missing required field "items"');
    assertProblem(problems, '$.cells[0].outputs[2]', /must be an output object/);
  });

  it('accepts any JSON value as output data, including null', () => {
    const text = notebookText([cell({ outputs: [{ items: [{ mime: 'application/json', data: null }] }] })]);
    assert.equal(parseNotebook(text).cells[0].outputs?.[0].items[0].data, null);
  });

  it('reports bad execution values and accepts a null order', () => {
    const problems = parseError(
      notebookText([cell({ execution: { order: -1, success: 'yes', durationMs: -2 } }), cell({ id: 'b', execution: { order: 1.5 } })]),
    ).problems;
    assertProblem(problems, '$.cells[0].execution.order', 'must be a whole number ≥ 0 or null (got -1)');
    assertProblem(problems, '$.cells[0].execution.success', 'must be true or false (got "yes")');
    assertProblem(problems, '$.cells[0].execution.durationMs', 'must be a number ≥ 0 (got -2)');
    assertProblem(problems, '$.cells[1].execution.order', 'must be a whole number ≥ 0 or null (got 1.5)');
    const ok = parseNotebook(notebookText([cell({ execution: { order: null } })]));
    assert.equal(ok.cells[0].execution?.order, null);
  });

  it('reports every problem once, and lists at most 10 in the message', () => {
    const cells = Array.from({ length: 13 }, (_, i) => cell({ id: `c${i}`, kind: 'raw' }));
    const error = parseError(notebookText(cells));
    assert.equal(error.problems.length, 13);
    assert.equal(new Set(error.problems.map((p) => `${p.path} ${p.message}`)).size, 13);
    assert.match(error.message, /^This is not a valid bmnb notebook \(13 problems\):/);
    assert.match(error.message, /\$\.cells\[9\]\.kind/);
    assert.doesNotMatch(error.message, /\$\.cells\[10\]\.kind/);
    assert.match(error.message, /…and 3 more\nFix the file in a text editor; it was not changed\.$/);
  });

  it('reports problems of different cells together', () => {
    const problems = parseError(notebookText([cell({ kind: 'raw' }), { id: 'b', kind: 'code', language: 'typescript' }])).problems;
    assert.deepEqual(
      problems.map((p) => p.path),
      ['$.cells[0].kind', '$.cells[1]'],
    );
  });
});

describe('validateNotebook', () => {
  it('returns no problems for valid notebooks', () => {
    assert.deepEqual(validateNotebook(JSON.parse(readFileSync(FIXTURE, 'utf8'))), []);
    assert.deepEqual(validateNotebook(emptyNotebook('x')), []);
    assert.deepEqual(validateNotebook({ bmnb: 1, cells: [] }), []);
  });

  it('reports a kind of the wrong type with the allowed values', () => {
    const problems = validateNotebook({ bmnb: 1, cells: [cell({ kind: 1 })] });
    assert.deepEqual(problems, [{ path: '$.cells[0].kind', message: 'must be one of "code", "markdown" (got 1)' }]);
  });
});

describe('source lines', () => {
  it('splits text into lines that keep their line ends, except the last', () => {
    assert.deepEqual(sourceToLines(''), []);
    assert.deepEqual(sourceToLines('x'), ['x']);
    assert.deepEqual(sourceToLines('const x = 1;\nx'), ['const x = 1;\n', 'x']);
    assert.deepEqual(sourceToLines('a\n'), ['a\n']);
    assert.deepEqual(sourceToLines('a\n\nb'), ['a\n', '\n', 'b']);
    assert.deepEqual(sourceToLines('a\r\nb\r\n'), ['a\r\n', 'b\r\n']);
    assert.deepEqual(sourceToLines('\n'), ['\n']);
  });

  it('joins lines back to the same text', () => {
    for (const text of ['', 'x', 'a\nb', 'a\n', '\n\n', 'a\r\nb', '中文\n🚀\n', ' \t\n x ']) {
      assert.equal(linesToSource(sourceToLines(text)), text);
    }
    assert.equal(linesToSource(['const x = 1;\n', 'x']), 'const x = 1;\nx');
  });
});

describe('newCellId', () => {
  it('makes 8-character base-36 ids', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const id = newCellId(ids);
      assert.match(id, /^[0-9a-z]{8}$/);
      assert.ok(!ids.has(id));
      ids.add(id);
    }
  });

  it('never returns an id already in use', (t) => {
    const values = [...Array(8).fill(0), ...Array(8).fill(0.5)];
    t.mock.method(Math, 'random', () => values.shift() ?? 0.9);
    assert.equal(newCellId(new Set(['00000000'])), 'iiiiiiii');
  });
});
