/**
 * The CIFAR-10 binary format: each row is one label byte and 3,072 pixel bytes, channel-major
 * (1,024 red, 1,024 green, 1,024 blue, each 32×32 row-major). Rows become HWC float32 in [0, 1]
 * (the layout tfjs's conv2d expects). Also where the six batch files are looked for.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const CIFAR_SIDE = 32;
export const CIFAR_PIXELS = CIFAR_SIDE * CIFAR_SIDE;
export const CIFAR_IMAGE_BYTES = 3 * CIFAR_PIXELS;
export const CIFAR_ROW_BYTES = 1 + CIFAR_IMAGE_BYTES;

export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
export const CIFAR10_TRAIN_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];
export const CIFAR10_TEST_FILE = 'test_batch.bin';
export const CIFAR10_FILES = [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE];
/** The folder the official archive unpacks to. */
export const CIFAR10_SUBDIR = 'cifar-10-batches-bin';

/** Number of rows in a batch file of `size` bytes; throws what is wrong with the file otherwise. */
export function cifarRows(size: number, file: string): number {
  if (size === 0) throw new Error(`${file} is empty: a CIFAR-10 batch file has rows of ${CIFAR_ROW_BYTES} bytes (1 label byte + 3,072 pixel bytes).`);
  if (size % CIFAR_ROW_BYTES !== 0) {
    const hint =
      size % (CIFAR_ROW_BYTES + 1) === 0
        ? ' Its size is a multiple of 3,074: it looks like a CIFAR-100 file (2 label bytes per row), which this reader does not read.'
        : ' The file is probably truncated (an interrupted download or copy): fetch it again.';
    throw new Error(
      `${file} is not a CIFAR-10 batch file: its size (${size.toLocaleString('en-US')} bytes) is not a multiple of ${CIFAR_ROW_BYTES.toLocaleString('en-US')} ` +
        `(1 label byte + 3,072 pixel bytes per image).${hint}`,
    );
  }
  return size / CIFAR_ROW_BYTES;
}

/**
 * Decodes up to `count` rows of a batch file into `images` (HWC float32 in [0, 1]) and `labels`,
 * starting at row `at` of those arrays. Returns the number of rows decoded.
 */
export function decodeCifarRows(bytes: Uint8Array, file: string, images: Float32Array, labels: Int32Array, at: number, count = Infinity): number {
  const rows = Math.min(cifarRows(bytes.length, file), count);
  for (let r = 0; r < rows; r++) {
    const src = r * CIFAR_ROW_BYTES;
    const label = bytes[src]!;
    if (label > 9) {
      throw new Error(`${file}: image ${r} has label ${label}, but CIFAR-10 labels are 0 to 9. The file is not a CIFAR-10 batch (or it is damaged).`);
    }
    labels[at + r] = label;
    const dst = (at + r) * CIFAR_IMAGE_BYTES;
    const red = src + 1;
    const green = red + CIFAR_PIXELS;
    const blue = green + CIFAR_PIXELS;
    for (let p = 0; p < CIFAR_PIXELS; p++) {
      const o = dst + 3 * p;
      images[o] = bytes[red + p]! / 255;
      images[o + 1] = bytes[green + p]! / 255;
      images[o + 2] = bytes[blue + p]! / 255;
    }
  }
  return rows;
}

/** The folder holding all six batch files: `dir` itself or its `cifar-10-batches-bin/`; undefined if neither. */
export function findCifarFolder(dir: string): string | undefined {
  for (const d of [dir, join(dir, CIFAR10_SUBDIR)]) {
    if (CIFAR10_FILES.every((f) => isFile(join(d, f)))) return d;
  }
  return undefined;
}

function isFile(p: string): boolean {
  try {
    return existsSync(p) && statSync(p).isFile();
  } catch {
    return false;
  }
}
