/** The check of `model.fit(x, y)` against the shapes the kernel holds. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ValueInfo } from '../protocol';
import { fitCalls, fitMismatch } from './fitCheck';

const tensor = (name: string, shape: number[]): ValueInfo => ({ name, kind: 'tensor', type: 'Tensor', preview: '', tensor: { dtype: 'float32', shape, size: shape.reduce((a, b) => a * b, 1), backend: 'wasm' } });
const model = (inputShapes: (number | null)[][], outputShapes: (number | null)[][]): ValueInfo => ({
  name: 'model',
  kind: 'model',
  type: 'Sequential',
  preview: '',
  model: { className: 'Sequential', inputShapes, outputShapes, layers: 3, params: 10, trainable: 10 },
});

describe('model.fit against the kernel\'s shapes', () => {
  test('finds fit calls with plain names, with their position', () => {
    const calls = fitCalls('const h = await model.fit(xTrain, yTrain, { epochs: 3 });\nother.fit(a,b)\nmodel.fit(tf.ones([2]), y)');
    assert.deepEqual(
      calls.map((c) => [c.model, c.x, c.y, c.line, c.character, c.endCharacter]),
      [
        ['model', 'xTrain', 'yTrain', 0, 16, 40],
        ['other', 'a', 'b', 1, 0, 13],
      ],
    );
  });

  test('an input of the wrong shape, labels of the wrong width, and different sample counts are named', () => {
    const [call] = fitCalls('model.fit(xTrain, yTrain)');
    const m = model([[null, 32, 32, 3]], [[null, 10]]);
    assert.equal(
      fitMismatch(call!, m, tensor('xTrain', [600, 28, 28, 1]), tensor('yTrain', [500, 2])),
      'model.fit: xTrain is [600, 28, 28, 1] but model takes [null, 32, 32, 3]; yTrain is [500, 2] but model gives [null, 10]; xTrain has 600 samples and yTrain 500 (the shapes the kernel holds now)',
    );
    assert.equal(fitMismatch(call!, m, tensor('xTrain', [600, 32, 32, 3]), tensor('yTrain', [600, 10])), undefined, 'shapes that fit: nothing');
    assert.equal(fitMismatch(call!, undefined, tensor('xTrain', [1]), undefined), undefined, 'not a model: nothing to say');
    assert.equal(fitMismatch(call!, m, undefined, undefined), undefined, 'names the kernel does not have: nothing to say');
  });
});
