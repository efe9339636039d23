/**
 * `datasets.cifar10` in a real kernel process: CIFAR-format files found where they are looked for
 * (dataDir, $BMNB_DATA_DIR, ~/.cache/bmnb/datasets; directly or in cifar-10-batches-bin/), only the
 * batch files needed are read, and the download — served by a local HTTP server (CI has no
 * internet), with BMNB_CIFAR10_URL / _SHA256 / _BYTES pointing at it: progress, checksum, unpack,
 * the cached second call, and every failure (checksum, size, dropped connection, no server,
 * interrupt, a bad archive) leaving nothing behind and saying which files to put where.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KernelClient } from '../src/host/kernelClient';
import { run, startKernel, tempDir } from './helpers/kernel';
import { cifarBatchBytes, fixtureLabel, writeCifarArchive, writeCifarFixture } from './helpers/cifarFixture';

const CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

let kernel: KernelClient;
let home: string;
let envDir: string;

async function ok(source: string): Promise<unknown> {
  const r = await run(kernel, source);
  assert.equal(r.status, 'ok', `${source}\n→ ${r.error?.stack ?? ''}`);
  try {
    return JSON.parse(r.text ?? '');
  } catch {
    return r.text;
  }
}

async function fails(source: string): Promise<string> {
  const r = await run(kernel, source);
  assert.equal(r.status, 'error', `expected an error from:\n${source}\ngot ${r.status}: ${r.text ?? ''}`);
  return r.error!.message;
}

/** A cell that loads CIFAR-10 with `options` and reports shapes, labels and the tensor count, then disposes everything. */
const load = (options: string) =>
  [
    `const c = await datasets.cifar10(${options});`,
    'const out = JSON.stringify({ xTrain: c.xTrain.shape, yTrain: c.yTrain.arraySync(), xTest: c.xTest.shape, yTest: c.yTest.arraySync(), dtypes: [c.xTrain.dtype, c.yTrain.dtype, c.xTest.dtype, c.yTest.dtype], classNames: c.classNames,',
    '  range: tf.tidy(() => [c.xTrain.min().dataSync()[0], c.xTrain.max().dataSync()[0]]), px: Array.from(c.xTrain.slice([1, 2, 3, 0], [1, 1, 1, 3]).dataSync()) });',
    'tf.dispose([c.xTrain, c.yTrain, c.xTest, c.yTest]);',
    'out',
  ].join('\n');

interface Loaded {
  xTrain: number[];
  yTrain: number[];
  xTest: number[];
  yTest: number[];
  dtypes: string[];
  classNames: string[];
  range: number[];
  px: number[];
}

/** The labels of the first `n` training images of a fixture with `perBatch` images per batch. */
function trainLabels(perBatch: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => fixtureLabel(Math.floor(i / perBatch), i % perBatch));
}

before(async () => {
  home = tempDir();
  envDir = tempDir();
  kernel = await startKernel({ env: { HOME: home, BMNB_DATA_DIR: envDir } });
  await ok("import * as tf from '@tensorflow/tfjs';\nimport { datasets, metrics } from 'bmnb';");
});
after(() => kernel.shutdown());

describe('datasets.cifar10 from files', () => {
  test('reads [N, 32, 32, 3] HWC float32 in [0, 1], int32 labels and the ten class names, in the files\' order', async () => {
    const dir = tempDir();
    writeCifarFixture(dir, { perBatch: 6, testCount: 4 });
    const r = (await ok(load(`{ dataDir: ${JSON.stringify(dir)} }`))) as Loaded;
    assert.deepEqual(r.xTrain, [30, 32, 32, 3]);
    assert.deepEqual(r.xTest, [4, 32, 32, 3]);
    assert.deepEqual(r.dtypes, ['float32', 'int32', 'float32', 'int32']);
    assert.deepEqual(r.yTrain, trainLabels(6, 30));
    assert.deepEqual(r.yTest, [0, 1, 2, 3].map((i) => fixtureLabel(5, i)));
    assert.deepEqual(r.classNames, CLASSES);
    assert.ok(r.range[0]! >= 0 && r.range[1]! <= 1 && r.range[1]! > 0.9);
    // Image 1, pixel (y 2, x 3): its red, green and blue bytes from the three planes.
    const bytes = cifarBatchBytes(0, 6);
    const o = 3073 + 1 + 2 * 32 + 3;
    assert.deepEqual(r.px, [bytes[o]!, bytes[o + 1024]!, bytes[o + 2048]!].map((b) => Math.fround(b / 255)));
  });

  test('trainSize and testSize take the first N, reading only the batch files needed', async () => {
    const dir = tempDir();
    writeCifarFixture(dir, { perBatch: 20, testCount: 10 });
    // data_batch_3..5 are broken: a load that needs only the first two batches never opens them.
    for (const n of [3, 4, 5]) writeFileSync(join(dir, `data_batch_${n}.bin`), Buffer.alloc(100));
    const r = (await ok(load(`{ dataDir: ${JSON.stringify(dir)}, trainSize: 33, testSize: 3 }`))) as Loaded;
    assert.deepEqual(r.xTrain, [33, 32, 32, 3]);
    assert.deepEqual(r.yTrain, trainLabels(20, 33));
    assert.deepEqual(r.xTest, [3, 32, 32, 3]);
    await ok('globalThis.before = tf.memory().numTensors;');
    assert.match(await fails(`await datasets.cifar10({ dataDir: ${JSON.stringify(dir)}, trainSize: 41 })`), /data_batch_3\.bin is not a CIFAR-10 batch file: its size \(100 bytes\) is not a multiple of 3,073/);
    writeCifarFixture(dir, { perBatch: 20, testCount: 10 });
    assert.match(await fails(`await datasets.cifar10({ dataDir: ${JSON.stringify(dir)}, testSize: 11 })`), /testSize is 11, but .*test_batch\.bin holds 10 images; pass at most 10/);
    assert.match(await fails(`await datasets.cifar10({ dataDir: ${JSON.stringify(dir)}, trainSize: 101 })`), /trainSize is 101, but the batch files in .* hold 100 images; pass at most 100/);
    assert.equal(await ok('tf.memory().numTensors - globalThis.before'), 0, 'failed loads leave no tensors');
    assert.match(await fails(`await datasets.cifar10({ dataDir: ${JSON.stringify(dir)}, trainsize: 5 })`), /unknown option "trainsize" \(did you mean "trainSize"\?\)/);
  });

  test('looks in dataDir, then $BMNB_DATA_DIR, then ~/.cache/bmnb/datasets, each directly or in cifar-10-batches-bin/', async () => {
    const dataDir = tempDir();
    writeCifarFixture(dataDir, { perBatch: 1, testCount: 1 });
    writeCifarFixture(join(envDir, 'cifar-10-batches-bin'), { perBatch: 2, testCount: 2 });
    writeCifarFixture(join(home, '.cache', 'bmnb', 'datasets', 'cifar-10-batches-bin'), { perBatch: 3, testCount: 3 });
    const sizes = async (options: string) => ((await ok(load(options))) as Loaded).xTrain[0];
    assert.equal(await sizes(`{ dataDir: ${JSON.stringify(dataDir)} }`), 5);
    assert.equal(await sizes('{}'), 10, '$BMNB_DATA_DIR');
    assert.equal(await sizes(`{ dataDir: ${JSON.stringify(tempDir())} }`), 10, 'an empty dataDir falls through to $BMNB_DATA_DIR');
    await ok('globalThis.savedDataDir = process.env.BMNB_DATA_DIR; delete process.env.BMNB_DATA_DIR;');
    try {
      assert.equal(await sizes('{}'), 15, "bmnb's cache");
      // A relative dataDir is relative to the notebook's folder; ~ is the home folder.
      assert.equal(await sizes("{ dataDir: '~/.cache/bmnb/datasets' }"), 15);
    } finally {
      await ok('process.env.BMNB_DATA_DIR = globalThis.savedDataDir;');
      // The download tests below need every folder empty.
      rmSync(join(envDir, 'cifar-10-batches-bin'), { recursive: true, force: true });
      rmSync(join(home, '.cache'), { recursive: true, force: true });
    }
  });
});

describe('the CIFAR-format fixture (test/helpers/cifarFixture.ts)', () => {
  test('is learnable: a small CNN tells its classes apart after one epoch', async () => {
    const dir = tempDir();
    writeCifarFixture(dir, { perBatch: 500, testCount: 300, seed: 5 });
    const r = (await ok(
      [
        `const f = await datasets.cifar10({ dataDir: ${JSON.stringify(dir)} });`,
        'const cnn = tf.sequential({ layers: [',
        "  tf.layers.conv2d({ inputShape: [32, 32, 3], filters: 8, kernelSize: 3, activation: 'relu' }),",
        '  tf.layers.maxPooling2d({ poolSize: 2 }),',
        "  tf.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu' }),",
        '  tf.layers.maxPooling2d({ poolSize: 2 }),',
        '  tf.layers.flatten(),',
        "  tf.layers.dense({ units: 10, activation: 'softmax' }),",
        '] });',
        "cnn.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });",
        'const yF = f.yTrain.toFloat();',
        'await cnn.fit(f.xTrain, yF, { epochs: 1, batchSize: 32, verbose: 0 });',
        'const pred = cnn.predict(f.xTest) as tf.Tensor;',
        "const out = JSON.stringify({ accuracy: metrics.accuracy(f.yTest, pred), perClass: metrics.recall(f.yTest, pred, 10).perClass.map((v) => +v.toFixed(2)) });",
        'tf.dispose([f.xTrain, f.yTrain, f.xTest, f.yTest, yF, pred]);',
        'cnn.dispose();',
        'out',
      ].join('\n'),
    )) as { accuracy: number; perClass: number[] };
    console.log(`fixture (2,500 training images), one epoch of a small CNN: test accuracy ${r.accuracy}, recall per class ${r.perClass.join(' ')}`);
    assert.ok(r.accuracy >= 0.85, `accuracy ${r.accuracy}`);
  });
});

// ---- downloads ---------------------------------------------------------------------------------

type Mode = 'ok' | 'drop' | 'stall' | 'missing';

describe('datasets.cifar10 download (from a local server)', () => {
  let server: Server;
  let url: string;
  let archive: { bytes: Buffer; size: number; sha256: string };
  let incomplete: { bytes: Buffer; size: number; sha256: string };
  let mode: Mode = 'ok';
  let requests = 0;
  let lastClosed: Promise<void> = Promise.resolve();

  before(async () => {
    const work = tempDir();
    archive = await writeCifarArchive(join(work, 'good.tar.gz'), join(work, 'good'), { perBatch: 10, testCount: 10 });
    // An archive without test_batch.bin.
    const bad = join(work, 'bad');
    await writeCifarArchive(join(work, 'unused.tar.gz'), bad, { perBatch: 2, testCount: 2 });
    rmSync(join(bad, 'cifar-10-batches-bin', 'test_batch.bin'));
    const { c } = await import('tar');
    await c({ gzip: true, file: join(work, 'bad.tar.gz'), cwd: bad, portable: true }, ['cifar-10-batches-bin']);
    const badBytes = readFileSync(join(work, 'bad.tar.gz'));
    const { createHash } = await import('node:crypto');
    incomplete = { bytes: badBytes, size: badBytes.length, sha256: createHash('sha256').update(badBytes).digest('hex') };

    server = createServer((req, res) => {
      requests++;
      let closed!: () => void;
      lastClosed = new Promise((resolve) => (closed = resolve));
      res.on('close', () => closed());
      const body = mode === 'missing' ? incomplete.bytes : archive.bytes;
      res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': String(body.length) });
      if (mode === 'ok' || mode === 'missing') {
        res.end(body);
      } else if (mode === 'drop') {
        res.write(body.subarray(0, Math.floor(body.length / 2)), () => setTimeout(() => res.destroy(), 20));
      } else {
        res.write(body.subarray(0, Math.floor(body.length / 3))); // …and never the rest
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cifar-10-binary.tar.gz`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const useServer = (sha256: string, size: number | string) =>
    ok(`process.env.BMNB_CIFAR10_URL = ${JSON.stringify(url)}; process.env.BMNB_CIFAR10_SHA256 = ${JSON.stringify(sha256)}; process.env.BMNB_CIFAR10_BYTES = ${JSON.stringify(String(size))};`);

  /** The error a failed download gives: what went wrong, the six files, the folders in order, the official URL. */
  function assertMissingMessage(message: string, dir: string, what: RegExp): void {
    assert.match(message, /^datasets\.cifar10: CIFAR-10 is not on this machine, and downloading it failed: /);
    assert.match(message, what);
    assert.match(message, /data_batch_1\.bin, data_batch_2\.bin, data_batch_3\.bin, data_batch_4\.bin, data_batch_5\.bin, test_batch\.bin/);
    const folders = [`1. ${dir} (the dataDir option)`, `2. ${envDir} ($BMNB_DATA_DIR)`, `3. ${join(home, '.cache', 'bmnb', 'datasets')} (bmnb's cache)`];
    let at = 0;
    for (const f of folders) {
      const i = message.indexOf(f, at);
      assert.ok(i > at, `"${f}" in order in:\n${message}`);
      at = i;
    }
    assert.match(message, /https:\/\/www\.cs\.toronto\.edu\/~kriz\/cifar-10-binary\.tar\.gz \(170,052,171 bytes, SHA-256 c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd\)/);
    assert.match(message, /in a cifar-10-batches-bin\/ subfolder/);
    assert.ok(message.includes(`(mkdir -p ${dir} && tar xzf cifar-10-binary.tar.gz -C ${dir})`), message);
  }

  /** Nothing but what a finished download leaves: no .part file, no temporary folder. */
  function entries(dir: string): string[] {
    return existsSync(dir) ? readdirSync(dir).sort() : [];
  }

  test('downloads with a progress line, checks size and SHA-256, unpacks, and the second call uses the files', async () => {
    mode = 'ok';
    await useServer(archive.sha256, archive.size);
    const dir = join(tempDir(), 'data');
    // Leftovers of an earlier call that was killed are cleaned up.
    mkdirSync(join(dir, '.cifar-10-batches-bin.unpack-old'), { recursive: true });
    writeFileSync(join(dir, '.cifar-10-batches-bin.unpack-old', 'data_batch_1.bin'), 'half');
    const before = requests;
    const first = await run(kernel, load(`{ dataDir: ${JSON.stringify(dir)}, trainSize: 25 }`));
    assert.equal(first.status, 'ok', first.error?.stack);
    assert.equal(requests - before, 1);
    assert.ok(first.stdout.startsWith(`CIFAR-10 is not in ${dir}, ${envDir}, ${join(home, '.cache', 'bmnb', 'datasets')}: downloading ${url} (0 MB) into ${dir}\n\rDownloading CIFAR-10: 0.0 MB of 0.`), first.stdout);
    assert.match(first.stdout, /\rDownloading CIFAR-10: 0\.\d MB of 0\.\d MB \(100%\)/);
    assert.match(first.stdout, /verified \(size and SHA-256\); unpacking… done in \d+\.\d s\n$/);
    const r = JSON.parse(first.text!) as Loaded;
    assert.deepEqual(r.xTrain, [25, 32, 32, 3]);
    assert.deepEqual(r.yTrain, trainLabels(10, 25));
    assert.deepEqual(r.xTest, [10, 32, 32, 3]);
    assert.deepEqual(entries(dir), ['cifar-10-batches-bin']);
    assert.deepEqual(entries(join(dir, 'cifar-10-batches-bin')), ['batches.meta.txt', 'data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin']);
    const second = await run(kernel, load(`{ dataDir: ${JSON.stringify(dir)} }`));
    assert.equal(second.status, 'ok');
    assert.equal(requests - before, 1, 'no second download');
    assert.equal(second.stdout, '');
    assert.deepEqual((JSON.parse(second.text!) as Loaded).xTrain, [50, 32, 32, 3]);
  });

  test('onProgress replaces the progress line', async () => {
    mode = 'ok';
    await useServer(archive.sha256, archive.size);
    const dir = tempDir();
    const r = await run(kernel, `const phases: string[] = [];\nconst cc = await datasets.cifar10({ dataDir: ${JSON.stringify(dir)}, onProgress: (p) => phases.push(p.phase + ' ' + p.received + '/' + p.total) });\ntf.dispose([cc.xTrain, cc.yTrain, cc.xTest, cc.yTest]);\nJSON.stringify([phases[0], phases[phases.length - 2], phases[phases.length - 1]])`);
    assert.equal(r.status, 'ok', r.error?.stack);
    assert.equal(r.stdout, '');
    assert.deepEqual(JSON.parse(r.text!), [`download 0/${archive.size}`, `unpack ${archive.size}/${archive.size}`, `done ${archive.size}/${archive.size}`]);
  });

  test('a checksum mismatch fails with both hashes and leaves nothing behind', async () => {
    mode = 'ok';
    await useServer('0'.repeat(64), archive.size);
    const dir = tempDir();
    const message = await fails(`await datasets.cifar10({ dataDir: ${JSON.stringify(dir)} })`);
    assertMissingMessage(message, dir, new RegExp(`the downloaded file's SHA-256 is ${archive.sha256}, not the expected 0{64}: the file is damaged or not the official one\\.`));
    assert.match(message, /The download tried http:\/\/127\.0\.0\.1:\d+\/cifar-10-binary\.tar\.gz, from BMNB_CIFAR10_URL/);
    assert.deepEqual(entries(dir), []);
  });

  test('a size mismatch is caught from the announced length, before any data', async () => {
    mode = 'ok';
    await useServer(archive.sha256, archive.size + 1);
    const dir = tempDir();
    assertMissingMessage(await fails(`await datasets.cifar10({ dataDir: ${JSON.stringify(dir)} })`), dir, new RegExp(`announces ${archive.size.toLocaleString('en-US')} bytes, but the archive has ${(archive.size + 1).toLocaleString('en-US')}`));
    assert.deepEqual(entries(dir), []);
  });

  test('a connection dropped mid-way fails and leaves no half files; the next call starts over and succeeds', async () => {
    mode = 'drop';
    await useServer(archive.sha256, archive.size);
    const dir = tempDir();
    assertMissingMessage(await fails(`await datasets.cifar10({ dataDir: ${JSON.stringify(dir)} })`), dir, /the connection broke after 0\.\d MB of 0\.\d MB|the download ended after [\d,]+ of [\d,]+ bytes/);
    assert.deepEqual(entries(dir), []);
    mode = 'ok';
    const r = (await ok(load(`{ dataDir: ${JSON.stringify(dir)} }`))) as Loaded;
    assert.deepEqual(r.xTrain, [50, 32, 32, 3]);
    assert.deepEqual(entries(dir), ['cifar-10-batches-bin']);
  });

  test('no server (no network): the error says what went wrong and which files to put where', async () => {
    // A port nothing listens on: one the system just gave and took back.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    await ok(`process.env.BMNB_CIFAR10_URL = 'http://127.0.0.1:${port}/cifar-10-binary.tar.gz';`);
    const dir = tempDir();
    assertMissingMessage(await fails(`await datasets.cifar10({ dataDir: ${JSON.stringify(dir)} })`), dir, new RegExp(`could not connect to http://127\\.0\\.0\\.1:${port}/cifar-10-binary\\.tar\\.gz: connect ECONNREFUSED 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)\\.`));
    assert.deepEqual(entries(dir), []);
  });

  test('an archive without all six files is refused and leaves nothing behind', async () => {
    mode = 'missing';
    await useServer(incomplete.sha256, incomplete.size);
    const dir = tempDir();
    assertMissingMessage(await fails(`await datasets.cifar10({ dataDir: ${JSON.stringify(dir)} })`), dir, /the archive has no cifar-10-batches-bin\/test_batch\.bin/);
    assert.deepEqual(entries(dir), []);
  });

  test('interrupting the cell stops the download and removes the partial file', async () => {
    mode = 'stall';
    await useServer(archive.sha256, archive.size);
    const dir = tempDir();
    const before = requests;
    const running = run(kernel, `await datasets.cifar10({ dataDir: ${JSON.stringify(dir)} })`);
    const deadline = Date.now() + 5000;
    while ((requests === before || !existsSync(join(dir, 'cifar-10-binary.tar.gz.part'))) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(existsSync(join(dir, 'cifar-10-binary.tar.gz.part')), 'the download started');
    kernel.interrupt();
    const r = await running;
    assert.equal(r.status, 'interrupted');
    await lastClosed; // the kernel closed the connection
    const until = Date.now() + 2000;
    while (entries(dir).length > 0 && Date.now() < until) await new Promise((res) => setTimeout(res, 20));
    assert.deepEqual(entries(dir), []);
    assert.equal(await ok('1 + 1'), 2, 'the kernel goes on');
  });

  test('BMNB_CIFAR10_URL needs BMNB_CIFAR10_SHA256', async () => {
    await ok(`process.env.BMNB_CIFAR10_URL = ${JSON.stringify(url)}; delete process.env.BMNB_CIFAR10_SHA256;`);
    assert.match(await fails(`await datasets.cifar10({ dataDir: ${JSON.stringify(tempDir())} })`), /BMNB_CIFAR10_URL is set \(.*\), so BMNB_CIFAR10_SHA256 must be set too, to the archive's SHA-256 \(64 hex digits\); it is not set/);
  });
});
