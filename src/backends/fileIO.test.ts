/**
 * `file://` saving and loading on the session's tfjs (wasm and cpu), as tfjs-node does it: the
 * standard layout, bit-exact weights, relative paths, atomic files, and clear errors.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerFileIO } from './fileIO';
import { registerOps } from './ops/register';

const notebookDir = mkdtempSync(join(tmpdir(), 'bmnb-fileio-'));

function model(): tf.LayersModel {
  const m = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 3, kernelSize: 3, activation: 'relu' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 4, activation: 'softmax' }),
    ],
  });
  m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

before(() => {
  registerOps(tf, 'wasm'); // (the kernel's wasm trains CNNs with bmnb's ops)
  assert.equal(registerFileIO(tf, notebookDir), true);
  assert.equal(registerFileIO(tf, notebookDir), false, 'a second registration adds nothing (tfjs would find two handlers)');
});

describe('file:// models', () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    test(`on ${backend}: save writes model.json + weights.bin in the notebook's folder; load gives the same weights, bit for bit, and the same predictions`, async () => {
      await tf.setBackend(backend);
      const m = model();
      const x = tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 7);
      await m.fit(x, tf.oneHot(tf.tensor1d([1, 3], 'int32'), 4).toFloat(), { epochs: 1, verbose: 0 });
      // (cpu also saves the optimizer's state, as `includeOptimizer` asks.)
      const result = await m.save(`file://saved-${backend}`, { includeOptimizer: backend === 'cpu' });
      const dir = join(notebookDir, `saved-${backend}`);
      assert.deepEqual(readdirSync(dir).sort(), ['model.json', 'weights.bin'], 'no temporary file is left');
      const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
      assert.deepEqual(json.weightsManifest[0].paths, ['weights.bin']);
      assert.equal(json.format, 'layers-model');
      if (backend === 'cpu') assert.equal(json.trainingConfig.loss, 'categorical_crossentropy', 'the training config is kept');
      assert.equal(statSync(join(dir, 'weights.bin')).size, result.modelArtifactsInfo.weightDataBytes);

      const back = await tf.loadLayersModel(`file://${join(dir, 'model.json')}`);
      const w0 = m.getWeights();
      const w1 = back.getWeights();
      assert.equal(w1.length, w0.length);
      for (let i = 0; i < w0.length; i++) assert.deepEqual(w1[i]!.dataSync(), w0[i]!.dataSync(), `weight ${i} is bit-exact`);
      assert.deepEqual(back.predict(x) instanceof tf.Tensor ? (back.predict(x) as tf.Tensor).dataSync() : null, (m.predict(x) as tf.Tensor).dataSync());
      // A relative path loads too, from the notebook's folder.
      const rel = await tf.loadLayersModel(`file://saved-${backend}/model.json`);
      assert.equal(rel.layers.length, 3);
    });
  }

  test('saving again replaces both files, atomically (never a half-written file, no temporary left)', async () => {
    await tf.setBackend('wasm');
    const m = model();
    await m.save('file://again');
    const before = readFileSync(join(notebookDir, 'again', 'weights.bin'));
    m.setWeights(m.getWeights().map((w) => tf.add(w, 1)));
    await m.save('file://again');
    const after = readFileSync(join(notebookDir, 'again', 'weights.bin'));
    assert.equal(after.length, before.length);
    assert.notDeepEqual(after, before);
    assert.deepEqual(readdirSync(join(notebookDir, 'again')).sort(), ['model.json', 'weights.bin']);
  });

  test('bad input names the path and says what to do', async () => {
    await tf.setBackend('wasm');
    await assert.rejects(tf.loadLayersModel('file://nowhere/model.json'), /nowhere\/model\.json does not exist\. Give the path of a model\.json/);
    await assert.rejects(tf.loadGraphModel('file://nowhere/model.json'), /does not exist/, 'graph models use the same handler');
    const m = model();
    await m.save('file://cut');
    const weights = join(notebookDir, 'cut', 'weights.bin');
    writeFileSync(weights, readFileSync(weights).subarray(0, 100));
    await assert.rejects(tf.loadLayersModel('file://cut/model.json'), /hold 100 bytes but the weightsManifest needs [\d,]+: they are truncated\. Save the model again\./);
    await assert.rejects(tf.loadLayersModel('file://cut'), /cut is a folder\. Name its model\.json/);
    writeFileSync(join(notebookDir, 'a-file'), 'x');
    await assert.rejects(m.save('file://a-file'), /a-file is a file\. Name a folder/);
    await assert.rejects(m.save('file://a-file/inside'), /cannot write the model to .*a-file\/inside: a part of the path is a file \(ENOTDIR\)\. Choose a folder you can write to\./);
    writeFileSync(join(notebookDir, 'not-json.json'), '{ nope');
    await assert.rejects(tf.loadLayersModel('file://not-json.json'), /not-json\.json is not a model\.json/);
  });
});
