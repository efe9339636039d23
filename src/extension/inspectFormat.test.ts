import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ValueInfo } from '../protocol';
import { codeSpan, describeValue, escapeMarkdown, formatBytes, memoryText, shapeHintLabel, shapeHintTooltip, valueMarkdown } from './inspectFormat';

const xTrain: ValueInfo = {
  name: 'xTrain',
  kind: 'tensor',
  type: 'Tensor',
  preview: 'Tensor float32 [60000, 28, 28, 1] · 179.44 MB · wasm',
  bytes: 60000 * 28 * 28 * 4,
  tensor: { dtype: 'float32', shape: [60000, 28, 28, 1], size: 60000 * 784, backend: 'wasm', stats: { min: 0, max: 1, mean: 0.13066, nan: 0, inf: 2 } },
};

const model: ValueInfo = {
  name: 'model',
  kind: 'model',
  type: 'Sequential',
  preview: 'Sequential',
  bytes: 490280,
  model: { className: 'Sequential', inputShapes: [[null, 28, 28, 1]], outputShapes: [[null, 10]], layers: 8, params: 122570, trainable: 122570 },
};

/** What a Markdown viewer shows: code spans and escapes undone, paragraphs as lines. */
function shown(md: string): string {
  return md
    .replace(/(`+) ?(.*?) ?\1/g, '$2')
    .replace(/\\(.)/g, '$1')
    .replace(/\n\n/g, '\n');
}

describe('hover and variables view text', () => {
  test('a tensor: signature, size and backend, then min / max / mean and NaN/Inf', () => {
    const text = shown(valueMarkdown(xTrain));
    assert.equal(text.split('\n')[0], 'xTrain: Tensor float32 [60000, 28, 28, 1] · 179.4 MB · wasm');
    assert.match(text, /min 0 · max 1 · mean 0\.1307/);
    assert.match(text, /NaN 0 · Inf 2 ⚠/);
    assert.equal(describeValue(xTrain), 'Tensor float32 [60000, 28, 28, 1] · 179.4 MB');
  });

  test('a disposed tensor, and one too large to summarise', () => {
    const disposed = { ...xTrain, tensor: { ...xTrain.tensor!, stats: undefined, disposed: true } };
    assert.match(shown(valueMarkdown(disposed)), /disposed/);
    assert.equal(describeValue(disposed), 'Tensor float32 [60000, 28, 28, 1] · disposed');
    const big = { ...xTrain, tensor: { ...xTrain.tensor!, stats: undefined } };
    assert.match(shown(valueMarkdown(big)), /47,040,000 values: too many to summarise/);
  });

  test('a model: input and output shapes, layers, params', () => {
    const text = shown(valueMarkdown(model));
    assert.match(text, /^model: Sequential · 478\.8 KB/);
    assert.match(text, /input \[null, 28, 28, 1\] → output \[null, 10\]/);
    assert.match(text, /8 layers · 122,570 params \(122,570 trainable\)/);
    assert.equal(describeValue(model), 'Sequential · 122,570 params · 478.8 KB');
  });

  test('an array: length, element type, shape', () => {
    const a: ValueInfo = { name: 'xs', kind: 'array', type: 'number[][]', preview: '[[1, 2], [3, 4], [5, 6]]', array: { length: 3, elementType: 'number[]', shape: [3, 2] } };
    assert.match(shown(valueMarkdown(a)), /length 3 · elements number\[\] · shape \[3, 2\]/);
    assert.equal(describeValue(a), 'number[][] · length 3 · [3, 2]');
  });

  test('anything else: type and a one-line preview', () => {
    const s: ValueInfo = { name: 'greeting', kind: 'string', type: 'string', preview: '"hello\nworld"', bytes: 22 };
    const md = valueMarkdown(s);
    assert.ok(!/\n[^\n]/.test(md.replace(/\n\n/g, '')), 'one line per paragraph');
    assert.equal(describeValue(s), 'string · "hello ⏎ world" · 22 B');
  });

  test('user strings cannot inject Markdown: links, images, HTML, code-span breakouts', () => {
    const evil: ValueInfo = { name: 'x', kind: 'string', type: 'string', preview: '`` [click](command:workbench.action.quit) ![i](http://x/y.png) <img src=x onerror=alert(1)>' };
    const md = valueMarkdown(evil);
    // The whole preview sits in one code span whose fence is longer than any backtick run inside.
    assert.ok(md.includes('``` `` [click](command:workbench.action.quit)'), md);
    assert.equal(codeSpan('a`b'), '``a`b``');
    assert.equal(codeSpan('`a'), '`` `a ``');
    assert.equal(escapeMarkdown('[a](b) <i>*'), '\\[a\\]\\(b\\) \\<i\\>\\*');
  });

  test('memory per cell', () => {
    assert.equal(memoryText({ tensors: 3, bytes: 4.1 * 1024 * 1024 }), '+3 tensors · +4.1 MB');
    assert.equal(memoryText({ tensors: 1, bytes: 400 }), '+1 tensor · +400 B');
    assert.equal(memoryText({ tensors: -2, bytes: -2048 }), '-2 tensors · -2.0 KB');
    assert.equal(memoryText({ tensors: 0, bytes: 0 }), 'no new tensors');
    assert.equal(formatBytes(1.5 * 1024 ** 3), '1.50 GB');
  });

  test('shape hints', () => {
    const b = { name: 'xTrain', line: 0, dtype: 'float32', shape: [60000, 28, 28, 1] };
    assert.equal(shapeHintLabel([b]), '▸ [60000, 28, 28, 1]');
    assert.equal(shapeHintTooltip([b]), 'xTrain: Tensor float32 [60000, 28, 28, 1]');
    assert.equal(shapeHintLabel([b, { name: 'y', line: 0, dtype: 'int32', shape: [] }]), '▸ xTrain [60000, 28, 28, 1] · y []');
  });
});
