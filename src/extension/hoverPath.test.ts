import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pathAt } from './hoverPath';

/** The path at the first occurrence of `marker` in `line` (offset characters into it). */
function at(line: string, marker: string, offset = 0): string | undefined {
  const i = line.indexOf(marker);
  assert.ok(i >= 0, `${marker} in ${line}`);
  return pathAt(line, i + offset)?.path;
}

describe('pathAt: the name under the cursor', () => {
  test('an identifier, anywhere in it or just after it', () => {
    assert.equal(at('const y = xTrain.shape;', 'xTrain'), 'xTrain');
    assert.equal(at('const y = xTrain.shape;', 'xTrain', 3), 'xTrain');
    assert.equal(pathAt('xTrain', 6)?.path, 'xTrain');
    assert.deepEqual(pathAt('  model.layers', 9), { path: 'model.layers', start: 2, end: 14 });
  });

  test('a dotted path: what is left of the word and the word, not what follows', () => {
    const line = 'display.line(history.history.loss.slice(0))';
    assert.equal(at(line, 'loss'), 'history.history.loss');
    assert.equal(at(line, 'history.loss'), 'history.history');
    assert.equal(at(line, 'history'), 'history');
    assert.equal(at(line, 'display'), 'display');
    assert.equal(at(line, 'line'), 'display.line');
  });

  test('numeric indexes and optional chaining', () => {
    assert.equal(at('xs[0].shape', 'shape'), 'xs[0].shape');
    assert.equal(at('model?.layers[2].name', 'name'), 'model.layers[2].name');
  });

  test('nothing that would run code: calls, computed indexes, other expressions', () => {
    assert.equal(at('foo().bar', 'bar'), undefined);
    assert.equal(at('a[i].b', 'b'), undefined);
    assert.equal(at("a['k'].b", 'b'), undefined);
    assert.equal(at('(a + b).c', 'c'), undefined);
    assert.equal(at('`${x}`.length', 'length'), undefined);
    assert.equal(at('this.x', 'x'), undefined);
    assert.equal(at('new.target', 'target'), undefined);
  });

  test('an identifier inside a call or an index is looked up alone', () => {
    assert.equal(at('a[i]', 'i'), 'i');
    assert.equal(at('foo(bar.baz)', 'baz'), 'bar.baz');
    assert.equal(at('foo(x)', 'foo'), 'foo');
  });

  test('no path on keywords, numbers, punctuation or blanks', () => {
    assert.equal(at('const x = 1;', 'const'), undefined);
    assert.equal(at('const x = 123;', '123', 1), undefined);
    assert.equal(at('const x = 1e3;', 'e3'), undefined);
    assert.equal(at('x = 1 +  2', '+ '), undefined);
    assert.equal(at('await tf.nextFrame()', 'await'), undefined);
    assert.equal(pathAt('', 0), undefined);
  });

  test('private names and non-ASCII identifiers', () => {
    assert.equal(at('this.#secret', 'secret'), undefined);
    assert.equal(at('const größe = 1', 'größe'), 'größe');
    assert.equal(at('数据.长度', '长度'), '数据.长度');
  });

  test('a path too long to be a name is not sent', () => {
    const long = `${'a'.repeat(300)}.b`;
    assert.equal(pathAt(long, long.length - 1), undefined);
  });
});
