/**
 * The Markdown export: what a README shows. A bmnb payload shows its kernel-made fallbacks (the
 * PNG written as a file and linked, the HTML table inline), never its JSON; code as ```ts / ```js
 * fences; markdown cells, math and mermaid as written; streams and errors fenced so that nothing in
 * them can end the fence.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { NotebookFile } from '../format';
import { MIME } from '../protocol';
import { exportMarkdown, fenced } from './markdown';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP4z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==';
const TABLE = '<table><thead><tr><th>min</th><th>max</th></tr></thead><tbody><tr><td>0</td><td>1</td></tr></tbody></table>';
const MARKDOWN_CELL = '## Loss\n\n$$\nJ = \\frac{1}{m}\\sum_i (y_i - \\hat{y}_i)^2\n$$\n\n```mermaid\ngraph TD\n  A --> B\n```';

function notebook(): NotebookFile {
  return {
    bmnb: 1,
    metadata: { title: 'Sample' },
    cells: [
      { id: 'm', kind: 'markdown', language: 'markdown', source: MARKDOWN_CELL.split(/(?<=\n)/) },
      {
        id: 't',
        kind: 'code',
        language: 'typescript',
        source: ['const x = tf.ones([2, 2]);\n', 'x'],
        execution: { order: 1 },
        outputs: [
          {
            items: [
              { mime: MIME.tensor, data: { version: 1, name: 'x', dtype: 'float32', shape: [2, 2], size: 4, bytes: 16, backend: 'cpu', stats: null } },
              { mime: 'text/html', data: TABLE },
              { mime: 'image/png', data: PNG },
              { mime: MIME.text, data: 'Tensor float32 [2, 2]' },
            ],
          },
          { items: [{ mime: MIME.stdout, data: 'printed ``` three backticks\n' }] },
        ],
      },
      {
        id: 'j',
        kind: 'code',
        language: 'javascript',
        source: ['model.summary()'],
        outputs: [
          { items: [{ mime: MIME.modelSummary, data: { version: 1, name: 'm', layers: [] } }, { mime: MIME.text, data: 'Model: m (no fallbacks)' }] },
          { items: [{ mime: MIME.error, data: JSON.stringify({ name: 'TypeError', message: 'x is not a function', stack: 'TypeError: x is not a function\n    at cell 3:1:1' }) }] },
        ],
      },
    ],
  };
}

describe('exportMarkdown', () => {
  test('a tensor with fallbacks: the PNG is a file in filesDir, linked; the HTML table is inline; no payload JSON', () => {
    const { markdown, files } = exportMarkdown(notebook(), { filesDir: 'sample_files' });
    assert.equal(files.length, 1);
    assert.equal(files[0]!.name, 'cell2_output1.png');
    assert.deepEqual(Buffer.from(files[0]!.bytes), Buffer.from(PNG, 'base64'), 'the PNG bytes as the kernel made them');
    assert.ok(markdown.includes('![tensor: x](sample_files/cell2_output1.png)'), markdown);
    assert.ok(markdown.includes(TABLE), 'the table inline');
    assert.ok(!markdown.includes('"version"') && !markdown.includes('Tensor float32'), 'neither the payload nor its text/plain');
  });

  test('code cells are fenced by language; markdown, math and mermaid stay as written', () => {
    const { markdown } = exportMarkdown(notebook(), { filesDir: 'f' });
    assert.ok(markdown.startsWith('# Sample\n\n'), 'the title, since the first cell is not a heading');
    assert.ok(markdown.includes(MARKDOWN_CELL), 'the markdown cell verbatim');
    assert.ok(markdown.includes('```ts\nconst x = tf.ones([2, 2]);\nx\n```'));
    assert.ok(markdown.includes('```js\nmodel.summary()\n```'));
  });

  test('a payload without fallbacks shows its text/plain; streams and errors are fenced, longer than any backticks inside', () => {
    const { markdown } = exportMarkdown(notebook(), { filesDir: 'f' });
    assert.ok(markdown.includes('```\nModel: m (no fallbacks)\n```'));
    assert.ok(markdown.includes('````\nprinted ``` three backticks\n````'), 'the stream cannot end its fence');
    assert.ok(markdown.includes('```\nTypeError: x is not a function\n    at cell 3:1:1\n```'));
  });

  test('fenced() and a filesDir with spaces', () => {
    assert.equal(fenced('a', 'ts'), '```ts\na\n```');
    assert.equal(fenced('x ```` y\n'), '`````\nx ```` y\n`````');
    const { markdown } = exportMarkdown(notebook(), { filesDir: 'my notebook_files' });
    assert.ok(markdown.includes('](my%20notebook_files/cell2_output1.png)'));
  });
});
