/**
 * tf.node.summaryFileWriter and tf.node.tensorBoard without libtensorflow: the files they write
 * are TensorFlow event files, checked by a reader written here (TFRecord framing with both masked
 * CRC-32Cs, then the Event / Summary / HistogramProto fields), and hold the tags, steps and values
 * a user logged, or that model.fit reported in its History.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { crc32c } from './crc32c';
import { createTfNode } from './index';

const root = mkdtempSync(join(tmpdir(), 'bmnb-tfnode-'));
const node = createTfNode(tf, { notebookDir: root });
let dirs = 0;
/** A fresh log directory name, relative to the notebook folder. */
const fresh = (name: string) => `${name}-${++dirs}`;

before(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});
after(() => rmSync(root, { recursive: true, force: true }));

// ---- The reader: TFRecord framing and the protobuf fields of Event, Summary, HistogramProto. ----

/** TFRecord's mask, written out here independently of the code under test. */
const masked = (bytes: Uint8Array) => {
  const crc = crc32c(bytes);
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
};

/** The records of a TFRecord file, each checked against both of its masked CRC-32Cs. */
function records(file: Uint8Array): Uint8Array[] {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const out: Uint8Array[] = [];
  for (let i = 0; i < file.length; ) {
    assert.ok(i + 12 <= file.length, `a record header at byte ${i}`);
    const length = Number(view.getBigUint64(i, true));
    assert.equal(view.getUint32(i + 8, true), masked(file.subarray(i, i + 8)), `length CRC of the record at byte ${i}`);
    const data = file.subarray(i + 12, i + 12 + length);
    assert.equal(data.length, length, `the record at byte ${i} is whole`);
    assert.equal(view.getUint32(i + 12 + length, true), masked(data), `data CRC of the record at byte ${i}`);
    out.push(data);
    i += 12 + length + 4;
  }
  return out;
}

type Field = bigint | number | Uint8Array;

/** A protobuf message's fields by number: varints as bigint, fixed64/fixed32 as their 8 or 4 bytes, length-delimited as bytes. */
function fields(bytes: Uint8Array): Map<number, Field[]> {
  const out = new Map<number, Field[]>();
  let i = 0;
  const varint = () => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = bytes[i++];
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return v;
    }
  };
  while (i < bytes.length) {
    const key = Number(varint());
    const [field, wire] = [key >> 3, key & 7];
    let value: Field;
    if (wire === 0) value = varint();
    else if (wire === 1) value = bytes.subarray(i, (i += 8));
    else if (wire === 2) {
      const n = Number(varint());
      value = bytes.subarray(i, (i += n));
    } else if (wire === 5) value = bytes.subarray(i, (i += 4));
    else throw new Error(`wire type ${wire}`);
    out.set(field, [...(out.get(field) ?? []), value]);
  }
  return out;
}

const one = (m: Map<number, Field[]>, n: number) => m.get(n)?.[0];
const asDouble = (b: Field | undefined) => (b === undefined ? 0 : new DataView((b as Uint8Array).buffer, (b as Uint8Array).byteOffset, 8).getFloat64(0, true));
const asFloat = (b: Field | undefined) => new DataView((b as Uint8Array).buffer, (b as Uint8Array).byteOffset, 4).getFloat32(0, true);
const asString = (b: Field | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b as Uint8Array));
const asDoubles = (b: Field | undefined) => {
  if (b === undefined) return [];
  const bytes = b as Uint8Array;
  return Array.from({ length: bytes.length / 8 }, (_, k) => new DataView(bytes.buffer, bytes.byteOffset + k * 8, 8).getFloat64(0, true));
};

interface Histo {
  min: number;
  max: number;
  num: number;
  sum: number;
  sumSquares: number;
  bucketLimit: number[];
  bucket: number[];
}
interface Value {
  tag: string;
  simpleValue?: number;
  histo?: Histo;
  description?: string;
}
interface Event {
  wallTime: number;
  step: number;
  fileVersion?: string;
  values: Value[];
}

/** event.proto: wall_time 1 (double), step 2 (int64), file_version 3, summary 5 { value 1 { tag 1, simple_value 2, histo 5, metadata 9 } }. */
function event(bytes: Uint8Array): Event {
  const e = fields(bytes);
  const summary = one(e, 5);
  const values = summary === undefined ? [] : (fields(summary as Uint8Array).get(1) ?? []).map((v) => value(fields(v as Uint8Array)));
  return { wallTime: asDouble(one(e, 1)), step: Number(BigInt.asIntN(64, (one(e, 2) as bigint | undefined) ?? 0n)), fileVersion: asString(one(e, 3)), values };
}

function value(v: Map<number, Field[]>): Value {
  const out: Value = { tag: asString(one(v, 1)) ?? '' };
  if (v.has(2)) out.simpleValue = asFloat(one(v, 2));
  const histo = one(v, 5);
  if (histo !== undefined) {
    const h = fields(histo as Uint8Array);
    out.histo = { min: asDouble(one(h, 1)), max: asDouble(one(h, 2)), num: asDouble(one(h, 3)), sum: asDouble(one(h, 4)), sumSquares: asDouble(one(h, 5)), bucketLimit: asDoubles(one(h, 6)), bucket: asDoubles(one(h, 7)) };
  }
  const metadata = one(v, 9);
  if (metadata !== undefined) out.description = asString(one(fields(metadata as Uint8Array), 3));
  return out;
}

/** The one event file in `dir` (relative to the notebook folder): its name and events. */
function eventFile(dir: string): { name: string; events: Event[] } {
  const names = readdirSync(join(root, dir));
  assert.equal(names.length, 1, `one event file in ${dir}: ${names.join(', ')}`);
  return { name: names[0], events: records(readFileSync(join(root, dir, names[0]))).map(event) };
}

/** The summary values of the events, flattened with their steps. */
function summaries(events: Event[]): (Value & { step: number })[] {
  return events.flatMap((e) => e.values.map((v) => ({ ...v, step: e.step })));
}

// ---- The tests. ----

test('CRC-32C is the Castagnoli CRC: crc32c("123456789") = 0xe3069283', () => {
  assert.equal(crc32c(new TextEncoder().encode('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa, 'the 32 zero bytes of RFC 3720');
});

describe('summaryFileWriter', () => {
  test('creates events.out.tfevents.<seconds>.<hostname>.v2 in the logdir, relative to the notebook folder, starting with file_version brain.Event:2', () => {
    const dir = fresh('logs');
    const started = Date.now() / 1000;
    node.summaryFileWriter(dir);
    const { name, events } = eventFile(dir);
    const seconds = Number(name.split('.')[3]);
    assert.equal(name, `events.out.tfevents.${seconds}.${hostname()}.v2`);
    assert.ok(Math.abs(seconds - started) < 5, `seconds ${seconds} is now`);
    assert.equal(events.length, 1);
    assert.equal(events[0].fileVersion, 'brain.Event:2');
    assert.ok(Math.abs(events[0].wallTime - started) < 5);
  });

  test('scalars of numbers and of rank-0 tensors are written with their tags, steps and float32 values on flush', () => {
    const dir = fresh('scalars');
    const writer = node.summaryFileWriter(dir);
    const loss = tf.scalar(0.25);
    writer.scalar('loss', 1.1, 0);
    writer.scalar('loss', loss, 1);
    writer.scalar('accuracy', 0.875, 1, 'Share of **right** answers');
    writer.scalar('loss', Math.PI, 2);
    assert.equal(eventFile(dir).events.length, 1, 'queued until flushed (maxQueue 10)');
    writer.flush();
    loss.dispose();
    const written = summaries(eventFile(dir).events);
    assert.deepEqual(written, [
      { tag: 'loss', simpleValue: Math.fround(1.1), step: 0 },
      { tag: 'loss', simpleValue: 0.25, step: 1 },
      { tag: 'accuracy', simpleValue: 0.875, step: 1, description: 'Share of **right** answers' },
      { tag: 'loss', simpleValue: Math.fround(Math.PI), step: 2 },
    ]);
  });

  test('the same logdir gives the same writer and one file; more than maxQueue events are written without flush', () => {
    const dir = fresh('queue');
    const writer = node.summaryFileWriter(dir, 3);
    assert.equal(node.summaryFileWriter(dir), writer);
    for (let step = 0; step < 4; step++) writer.scalar('x', step, step);
    assert.deepEqual(summaries(eventFile(dir).events).map((v) => v.step), [0, 1, 2, 3], 'the 4th event (more than 3 queued) flushed all');
    writer.scalar('x', 4, 4);
    assert.equal(summaries(eventFile(dir).events).length, 4);
  });

  test('events are written after flushMillis without flush()', async () => {
    const dir = fresh('timer');
    const writer = node.summaryFileWriter(dir, 10, 50);
    writer.scalar('x', 7, 3);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(summaries(eventFile(dir).events), [{ tag: 'x', simpleValue: 7, step: 3 }]);
  });

  test('queued events are written when the process exits', () => {
    const script = join(root, 'exit.ts');
    writeFileSync(
      script,
      [
        `import * as tf from ${JSON.stringify(require.resolve('@tensorflow/tfjs'))};`,
        `import { createTfNode } from ${JSON.stringify(join(__dirname, 'index.ts'))};`,
        `const node = createTfNode(tf, { notebookDir: ${JSON.stringify(root)} });`,
        `node.summaryFileWriter('at-exit').scalar('last', 42, 9);`,
      ].join('\n'),
    );
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: process.cwd(), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(summaries(eventFile('at-exit').events), [{ tag: 'last', simpleValue: 42, step: 9 }]);
  });

  test('histograms hold min, max, count, sum, sum of squares and tfjs-node\'s equal-width buckets', () => {
    const dir = fresh('histograms');
    const writer = node.summaryFileWriter(dir);
    const data = tf.tensor2d([1, 2, 3, 4, 5, 5], [2, 3], 'int32');
    writer.histogram('w', data, 0, 4, 'weights');
    const same = tf.fill([3], 2.5);
    writer.histogram('same', same, 1);
    writer.flush();
    tf.dispose([data, same]);
    const [w, constant] = summaries(eventFile(dir).events);
    assert.deepEqual(w, {
      tag: 'w',
      step: 0,
      description: 'weights',
      histo: { min: 1, max: 5, num: 6, sum: 20, sumSquares: 80, bucketLimit: [2, 3, 4, 5], bucket: [1, 1, 1, 3] },
    });
    assert.deepEqual(constant.histo, { min: 2, max: 3, num: 3, sum: 7.5, sumSquares: 18.75, bucketLimit: [3], bucket: [3] }, 'one bucket [v - 0.5, v + 0.5]');
    assert.equal(constant.step, 1);
  });

  test('bad arguments are errors that say what to pass', () => {
    const writer = node.summaryFileWriter(fresh('bad'));
    assert.throws(() => node.summaryFileWriter(''), /Invalid logdir: \. Expected a non-empty string for logdir/);
    assert.throws(() => writer.scalar('x', 1, 1.5), /step is expected to be an integer, but is instead 1\.5/);
    const vector = tf.tensor1d([1, 2]);
    assert.throws(() => writer.scalar('x', vector as unknown as tf.Scalar, 0), /A non-scalar tensor \(rank 1, shape \[2\]\) is passed to scalar\(\).*t\.mean\(\)/);
    assert.throws(() => writer.histogram('x', vector, 0, 0), /Expected bucket count to be a strictly positive integer, but it was 0/);
    assert.throws(() => writer.histogram('x', [1, 2] as unknown as tf.Tensor, 0), /histogram\(\): data must be a tf\.Tensor.*tf\.tensor\(values\)/);
    vector.dispose();
  });
});

describe('tensorBoard callback', () => {
  /** A tiny regression model; fit with validationSplit so there are val_ logs. */
  async function fit(logdir: string, args: Parameters<typeof node.tensorBoard>[1], epochs = 2) {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4], activation: 'relu', kernelInitializer: 'glorotUniform' }), tf.layers.dense({ units: 1 })] });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError', metrics: ['mae'] });
    const xs = tf.tensor2d(Array.from({ length: 40 }, (_, i) => Math.sin(i)), [10, 4]);
    const ys = tf.tensor2d(Array.from({ length: 10 }, (_, i) => i / 10), [10, 1]);
    const batchLosses: number[] = [];
    const history = await model.fit(xs, ys, {
      epochs,
      batchSize: 3,
      validationSplit: 0.2,
      verbose: 0,
      callbacks: [node.tensorBoard(logdir, args), new tf.CustomCallback({ onBatchEnd: (_b, logs) => void batchLosses.push(logs!.loss) })],
    });
    const weights = model.weights.map((w) => ({ name: w.name, values: Array.from(w.read().dataSync()) }));
    tf.dispose([xs, ys]);
    model.dispose();
    return { history: history.history as Record<string, number[]>, batchLosses, weights };
  }

  test('with updateFreq batch: batch_ and epoch_ values in train/, val_ values in val/, equal to what fit reported', async () => {
    const logdir = fresh('fit');
    const { history, batchLosses } = await fit(logdir, { updateFreq: 'batch' });
    const train = summaries(eventFile(join(logdir, 'train')).events);
    const val = summaries(eventFile(join(logdir, 'val')).events);
    // 8 training samples in batches of 3: 3 batches an epoch; batch steps count on across epochs from 1.
    const batch = train.filter((v) => v.tag === 'batch_loss');
    assert.deepEqual(batch.map((v) => v.step), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(batch.map((v) => v.simpleValue), batchLosses.map(Math.fround));
    assert.deepEqual(train.filter((v) => v.tag === 'batch_mae').map((v) => v.step), [1, 2, 3, 4, 5, 6]);
    for (const key of ['loss', 'mae']) {
      const epoch = train.filter((v) => v.tag === `epoch_${key}`);
      assert.deepEqual(epoch.map((v) => v.step), [1, 2], `epoch_${key} steps`);
      assert.deepEqual(epoch.map((v) => v.simpleValue), history[key].map(Math.fround), `epoch_${key} values`);
      const validation = val.filter((v) => v.tag === `epoch_${key}`);
      assert.deepEqual(validation.map((v) => v.step), [1, 2]);
      assert.deepEqual(validation.map((v) => v.simpleValue), history[`val_${key}`].map(Math.fround), `val_${key} values`);
    }
    assert.deepEqual(new Set(val.map((v) => v.tag)), new Set(['epoch_loss', 'epoch_mae']), 'only epoch values in val/');
    assert.ok(!train.some((v) => v.tag.includes('val') || v.tag.endsWith('size') || v.tag.endsWith('batch')), 'no val_, size or batch keys in train/');
  });

  test('by default only epoch values are written; histogramFreq 1 adds a histogram of every weight at step = epoch', async () => {
    const logdir = fresh('hist');
    const { weights } = await fit(logdir, { histogramFreq: 1 });
    const train = summaries(eventFile(join(logdir, 'train')).events);
    assert.ok(!train.some((v) => v.tag.startsWith('batch_')), 'no batch_ values');
    const histograms = train.filter((v) => v.histo);
    assert.deepEqual(histograms.map((v) => [v.tag, v.step]), [...weights.map((w) => [w.name, 0]), ...weights.map((w) => [w.name, 1])]);
    for (const w of weights) {
      const last = histograms.find((v) => v.tag === w.name && v.step === 1)!.histo!;
      assert.equal(last.num, w.values.length, `${w.name}: count`);
      assert.ok(Math.abs(last.sum - w.values.reduce((a, b) => a + b, 0)) < 1e-5, `${w.name}: sum of the weights after training`);
      assert.equal(last.bucket.reduce((a, b) => a + b, 0), w.values.length, `${w.name}: every weight in a bucket`);
    }
  });

  test('bad arguments are the errors tfjs-node gives', () => {
    assert.throws(() => node.tensorBoard('./logs', { updateFreq: 'step' as 'batch' }), /Expected updateFreq to be 'batch' or 'epoch', but got step/);
    assert.throws(() => node.tensorBoard('./logs', { histogramFreq: 1.5 }), /Expected histogramFreq to be a positive integer, but got 1\.5/);
  });
});
