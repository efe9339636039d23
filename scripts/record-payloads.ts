/**
 * Records the renderer tests' payload fixtures from the real kernel: runs cells in a kernel
 * process (dist/kernel.js; run `npm run build` first) and writes each output as
 * test/fixtures/payloads/<name>.json = { "items": [{ mime, data }, …] }.
 *
 *   node --import tsx scripts/record-payloads.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MIME, type OutputItemPayload, type TrainingPayload } from '../src/protocol';
import { ROOT, run, startKernel } from '../test/helpers/kernel';

const OUT = join(ROOT, 'test', 'fixtures', 'payloads');

function save(name: string, items: OutputItemPayload[] | undefined): void {
  if (!items) throw new Error(`${name}: the cell gave no output`);
  writeFileSync(join(OUT, `${name}.json`), `${JSON.stringify({ items }, null, 1)}\n`);
  const size = Buffer.byteLength(JSON.stringify(items));
  console.log(`${name}: ${items.map((i) => i.mime).join(', ')} (${(size / 1024).toFixed(1)} KB)`);
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const kernel = await startKernel();
  try {
    const cell = async (source: string) => {
      const r = await run(kernel, source);
      if (r.status !== 'ok') throw new Error(`cell failed: ${r.error?.message}\n${source}`);
      return r;
    };
    await cell("import * as tf from '@tensorflow/tfjs';");

    // A [100, 50] matrix with two NaN and one Infinity.
    save(
      'tensor-matrix',
      (await cell('const m = tf.tidy(() => tf.randomNormal([100, 50], 0, 1, "float32", 7).bufferSync());\nm.set(NaN, 3, 4); m.set(NaN, 95, 48); m.set(Infinity, 50, 25);\nm.toTensor()')).result,
    );
    // 16 digit-like images: rings of varying radius, values in [0, 1].
    const rings = (n: number) =>
      `tf.tidy(() => { const ys = tf.range(0, 28).reshape([28, 1]).sub(13.5).square(); const xs = tf.range(0, 28).reshape([1, 28]).sub(13.5).square(); const r = ys.add(xs).sqrt(); return tf.stack(Array.from({ length: ${n} }, (_, i) => tf.exp(r.sub(4 + (i % 16) * 0.5).square().neg().div(2)))).expandDims(3); })`;
    save('tensor-images', (await cell(rings(16))).result);
    save('tensor-large', (await cell(`const big = tf.tidy(() => ${rings(16)}.tile([3750, 1, 1, 1]));\nbig`)).result);
    save('tensor-strings', (await cell("tf.tensor1d(['cat', 'dog', 'ship', 'truck', '<b>not bold</b>'], 'string')")).result);

    save(
      'model-cifar-cnn',
      (
        await cell(`const cnn = tf.sequential({ name: 'cifar_cnn', layers: [
  tf.layers.conv2d({ inputShape: [32, 32, 3], filters: 32, kernelSize: 3, activation: 'relu' }),
  tf.layers.maxPooling2d({ poolSize: 2 }),
  tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
  tf.layers.maxPooling2d({ poolSize: 2 }),
  tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
  tf.layers.flatten(),
  tf.layers.dense({ units: 64, activation: 'relu' }),
  tf.layers.dense({ units: 10 }),
] });
cnn`)
      ).result,
    );
    save(
      'model-functional',
      (
        await cell(`const left = tf.input({ shape: [8], name: 'left' });
const right = tf.input({ shape: [4], name: 'right' });
const tower = tf.sequential({ name: 'tower', layers: [tf.layers.dense({ inputShape: [4], units: 8, activation: 'relu', name: 'tower_dense' }), tf.layers.batchNormalization({ name: 'tower_bn' })] });
const merged = tf.layers.concatenate({ name: 'merge' }).apply([left, tower.apply(right) as tf.SymbolicTensor]) as tf.SymbolicTensor;
const out = tf.layers.dense({ units: 1, activation: 'sigmoid', name: 'out' }).apply(merged) as tf.SymbolicTensor;
tf.model({ inputs: [left, right], outputs: out, name: 'two_towers' })`)
      ).result,
    );

    // Training: a small classifier, 5 epochs of 150 batches; keep an update from the middle of epoch 2.
    await cell(`const clf = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 32, activation: 'relu' }), tf.layers.dense({ units: 3, activation: 'softmax' })] });
clf.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
const px = tf.randomNormal([1500, 4], 0, 1, 'float32', 3);
const py = tf.oneHot(px.slice([0, 0], [-1, 1]).reshape([-1]).greater(0).cast('int32').add(px.slice([0, 1], [-1, 1]).reshape([-1]).greater(0.5).cast('int32')), 3);`);
    const fit = await cell(
      'await clf.fit(px, py, { epochs: 5, batchSize: 8, validationSplit: 0.2, callbacks: { onBatchEnd: async () => { await new Promise((r) => setTimeout(r, 2)); } } });',
    );
    const updates = fit.displayParams.filter((d) => d.displayId);
    const mid = updates.find((u) => {
      const p = u.items.find((i) => i.mime === MIME.training)?.data as TrainingPayload;
      return p.epoch === 1 && p.batch >= 75;
    });
    save('training-running', mid?.items);
    save('training-done', updates[updates.length - 1]?.items);

    const chart = async (name: string, source: string) => save(name, (await cell(source)).displayParams[0]?.items);
    await chart(
      'chart-line',
      "display.line({ accuracy: [0.62, 0.78, 0.84, 0.87, 0.89, 0.9, 0.91, 0.915, 0.92, 0.923], val_accuracy: [0.7, 0.8, 0.83, 0.85, 0.86, 0.87, 0.872, 0.875, 0.874, 0.876] }, { title: 'Accuracy over epochs', xLabel: 'epoch', yLabel: 'accuracy' });",
    );
    await chart(
      'chart-scatter',
      "const sx = tf.randomNormal([200], 0, 1, 'float32', 11); const sy = sx.mul(2).add(tf.randomNormal([200], 0, 0.5, 'float32', 12));\ndisplay.scatter({ samples: { x: sx, y: sy } }, { title: 'y = 2x + noise', xLabel: 'x', yLabel: 'y' });",
    );
    await chart("chart-bar", "display.bar(['airplane', 'automobile', 'bird', 'cat', 'deer'], { precision: [0.71, 0.82, 0.55, 0.47, 0.63], recall: [0.75, 0.8, 0.5, 0.52, 0.6] }, { title: 'Per-class scores' });");
    await chart('chart-histogram', "display.histogram({ weights: tf.randomNormal([5000], 0, 0.05, 'float32', 13), biases: tf.randomNormal([500], 0.02, 0.03, 'float32', 14) }, { bins: 40, title: 'Dense layer values' });");
    await chart(
      'chart-heatmap',
      "display.heatmap(tf.tidy(() => tf.range(0, 12).reshape([12, 1]).matMul(tf.range(0, 8).reshape([1, 8])).sin()), { title: 'sin(i·j)', rows: Array.from({ length: 12 }, (_, i) => `r${i}`), cols: Array.from({ length: 8 }, (_, i) => `c${i}`) });",
    );
    await chart(
      'chart-confusion',
      `const truth = Array.from({ length: 2000 }, (_, i) => i % 10);
const guess = truth.map((t, i) => (i % 13 === 0 ? (t + 1 + (i % 3)) % 10 : t));
display.confusionMatrix(truth, guess, { classes: 10, title: 'MNIST test set' });`,
    );
  } finally {
    await kernel.shutdown();
  }
}

void main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
