/**
 * The tf.node namespace without libtensorflow: it has every member of tfjs-node 4.22's tf.node,
 * and the ones that need libtensorflow (SavedModels) say so and how to get the native backend.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createTfNode } from './index';

const root = '/home/someone/notebooks';
const node = createTfNode(tf, { notebookDir: root });

before(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('what needs libtensorflow', () => {
  test('tf.node has every member of tfjs-node 4.22\'s tf.node, and TFSavedModel', () => {
    const members = ['decodeImage', 'decodeBmp', 'decodeGif', 'decodePng', 'decodeJpeg', 'encodeJpeg', 'encodePng', 'summaryFileWriter', 'tensorBoard', 'getMetaGraphsFromSavedModel', 'getNumOfSavedModels', 'loadSavedModel', 'TFSavedModel'];
    assert.deepEqual(Object.keys(node).sort(), members.sort());
    for (const m of members) assert.equal(typeof (node as unknown as Record<string, unknown>)[m], 'function', m);
  });

  test('the SavedModel members say they need the native backend and how to get it', async () => {
    const needsNative = (name: string) =>
      new RegExp(`tf\\.node\\.${name} needs TensorFlow's native library \\(libtensorflow\\).*runs on the cpu backend.*npm install @tensorflow/tfjs-node\` in the notebook's folder \\(${root}\\).*BMNB_TFJS_NODE_PATH.*next kernel start`);
    await assert.rejects(node.loadSavedModel('/models/saved'), needsNative('loadSavedModel'));
    await assert.rejects(node.getMetaGraphsFromSavedModel('/models/saved'), needsNative('getMetaGraphsFromSavedModel'));
    assert.throws(() => node.getNumOfSavedModels(), needsNative('getNumOfSavedModels'));
    assert.throws(() => new node.TFSavedModel(), needsNative('TFSavedModel'));
  });
});
