/**
 * The fallbacks frontends without bmnb's renderers show: HTML tables and PNG images made from the
 * payloads the kernel already builds, escaped and script-free.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { MIME, type ChartPayload, type ModelSummaryPayload, type TrainingPayload } from '../../protocol';
import { buildTensorOutput } from './tensor';
import { buildModelSummary } from './model';
import { lineChart } from './charts';
import { linePng, withFallbacks } from './fallbacks';

const png = (b64: unknown) => PNG.sync.read(Buffer.from(String(b64), 'base64'));

test('a tensor gains an HTML table of its values and stats, the payload and text/plain staying first and last', async () => {
  await tf.setBackend('cpu');
  const t = tf.tensor2d([[1.5, -2], [3, 4]]);
  const { payload, text } = buildTensorOutput(t as never, 'cpu');
  const items = withFallbacks([{ mime: MIME.tensor, data: payload }, { mime: MIME.text, data: text }]);
  assert.deepEqual(items.map((i) => i.mime), [MIME.tensor, 'text/html', MIME.text]);
  const html = String(items[1]!.data);
  assert.match(html, /<b>Tensor<\/b> float32 \[2, 2\] · 16\.00 B · cpu/);
  assert.match(html, /<td>1\.5<\/td><td>-2<\/td>/);
  assert.match(html, /<th>min<\/th>.*<td>-2<\/td><td>4<\/td>/s);
});

test('an image-like tensor gains one PNG with its images in a grid', async () => {
  await tf.setBackend('cpu');
  // Six 8×9 (width × height) gray images, the k-th filled with k/5: a grid of 4 per row, 2 px apart.
  const t = tf.tidy(() => tf.concat(Array.from({ length: 6 }, (_, k) => tf.fill([1, 9, 8, 1], k / 5))));
  const { payload } = buildTensorOutput(t as never, 'cpu');
  const image = withFallbacks([{ mime: MIME.tensor, data: payload }]).find((i) => i.mime === 'image/png');
  assert.ok(image, 'an image/png item');
  const grid = png(image.data);
  assert.equal(grid.width, 4 * 8 + 3 * 2);
  assert.equal(grid.height, 2 * 9 + 2);
  // The second image (k = 1) starts at x = 10 on the first row: gray 51; the first is black.
  assert.equal(grid.data[(3 * grid.width + 3) * 4], 0);
  assert.equal(grid.data[(3 * grid.width + 10) * 4], 51);
  // The sixth (k = 5, white) is the second on the second row; the fifth (k = 4) gray 204.
  assert.equal(grid.data[((9 + 2 + 3) * grid.width + 3) * 4], 204);
  assert.equal(grid.data[((9 + 2 + 3) * grid.width + 10) * 4], 255);
});

test('a model summary gains a Keras-style HTML table; names are escaped, nothing can run', async () => {
  await tf.setBackend('cpu');
  const model = tf.sequential({ name: 'evil<script>alert(1)</script>', layers: [tf.layers.dense({ units: 3, inputShape: [4] })] });
  model.layers[0]!.name = 'd"onmouseover="x';
  const p: ModelSummaryPayload = buildModelSummary(model as never);
  const html = String(withFallbacks([{ mime: MIME.modelSummary, data: p }]).find((i) => i.mime === 'text/html')!.data);
  assert.match(html, /<th>Layer \(type\)<\/th><th>Output shape<\/th><th>Param #<\/th>/);
  assert.match(html, /<td>\(None, 3\)<\/td><td>15<\/td>/);
  assert.doesNotMatch(html, /<script|onmouseover="/i);
  assert.match(html, /evil&lt;script&gt;/);
});

test('a line chart and training curves gain a PNG of their lines and an HTML data table', () => {
  const chart: ChartPayload = lineChart({ loss: [1, 0.5, 0.25], val_loss: [1.2, 0.7, 0.6] }, { title: 'Loss' });
  const items = withFallbacks([{ mime: MIME.chart, data: chart }, { mime: MIME.text, data: 'Loss' }]);
  assert.deepEqual(items.map((i) => i.mime), [MIME.chart, 'image/png', 'text/html', MIME.text]);
  const image = png(items[1]!.data);
  assert.deepEqual([image.width, image.height], [640, 360]);
  // The first series' colour appears (its line), on a white ground.
  let blue = 0;
  for (let i = 0; i < image.data.length; i += 4) if (image.data[i] === 0 && image.data[i + 1] === 114 && image.data[i + 2] === 178) blue++;
  assert.ok(blue > 500, `${blue} pixels of the first series`);
  assert.match(String(items[2]!.data), /<caption>Loss<\/caption><thead><tr><th>x<\/th><th>loss<\/th><th>val_loss<\/th><\/tr>/);

  const training = {
    version: 1, status: 'done', method: 'fit', epochs: 2, epochsDone: 2, epoch: 1, batch: 4, batchesPerEpoch: 4, samplesPerSecond: 100, etaSeconds: 0, elapsedSeconds: 1,
    metrics: ['loss'], batches: { x: [0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2], values: { loss: [1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3] } },
    epochValues: { x: [1, 2], values: { loss: [0.85, 0.45], val_loss: [0.9, 0.5] } },
  } satisfies TrainingPayload;
  const t = withFallbacks([{ mime: MIME.training, data: training }]);
  const curves = t.find((i) => i.mime === 'image/png')!.data as string;
  // JupyterLab, nbconvert and GitHub show text/html rather than image/png: the curves are in it.
  assert.ok(String(t.find((i) => i.mime === 'text/html')!.data).startsWith(`<p><img alt="training curves" src="data:image/png;base64,${curves}"></p>`));
  assert.match(String(t.find((i) => i.mime === 'text/html')!.data), /<caption>Training \(fit\): 2 of 2 epochs, done<\/caption>.*<th>epoch<\/th><th>loss<\/th><th>val_loss<\/th>.*<td>2<\/td><td>0\.45<\/td><td>0\.5<\/td>/s);
});

test('a running fit gets its data table but no PNG (too slow to draw 10 times a second); the last update has one', () => {
  const running = {
    version: 1, status: 'running', method: 'fit', epochs: 2, epochsDone: 0, epoch: 0, batch: 2, batchesPerEpoch: 4, samplesPerSecond: 100, etaSeconds: 1, elapsedSeconds: 0.1,
    metrics: ['loss'], batches: { x: [0.25, 0.5], values: { loss: [1, 0.9] } }, epochValues: { x: [], values: {} },
  } satisfies TrainingPayload;
  assert.deepEqual(withFallbacks([{ mime: MIME.training, data: running }]).map((i) => i.mime), [MIME.training, 'text/html']);
  const done = { ...running, status: 'done' as const };
  assert.deepEqual(withFallbacks([{ mime: MIME.training, data: done }]).map((i) => i.mime), [MIME.training, 'image/png', 'text/html']);
});

test('no PNG for fewer than two finite points; plain outputs are left alone', () => {
  assert.equal(linePng([{ name: 'a', x: [0, 1], y: ['NaN', 2] }]), undefined);
  const plain = [{ mime: MIME.text, data: '42' }];
  assert.equal(withFallbacks(plain), plain);
});
