/**
 * A program written for `@tensorflow/tfjs-node`, as its users write them, run with `bmnb run` on
 * the default backend (no native backend installed): it reads a CSV through `tf.data`, trains,
 * logs to TensorBoard, saves with `file://`, loads the model back and predicts; and `tf.node`'s
 * image functions and what needs the native backend, as a cell sees them.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseNotebook, serializeNotebook, sourceToLines, type NotebookFile } from '../src/format';
import { CLI_PATH, tempDir } from './helpers/kernel';

function notebookOf(sources: string[]): string {
  const nb: NotebookFile = {
    bmnb: 1,
    metadata: {},
    cells: sources.map((source, i) => ({ id: `c${i + 1}`, kind: 'code', language: 'javascript', source: sourceToLines(source) })),
  };
  return serializeNotebook(nb);
}

/** A regression CSV in the shape tfjs-node examples read (a header, a label column). */
function csv(rows: number): string {
  const lines = ['sex,length,diameter,rings'];
  for (let i = 0; i < rows; i++) {
    const length = 0.2 + ((i * 37) % 100) / 200;
    const diameter = length * 0.8;
    lines.push(`${'FMI'[i % 3]},${length.toFixed(3)},${diameter.toFixed(3)},${Math.round(4 + 20 * length)}`);
  }
  return `${lines.join('\n')}\n`;
}

// The program, in the modules a tfjs-node user writes (CommonJS, requiring tfjs-node).
const MODEL_JS = `const tf = require('@tensorflow/tfjs-node');
function createModel(inputShape) {
  const model = tf.sequential();
  model.add(tf.layers.dense({ inputShape, activation: 'sigmoid', units: 16 }));
  model.add(tf.layers.dense({ units: 1 }));
  model.compile({ optimizer: tf.train.adam(0.05), loss: 'meanSquaredError' });
  return model;
}
module.exports = createModel;
`;
const DATA_JS = `const tf = require('@tensorflow/tfjs-node');
async function createDataset(csvPath) {
  const dataset = tf.data.csv(csvPath, { hasHeader: true, columnConfigs: { rings: { isLabel: true } } });
  const numOfColumns = (await dataset.columnNames()).length - 1;
  return {
    dataset: dataset.map(({ xs, ys }) => ({
      xs: Object.values(xs).map((v) => (v === 'F' ? 0 : v === 'M' ? 1 : v === 'I' ? 2 : Number(v))),
      ys: [ys.rings],
    })),
    numOfColumns,
  };
}
module.exports = createDataset;
`;

describe('a tfjs-node program in a notebook, on the default backend', () => {
  test('reads a CSV with tf.data, trains, logs to TensorBoard, saves with file://, loads back and predicts', () => {
    const dir = tempDir({ 'model.js': MODEL_JS, 'data.js': DATA_JS, 'rings.csv': csv(300) });
    const nb = notebookOf([
      `const tf = require('@tensorflow/tfjs-node');
const createModel = require('./model');
const createDataset = require('./data');
async function run(epochs, batchSize, savePath) {
  const datasetObj = await createDataset('file://./rings.csv');
  const model = createModel([datasetObj.numOfColumns]);
  const dataset = datasetObj.dataset.shuffle(100, '1').batch(batchSize);
  await model.fitDataset(dataset.take(4), { epochs, validationData: dataset.skip(4), callbacks: tf.node.tensorBoard('./logs'), verbose: 0 });
  await model.save(savePath);
  const loadedModel = await tf.loadLayersModel(savePath + '/model.json');
  const row = [[1, 0.5, 0.4]];
  return [model.predict(tf.tensor2d(row)).dataSync()[0], loadedModel.predict(tf.tensor2d(row)).dataSync()[0]];
}`,
      'const [trained, loaded] = await run(8, 50, "file://trainedModel");\nJSON.stringify({ trained, loaded })',
    ]);
    const file = join(dir, 'nb.bmnb');
    writeFileSync(file, nb);
    const r = spawnSync(process.execPath, [CLI_PATH, 'run', 'nb.bmnb', '--out', 'out.bmnb'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    const { trained, loaded } = JSON.parse(r.stdout.trim().split('\n').pop()!) as { trained: number; loaded: number };
    assert.equal(loaded, trained, 'the loaded model predicts exactly what the trained one does');
    assert.ok(trained > 4 && trained < 30, `a prediction in the labels' range: ${trained}`);
    assert.deepEqual(readdirSync(join(dir, 'trainedModel')).sort(), ['model.json', 'weights.bin']);
    for (const split of ['train', 'val']) {
      const files = readdirSync(join(dir, 'logs', split));
      assert.equal(files.length, 1, `one event file in logs/${split}`);
      assert.match(files[0]!, /^events\.out\.tfevents\.\d+\.[^.]+.*\.v2$/);
      // The epoch loss is in it, under tfjs-node's tag.
      assert.ok(readFileSync(join(dir, 'logs', split, files[0]!)).includes('epoch_loss'), `logs/${split} has epoch_loss`);
    }
    assert.ok(parseNotebook(readFileSync(join(dir, 'out.bmnb'), 'utf8')).cells.length === 2);
  });

  test('tf.node: images encode and decode; SavedModels say they need the native backend and how to get it', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'nb.bmnb'),
      notebookOf([
        `const tf = require('@tensorflow/tfjs-node');
const img = tf.tensor3d([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30], [2, 2, 3], 'int32');
const png = await tf.node.encodePng(img);
const back = tf.node.decodeImage(png);
const gray = tf.node.decodePng(png, 1);
const jpeg = tf.node.decodeJpeg(await tf.node.encodeJpeg(img, '', 100));
JSON.stringify({ png: Array.from(back.dataSync()), dtype: back.dtype, shape: back.shape, grayShape: gray.shape, jpegShape: jpeg.shape, magic: Array.from(png.slice(0, 4)) })`,
        "try { await tf.node.loadSavedModel('./saved'); } catch (e) { console.log(e.message); }",
      ]),
    );
    const r = spawnSync(process.execPath, [CLI_PATH, 'run', 'nb.bmnb'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const [json, message] = r.stdout.trim().split('\n');
    const got = JSON.parse(json!) as { png: number[]; dtype: string; shape: number[]; grayShape: number[]; jpegShape: number[]; magic: number[] };
    assert.deepEqual(got.png, [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30], 'PNG round-trips exactly');
    assert.equal(got.dtype, 'int32');
    assert.deepEqual(got.shape, [2, 2, 3]);
    assert.deepEqual(got.grayShape, [2, 2, 1]);
    assert.deepEqual(got.jpegShape, [2, 2, 3]);
    assert.deepEqual(got.magic, [0x89, 0x50, 0x4e, 0x47]);
    assert.match(message!, /tf\.node\.loadSavedModel needs TensorFlow's native library .*npm install @tensorflow\/tfjs-node` in the notebook's folder.*picks it up on the next kernel start/);
    assert.ok(!existsSync(join(dir, 'saved')));
  });
});
