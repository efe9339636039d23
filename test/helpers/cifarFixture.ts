/**
 * Small CIFAR-10-format datasets for tests (CI has no internet): `data_batch_1.bin` …
 * `data_batch_5.bin` and `test_batch.bin`, rows of 1 label byte + 3,072 pixel bytes (red, green,
 * blue planes of 32×32), exactly as the official binary version.
 *
 * The images are learnable: each class has its own colour and its own pattern (stripes of some
 * orientation, a checkerboard, a disc, a ring…) on its own dark background, shifted at random
 * and covered with noise, so a small CNN tells the classes apart after one epoch (of 2,500 images)
 * while no two images are the same.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { c as createTar } from 'tar';
import { seededRandom } from '../../src/cellLibrary/augment';

export const FIXTURE_TRAIN_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];
export const FIXTURE_TEST_FILE = 'test_batch.bin';

export interface CifarFixtureOptions {
  /** Images in each of the five training batch files (default 10). */
  perBatch?: number;
  /** Images in test_batch.bin (default 10). */
  testCount?: number;
  /** Seed of the noise and shifts (default 1). */
  seed?: number;
}

/** The label of row `row` of batch file `file` (0–4 for data_batch_1…5, 5 for test_batch): every class in turn. */
export function fixtureLabel(file: number, row: number): number {
  return (row * 3 + file) % 10;
}

/** Each class's colour (RGB), far apart from each other. */
const COLOURS: [number, number, number][] = [
  [230, 40, 40],
  [40, 200, 40],
  [40, 60, 230],
  [230, 220, 40],
  [220, 40, 220],
  [40, 220, 220],
  [240, 140, 20],
  [250, 160, 190],
  [250, 250, 250],
  [120, 120, 120],
];

/** Whether pixel (x, y) is "on" in class c's pattern, shifted by (dx, dy). */
function patternOn(c: number, x: number, y: number, dx: number, dy: number): boolean {
  const u = x + dx;
  const v = y + dy;
  const r = Math.hypot(x - 15.5 - dx / 4, y - 15.5 - dy / 4);
  switch (c % 5) {
    case 0:
      return Math.floor(v / 4) % 2 === 0; // horizontal stripes
    case 1:
      return Math.floor(u / 4) % 2 === 0; // vertical stripes
    case 2:
      return (Math.floor(u / 4) + Math.floor(v / 4)) % 2 === 0; // checkerboard
    case 3:
      return c === 3 ? r < 10 : r > 7 && r < 13; // disc, or a ring
    default:
      return Math.floor((u + v) / 5) % 2 === 0; // diagonal stripes
  }
}


/** The bytes of one batch file with `count` rows. */
export function cifarBatchBytes(file: number, count: number, seed = 1): Uint8Array {
  const random = seededRandom(seed * 7919 + file * 104729 + 1);
  const out = new Uint8Array(count * 3073);
  for (let row = 0; row < count; row++) {
    const label = fixtureLabel(file, row);
    const o = row * 3073;
    out[o] = label;
    const colour = COLOURS[label]!;
    const dx = Math.floor(random() * 8);
    const dy = Math.floor(random() * 8);
    // The background: a dark shade of another class's colour, so each class has its own pair.
    const background = COLOURS[(label + 3) % 10]!;
    const shade = 0.25 + random() * 0.1;
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) {
        const on = patternOn(label, x, y, dx, dy);
        for (let ch = 0; ch < 3; ch++) {
          const base = on ? colour[ch]! : background[ch]! * shade;
          const noisy = base + (random() - 0.5) * 60;
          out[o + 1 + ch * 1024 + y * 32 + x] = Math.max(0, Math.min(255, Math.round(noisy)));
        }
      }
    }
  }
  return out;
}

/**
 * Writes `data_batch_1.bin` … `data_batch_5.bin` (`perBatch` images each) and `test_batch.bin`
 * (`testCount` images) directly into `dir` (created if needed). Labels follow
 * {@link fixtureLabel}. Returns the paths written.
 */
export function writeCifarFixture(dir: string, options: CifarFixtureOptions = {}): string[] {
  const perBatch = options.perBatch ?? 10;
  const testCount = options.testCount ?? 10;
  const seed = options.seed ?? 1;
  mkdirSync(dir, { recursive: true });
  const files = [...FIXTURE_TRAIN_FILES, FIXTURE_TEST_FILE];
  return files.map((name, i) => {
    const p = join(dir, name);
    writeFileSync(p, cifarBatchBytes(i, i < 5 ? perBatch : testCount, seed));
    return p;
  });
}

/**
 * A `.tar.gz` laid out like the official `cifar-10-binary.tar.gz` (a `cifar-10-batches-bin/`
 * folder with the six files and `batches.meta.txt`), written to `file`. Returns its bytes, size
 * and SHA-256.
 */
export async function writeCifarArchive(file: string, workDir: string, options: CifarFixtureOptions = {}): Promise<{ bytes: Buffer; size: number; sha256: string }> {
  const folder = join(workDir, 'cifar-10-batches-bin');
  writeCifarFixture(folder, options);
  writeFileSync(join(folder, 'batches.meta.txt'), 'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n');
  await createTar({ gzip: true, file, cwd: workDir, portable: true }, ['cifar-10-batches-bin']);
  const bytes = readFileSync(file);
  return { bytes, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}
