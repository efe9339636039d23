/**
 * Rich outputs from the real kernel process: a tensor, a model, `model.summary()`, live training
 * curves that update in place while `fit` runs, a History, and the chart API of `display`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KernelClient } from '../src/host/kernelClient';
import { MIME, type ChartPayload, type DisplayParams, type HeatmapChart, type ModelSummaryPayload, type TensorPayload, type TrainingPayload } from '../src/protocol';
import { run, startKernel } from './helpers/kernel';

const dataOf = <T>(items: { mime: string; data: unknown }[] | undefined, mime: string): T => items?.find((i) => i.mime === mime)?.data as T;

/** The updates of each live output, by displayId. */
function liveOutputs(params: DisplayParams[]): Map<string, DisplayParams[]> {
  const byId = new Map<string, DisplayParams[]>();
  for (const p of params) if (p.displayId) byId.set(p.displayId, [...(byId.get(p.displayId) ?? []), p]);
  return byId;
}

const tinyModel = `
const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 16, activation: 'relu' }), tf.layers.dense({ units: 3, activation: 'softmax' })] });
model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
const xs = tf.randomNormal([2000, 4], 0, 1, 'float32', 1);
const ys = tf.oneHot(tf.randomUniform([2000], 0, 3, 'int32', 2), 3);
`;

describe('rich outputs', () => {
  let kernel: KernelClient;
  before(async () => {
    kernel = await startKernel();
    await run(kernel, "import * as tf from '@tensorflow/tfjs';");
  });
  after(() => kernel.shutdown());

  test('a tensor as the last value: its payload first, then text with dtype, shape, size and backend', async () => {
    const r = await run(kernel, 'tf.tensor2d([[1, NaN], [3, Infinity]])');
    assert.deepEqual(r.result!.map((i) => i.mime), [MIME.tensor, MIME.text]);
    const p = dataOf<TensorPayload>(r.result, MIME.tensor);
    assert.deepEqual([p.dtype, p.shape, p.backend], ['float32', [2, 2], 'wasm']);
    assert.equal(p.stats!.nan, 1);
    assert.equal(p.stats!.inf, 1);
    assert.match(r.text!, /^Tensor float32 \[2, 2\] · 16\.00 B · wasm\nmin 1 · max 3 · mean 2 · std 1 · NaN 1 · Inf 1/);
  });

  test('console.log of a tensor, and tensors inside other values, print as tensors rather than their fields', async () => {
    const r = await run(kernel, 'console.log(tf.tensor1d([1, 2]));\n[tf.zeros([2]), tf.zeros([100, 100])]');
    assert.equal(r.stdout, 'Tensor float32 [2] [1, 2]\n');
    assert.equal(r.text, '[ Tensor float32 [2] [0, 0], Tensor float32 [100, 100] · 39.06 KB ]');
  });

  test('a model as the last value, and model.summary(), draw the summary; a printFn of the user\'s own still gets text', async () => {
    await run(kernel, tinyModel);
    const asValue = await run(kernel, 'model');
    const p = dataOf<ModelSummaryPayload>(asValue.result, MIME.modelSummary);
    assert.equal(p.totals.params, 4 * 16 + 16 + 16 * 3 + 3);
    assert.equal(p.layers.length, 2);
    const viaSummary = await run(kernel, 'model.summary();');
    assert.equal(viaSummary.displayParams.length, 1);
    assert.equal(dataOf<ModelSummaryPayload>(viaSummary.displayParams[0]!.items, MIME.modelSummary).totals.params, 131);
    assert.match(viaSummary.displays[0]!, /Total params: 131 \(524\.00 B\)/);
    const own = await run(kernel, 'const lines: string[] = [];\nmodel.summary(undefined, undefined, (l: string) => lines.push(l));\nlines.length > 3');
    assert.equal(own.text, 'true');
    assert.equal(own.displayParams.length, 0);
  });

  test('fit gets one live output that updates in place while it runs and ends done, with per-batch and per-epoch curves', async () => {
    const r = await run(kernel, 'const history = await model.fit(xs, ys, { epochs: 3, batchSize: 32, validationSplit: 0.2 });\nhistory');
    assert.equal(r.status, 'ok');
    assert.equal(r.result, undefined, 'the History the cell ends with is not drawn a second time');
    const live = liveOutputs(r.displayParams);
    assert.equal(live.size, 1, 'one output for the whole fit (Sequential.fit calling LayersModel.fit adds none)');
    const updates = [...live.values()][0]!;
    assert.equal(updates[0]!.update, false, 'the first notification appends the output');
    assert.ok(updates.slice(1).every((u) => u.update === true), 'the later ones replace it');
    assert.ok(updates.length >= 2);
    const last = dataOf<TrainingPayload>(updates[updates.length - 1]!.items, MIME.training);
    assert.equal(last.status, 'done');
    assert.equal(last.epochsDone, 3);
    assert.equal(last.batchesPerEpoch, Math.ceil(1600 / 32));
    assert.deepEqual(last.metrics, ['loss', 'acc']);
    assert.deepEqual(last.epochValues.x, [1, 2, 3]);
    assert.deepEqual(Object.keys(last.epochValues.values).sort(), ['acc', 'loss', 'val_acc', 'val_loss']);
    assert.equal(last.batches.x.length, 150);
    assert.ok(last.samplesPerSecond! > 0);
    const text = dataOf<string>(updates[updates.length - 1]!.items, MIME.text);
    assert.match(text, /^Epoch 1\/3 · loss [\d.]+ · val_loss [\d.]+ · acc [\d.]+ · val_acc [\d.]+\n/);
    assert.match(text, /Epoch 3\/3 · [\d,]+ samples\/s · done/);
  });

  test('updates are throttled to about ten a second', async () => {
    // A slow fit: 40 batches of ~25 ms each, about one second.
    const r = await run(
      kernel,
      'await model.fit(xs.slice(0, 400), ys.slice(0, 400), { epochs: 1, batchSize: 10, callbacks: { onBatchEnd: async () => { await new Promise((res) => setTimeout(res, 25)); } } });',
    );
    const updates = [...liveOutputs(r.displayParams).values()][0]!;
    const seconds = dataOf<TrainingPayload>(updates[updates.length - 1]!.items, MIME.training).elapsedSeconds;
    assert.ok(seconds >= 0.9, `${seconds} s`);
    assert.ok(updates.length <= Math.ceil(seconds * 10) + 3, `${updates.length} updates in ${seconds} s`);
    assert.ok(updates.length >= 5, `${updates.length} updates in ${seconds} s: the curve grows while it runs`);
  });

  test('the History fit returns draws the same curves; verbose: 0 turns the live output off', async () => {
    const h = await run(kernel, 'history');
    const p = dataOf<TrainingPayload>(h.result, MIME.training);
    assert.equal(p.status, 'done');
    assert.deepEqual(p.epochValues.x, [1, 2, 3]);
    assert.equal(p.epochValues.values.val_loss!.length, 3);
    const quiet = await run(kernel, 'await model.fit(xs, ys, { epochs: 1, batchSize: 500, verbose: 0 });');
    assert.equal(quiet.displayParams.length, 0);
  });

  test('an interrupted fit leaves its curves marked stopped', async () => {
    setTimeout(() => kernel.interrupt(), 400);
    const r = await run(kernel, 'await model.fit(xs, ys, { epochs: 200, batchSize: 16 });');
    assert.equal(r.status, 'interrupted');
    const updates = [...liveOutputs(r.displayParams).values()][0]!;
    const last = dataOf<TrainingPayload>(updates[updates.length - 1]!.items, MIME.training);
    assert.equal(last.status, 'stopped');
    assert.ok(last.epochsDone < 200);
  });

  test('display.line and display.confusionMatrix add chart outputs; bad input fails the cell with a clear message', async () => {
    const r = await run(kernel, "display.line({ loss: [3, 2, 1] }, { title: 'Loss' });\ndisplay.confusionMatrix([0, 1, 1], [0, 1, 0]);");
    const charts = r.displayParams.map((d) => dataOf<ChartPayload>(d.items, MIME.chart));
    assert.deepEqual(charts.map((c) => c.kind), ['line', 'confusion']);
    assert.deepEqual((charts[1] as HeatmapChart).values, [
      [1, 0],
      [1, 1],
    ]);
    assert.match(r.displays[0]!, /^Loss\nx\tloss\n1\t3/);
    const fromModule = await run(kernel, "import { display as d } from 'bmnb';\nd.bar(['a', 'b'], [1, 2]);");
    assert.equal(dataOf<ChartPayload>(fromModule.displayParams[0]!.items, MIME.chart).kind, 'bar');
    const bad = await run(kernel, 'display.scatter([1, 2, 3], [1]);');
    assert.equal(bad.status, 'error');
    assert.match(bad.error!.message, /"y" has 3 x values and 1 y values; they must pair up/);
  });
});
