/**
 * Payload builders against real tfjs (cpu backend, in this process): tensor statistics, elision,
 * images and the size cap; Keras-equal model totals; training downsampling; the chart API.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { MIME, type BarChart, type HeatmapChart, type HistogramChart, type LineChart, type ModelSummaryPayload, type TensorPayload } from '../../protocol';
import { Outputs } from '../display';
import { buildTensorOutput, PAYLOAD_BUDGET } from './tensor';
import { buildModelSummary, modelSummaryText } from './model';
import { MAX_BATCH_POINTS, TrainingRecord, historyPayload, progressLine } from './training';
import { barChart, chartText, confusionChart, heatmapChart, histogramChart, lineChart, scatterChart } from './charts';

before(async () => {
  await tf.setBackend('cpu');
});

const tensorPayload = (t: tf.Tensor) => buildTensorOutput(t as never, 'cpu').payload;
const jsonSize = (v: unknown) => Buffer.byteLength(JSON.stringify(v));

describe('tensor payloads', () => {
  test('dtype, shape, size, bytes and statistics, with NaN and Inf counted apart from the finite values', () => {
    const t = tf.tensor2d([
      [1, NaN, 3],
      [Infinity, 0, -Infinity],
    ]);
    const p = tensorPayload(t);
    assert.equal(p.dtype, 'float32');
    assert.deepEqual(p.shape, [2, 3]);
    assert.equal(p.size, 6);
    assert.equal(p.bytes, 24);
    assert.equal(p.backend, 'cpu');
    assert.deepEqual(p.stats, { min: 0, max: 3, mean: 4 / 3, std: Math.sqrt(((1 - 4 / 3) ** 2 + (3 - 4 / 3) ** 2 + (4 / 3) ** 2) / 3), zeros: 1, nan: 1, inf: 2 });
    // NaN and the infinities travel as strings: JSON has no such numbers.
    assert.deepEqual(p.table!.values, [
      [1, 'NaN', 3],
      ['Infinity', 0, '-Infinity'],
    ]);
    assert.doesNotThrow(() => JSON.parse(JSON.stringify(p)));
    t.dispose();
  });

  test('a large 2-D tensor is elided in the middle like numpy, keeping the first and last rows and columns', () => {
    const t = tf.range(0, 100 * 50).reshape([100, 50]);
    const { table } = tensorPayload(t);
    assert.equal(table!.rowIndex.length, 21);
    assert.deepEqual(table!.rowIndex.slice(8, 13), [8, 9, null, 90, 91]);
    assert.deepEqual(table!.colIndex, [0, 1, 2, 3, 4, 5, null, 44, 45, 46, 47, 48, 49]);
    assert.equal(table!.values[11]![0], 90 * 50);
    assert.equal(table!.values[11]![12], 90 * 50 + 49);
    assert.ok(table!.values[10]!.every((v) => v === null), 'the elided row is empty');
    t.dispose();
  });

  test('scalars and 1-D tensors are one-row tables; higher ranks show their first 2-D slice, labelled', () => {
    const s = tf.scalar(7);
    assert.deepEqual(tensorPayload(s).table!.values, [[7]]);
    const v = tf.tensor1d([1, 2, 3]);
    assert.deepEqual(tensorPayload(v).table, { rowIndex: [0], colIndex: [0, 1, 2], values: [[1, 2, 3]] });
    const cube = tf.range(0, 24).reshape([2, 3, 4]);
    const p = tensorPayload(cube);
    assert.equal(p.table!.label, '[0, :, :]');
    assert.deepEqual(p.table!.values[2], [8, 9, 10, 11]);
    assert.equal(p.images, undefined, '[2, 3, 4] is not an image');
    tf.dispose([s, v, cube]);
  });

  test('a batch of images becomes up to 16 PNGs that decode to the tensor\'s pixels', () => {
    const t = tf.tidy(() => tf.randomUniform([20, 28, 28, 1], 0, 1, 'float32', 1));
    const p = tensorPayload(t);
    assert.equal(p.images!.count, 20);
    assert.equal(p.images!.shown, 16);
    assert.equal(p.images!.png.length, 16);
    assert.equal(p.images!.scaling, '[0, 1] × 255');
    const png = PNG.sync.read(Buffer.from(p.images!.png[3]!, 'base64'));
    assert.equal(png.width, 28);
    assert.equal(png.height, 28);
    const value = (t.arraySync() as number[][][][])[3]![5]![7]![0]!;
    assert.equal(png.data[(5 * 28 + 7) * 4], Math.round(value * 255));
    assert.equal(p.table, undefined, 'image batches are shown as images, not as a slice table');
    t.dispose();
  });

  test('[H, W, 3] is one colour image; int32 0..255 is drawn as is; [N, H, W] is a batch of grey images', () => {
    const rgb = tf.tidy(() => tf.randomUniform([32, 32, 3], 0, 255, 'int32', 2));
    const p = tensorPayload(rgb);
    assert.equal(p.images!.count, 1);
    assert.equal(p.images!.channels, 3);
    assert.equal(p.images!.scaling, '0–255 as is');
    const png = PNG.sync.read(Buffer.from(p.images!.png[0]!, 'base64'));
    assert.equal(png.data[(4 * 32 + 9) * 4 + 1], (rgb.arraySync() as number[][][])[4]![9]![1]);
    const grey = tf.zeros([3, 28, 28]);
    assert.equal(tensorPayload(grey).images!.count, 3);
    const centred = tf.tidy(() => tf.randomNormal([2, 16, 16, 1], 0, 1, 'float32', 3));
    assert.match(tensorPayload(centred).images!.scaling, /^min-max scaled from \[-/);
    tf.dispose([rgb, grey, centred]);
  });

  test('the payload stays under 256 KB: 60,000 MNIST-sized images, and 16 large noisy colour images', () => {
    const mnist = tf.tidy(() => tf.randomUniform([60000, 28, 28, 1], 0, 1, 'float32', 4));
    const p = tensorPayload(mnist);
    assert.ok(jsonSize(p) < PAYLOAD_BUDGET, `${jsonSize(p)} bytes`);
    assert.equal(p.images!.shown, 16);
    assert.equal(p.bytes, 60000 * 28 * 28 * 4);
    assert.equal(p.histogram!.counts.reduce((a, b) => a + b, 0), 60000 * 28 * 28);
    mnist.dispose();
    const noise = tf.tidy(() => tf.randomUniform([16, 512, 512, 3], 0, 1, 'float32', 5));
    const q = tensorPayload(noise);
    assert.ok(jsonSize(q) < PAYLOAD_BUDGET, `${jsonSize(q)} bytes`);
    assert.ok(q.images!.width < 512, 'large images are downscaled');
    assert.ok(q.notes!.some((n) => /downscaled|fit/.test(n)));
    noise.dispose();
  });

  test('string and bool tensors', () => {
    const s = tf.tensor1d(['a', 'bb', 'ccc'], 'string');
    const p = tensorPayload(s);
    assert.equal(p.stats, null);
    assert.equal(p.bytes, 6);
    assert.deepEqual(p.table!.values, [['a', 'bb', 'ccc']]);
    const b = tf.tensor1d([true, false, true], 'bool');
    const q = tensorPayload(b);
    assert.equal(q.stats!.zeros, 1);
    assert.deepEqual(q.table!.values, [[1, 0, 1]]);
    tf.dispose([s, b]);
  });

  test('a disposed tensor says so instead of throwing', () => {
    const t = tf.ones([2]);
    t.dispose();
    const out = buildTensorOutput(t as never, 'cpu');
    assert.match(out.text, /disposed/);
    assert.match(out.payload.notes![0]!, /disposed/);
  });

  test('1,000 displays of tensors, models and histories leak no tensor', () => {
    const outputs = new Outputs(tf as never);
    const t = tf.tidy(() => tf.randomNormal([8, 28, 28, 1]));
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 2 })] });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 1000; i++) {
      const items = outputs.toOutput(i % 2 ? t : model);
      assert.equal(items[items.length - 1]!.mime, MIME.text);
    }
    assert.equal(tf.memory().numTensors, before);
    t.dispose();
    model.dispose();
  });
});

describe('model summaries', () => {
  test('the CIFAR-10 CNN of article 000 totals 122,570 params, as Keras reports', () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [32, 32, 3], filters: 32, kernelSize: 3, activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 64, activation: 'relu' }),
        tf.layers.dense({ units: 10 }),
      ],
    });
    const p: ModelSummaryPayload = buildModelSummary(model as never);
    assert.deepEqual(
      p.layers.map((l) => l.params),
      [896, 0, 18496, 0, 36928, 0, 65600, 650],
    );
    assert.deepEqual(p.layers[0]!.outputShapes, [[null, 30, 30, 32]]);
    assert.deepEqual(p.layers[5]!.outputShapes, [[null, 1024]]);
    assert.deepEqual(p.totals, { params: 122570, trainable: 122570, nonTrainable: 0, paramBytes: 490280, trainableBytes: 490280, nonTrainableBytes: 0 });
    assert.equal(p.functional, false);
    const text = modelSummaryText(p);
    assert.match(text, /Total params: 122,570 \(478\.79 KB\)/);
    assert.match(text, /Non-trainable params: 0 \(0\.00 B\)/);
    assert.match(text, /\(None, 13, 13, 64\)\s+18,496/);
    model.dispose();
  });

  test('batch normalization: moving statistics are non-trainable, as in Keras (50,496 = 50,368 + 128)', () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [784], units: 64 }), tf.layers.batchNormalization()] });
    const { totals } = buildModelSummary(model as never);
    assert.equal(totals.params, 50496);
    assert.equal(totals.trainable, 50368);
    assert.equal(totals.nonTrainable, 128);
    model.dispose();
  });

  test('a functional model lists its connections, and a nested model its own layers', () => {
    const a = tf.input({ shape: [8], name: 'left' });
    const b = tf.input({ shape: [4], name: 'right' });
    const tower = tf.sequential({ name: 'tower', layers: [tf.layers.dense({ inputShape: [4], units: 8, name: 'tower_dense' })] });
    const merged = tf.layers.concatenate({ name: 'merge' }).apply([a, tower.apply(b) as tf.SymbolicTensor]) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 1, name: 'out' }).apply(merged) as tf.SymbolicTensor;
    const model = tf.model({ inputs: [a, b], outputs: out, name: 'two_inputs' });
    const p = buildModelSummary(model as never);
    assert.equal(p.functional, true);
    const merge = p.layers.find((l) => l.name === 'merge')!;
    assert.deepEqual(merge.inbound.sort(), ['left', 'tower']);
    assert.deepEqual(merge.outputShapes, [[null, 16]]);
    const nested = p.layers.find((l) => l.name === 'tower')!;
    assert.equal(nested.params, 40);
    assert.deepEqual(nested.layers!.map((l) => l.name), ['tower_dense']);
    assert.equal(p.totals.params, 40 + 17);
    assert.deepEqual(p.inputShapes, [[null, 8], [null, 4]]);
    assert.match(modelSummaryText(p), /Connected to/);
    model.dispose();
  });
});

describe('training records', () => {
  test('per-batch values are downsampled to at most 1,000 points, each the mean of its batches', () => {
    const r = new TrainingRecord({ method: 'fit', epochs: 2, samples: 3000 * 32, batchSize: 32 });
    for (let epoch = 0; epoch < 2; epoch++) {
      r.epochBegin(epoch);
      for (let b = 0; b < 3000; b++) r.batchEnd(b, { batch: b, size: 32, loss: epoch * 3000 + b });
      r.epochEnd(epoch, { loss: epoch, val_loss: epoch + 0.5 });
    }
    r.status = 'done';
    const p = r.payload();
    assert.ok(p.batches.x.length <= MAX_BATCH_POINTS + 1, `${p.batches.x.length} points`);
    assert.ok(p.batches.x.length > MAX_BATCH_POINTS / 2);
    // The mean of all points, weighted by the batches they stand for, is the mean of all batches.
    const loss = p.batches.values.loss as number[];
    assert.equal(loss[0], (8 - 1) / 2, 'the first point is the mean of batches 0..7');
    assert.equal(p.batches.x[p.batches.x.length - 1], 2);
    assert.deepEqual(p.epochValues, { x: [1, 2], values: { loss: [0, 1], val_loss: [0.5, 1.5] } });
    assert.deepEqual(p.metrics, ['loss']);
    assert.equal(p.batchesPerEpoch, 3000);
  });

  test('progress: epoch i/N, batch j/M, samples/s and an ETA while running', () => {
    const r = new TrainingRecord({ method: 'fit', epochs: 4, samples: 100, batchSize: 10 });
    r.epochBegin(0);
    for (let b = 0; b < 5; b++) r.batchEnd(b, { size: 10, loss: 1, acc: 0.5 });
    const p = r.payload();
    assert.equal(p.batch, 5);
    assert.equal(p.batchesPerEpoch, 10);
    assert.ok(p.etaSeconds !== null && p.etaSeconds >= 0);
    assert.deepEqual(p.metrics, ['loss', 'acc']);
    assert.match(progressLine(p), /^Epoch 1\/4 · batch 5\/10 · loss 1 · acc 0\.5 · [\d,]+ samples\/s · ETA \d+ s$/);
  });

  test('a History becomes the same payload, per epoch', () => {
    const p = historyPayload({ epoch: [0, 1], history: { loss: [0.9, 0.5], acc: [0.6, 0.8], val_loss: [1, 0.7] }, params: { epochs: 2 }, syncData: () => undefined } as never);
    assert.equal(p.status, 'done');
    assert.deepEqual(p.epochValues.x, [1, 2]);
    assert.deepEqual(p.metrics, ['loss', 'acc']);
    assert.deepEqual(p.epochValues.values.val_loss, [1, 0.7]);
  });
});

describe('the chart API', () => {
  test('line charts: one series or several by name, x from 1 unless given', () => {
    const c = lineChart({ loss: [3, 2, 1], val_loss: tf.tensor1d([4, 3, 2]) as never }, { title: 'Loss' }) as LineChart;
    assert.equal(c.kind, 'line');
    assert.deepEqual(c.series.map((s) => s.name), ['loss', 'val_loss']);
    assert.deepEqual(c.series[1]!.x, [1, 2, 3]);
    assert.deepEqual(c.series[1]!.y, [4, 3, 2]);
    assert.match(chartText(c), /^Loss\nx\tloss\tval_loss\n1\t3\t4/);
    assert.throws(() => lineChart([1, 2], { x: [1] }), /x has 1 values but "y" has 2/);
    assert.throws(() => lineChart('nope' as never), /expected an array of numbers or a tensor, got string/);
  });

  test('scatter, bar and histogram', () => {
    const s = scatterChart([1, 2, 3], [3, 1, 2]) as LineChart;
    assert.deepEqual(s.series[0], { name: 'y', x: [1, 2, 3], y: [3, 1, 2] });
    assert.throws(() => scatterChart([1, 2], [1]), /2 x values and 1 y values/);
    const b = barChart(['cat', 'dog'], { train: [5, 3], test: [2, 1] }) as BarChart;
    assert.deepEqual(b.categories, ['cat', 'dog']);
    assert.equal(b.series.length, 2);
    assert.throws(() => barChart(['a'], [1, 2]), /1 categories but "y" has 2 values/);
    const h = histogramChart({ a: [0, 1, 2, 3], b: [2, 3, 4, NaN] }, { bins: 4 }) as HistogramChart;
    assert.deepEqual(h.edges, [0, 1, 2, 3, 4]);
    assert.deepEqual(h.series.map((x) => x.counts), [
      [1, 1, 1, 1],
      [0, 0, 1, 2],
    ]);
  });

  test('heatmaps and confusion matrices (rows are the true class, columns the predicted one)', () => {
    const h = heatmapChart([
      [1, 2],
      [3, 4],
    ], { rows: ['a', 'b'] }) as HeatmapChart;
    assert.deepEqual(h.cols, ['0', '1']);
    assert.throws(() => heatmapChart([[1, 2], [3]]), /same length/);
    const labels = tf.tensor1d([0, 1, 2, 2, 1], 'int32');
    const probs = tf.tensor2d([
      [0.9, 0.1, 0],
      [0.2, 0.7, 0.1],
      [0, 0.4, 0.6],
      [0.1, 0.8, 0.1],
      [0.3, 0.6, 0.1],
    ]);
    const c = confusionChart(labels as never, probs as never, { classes: ['zero', 'one', 'two'] }) as HeatmapChart;
    assert.deepEqual(c.values, [
      [1, 0, 0],
      [0, 2, 0],
      [0, 1, 1],
    ]);
    assert.deepEqual(c.rows, ['zero', 'one', 'two']);
    assert.equal(c.xLabel, 'Predicted');
    assert.throws(() => confusionChart([0, 5], [0, 1], { classes: 3 }), /pair 1 is \(5, 1\); class ids must be whole numbers from 0 to 2/);
    tf.dispose([labels, probs]);
  });
});

describe('Outputs.toOutput', () => {
  test('tensors, models and plain values get their MIME types, text/plain always last', () => {
    const outputs = new Outputs(tf as never);
    const t = tf.ones([2, 2]);
    const items = outputs.toOutput(t);
    assert.deepEqual(items.map((i) => i.mime), [MIME.tensor, MIME.text]);
    assert.equal((items[0]!.data as TensorPayload).backend, 'cpu');
    assert.deepEqual(outputs.toOutput({ a: 1 }), [{ mime: MIME.text, data: '{ a: 1 }' }]);
    t.dispose();
  });
});
