/**
 * Every sample notebook, run headlessly by the CLI in quick mode (`--param epochs=1 --param
 * trainSize=…`): each cell must succeed and the test accuracy the notebook reached (its
 * top-level `testAccuracy`) must clear a floor set from measured quick runs. The CIFAR-10 samples
 * run on a small CIFAR-format fixture (CI has no internet).
 *
 * Each run notebook is then shared as a user would: `bmnb convert` to .ipynb and back gives the same
 * bytes, the .ipynb validates with Jupyter's own nbformat and renders with `jupyter nbconvert --to
 * html` showing the PNG and HTML fallbacks, and `bmnb export --to html` stays within 3 MB.
 *
 *   npm run test:samples        (several minutes: it trains five models)
 */
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNotebook, serializeNotebook, sourceToLines } from '../src/format';
import { CLI_PATH, ROOT } from './helpers/kernel';
import { writeCifarFixture } from './helpers/cifarFixture';

interface Sample {
  file: string;
  params: Record<string, string | number>;
  /** The lowest test accuracy a quick run may reach (measured quick runs, minus a margin for seeds and noise). */
  floor: number;
  cifar?: boolean;
}

// Floors sit below quick runs measured on 2026-11-28 (2 vCPUs, wasm; weights are not seeded, so
// runs vary): 000 0.84–0.98, 001 1.0 (the fixture is easy), 002 0.77–0.79, 003 0.80, 004 0.765–0.78.
const SAMPLES: Sample[] = [
  { file: '000-cifar10-cnn.bmnb', params: { epochs: 1, trainSize: 2000, testSize: 500 }, floor: 0.6, cifar: true },
  { file: '001-cifar10-small-cnn.bmnb', params: { epochs: 1, trainSize: 2000, testSize: 500 }, floor: 0.6, cifar: true },
  { file: '002-mnist-cnn-augmentation.bmnb', params: { epochs: 1, trainSize: 2000, testSize: 1000 }, floor: 0.6 },
  // The dense model's batch of 128 makes 2,000 images only 13 steps: 6,000 still takes about a second.
  { file: '003-mnist-dense.bmnb', params: { epochs: 1, trainSize: 6000, testSize: 1000 }, floor: 0.65 },
  { file: '004-mnist-cnn.bmnb', params: { epochs: 1, trainSize: 2000, testSize: 1000 }, floor: 0.65 },
];

const PYTHON = process.env.BMNB_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
/** The most a sample's HTML report may weigh (the target for a notebook with curves). */
const MAX_HTML_BYTES = 3 * 1024 * 1024;

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [CLI_PATH, ...args], { encoding: 'utf8', timeout: 5 * 60_000 });
  assert.equal(r.status, 0, `bmnb ${args.join(' ')} exited ${r.status}\n${r.stderr.slice(-3000)}`);
}

/** A run sample, shared: .ipynb and back (same bytes), nbformat, nbconvert's HTML, bmnb's HTML. */
function shareSample(bmnb: string) {
  const ipynb = bmnb.replace(/\.bmnb$/, '.ipynb');
  const back = bmnb.replace(/\.bmnb$/, '.back.bmnb');
  cli(['convert', bmnb, ipynb]);
  cli(['convert', ipynb, back]);
  assert.equal(readFileSync(back, 'utf8'), readFileSync(bmnb, 'utf8'), `${ipynb} converts back to the same bytes`);
  const check = spawnSync(PYTHON, ['-c', 'import nbformat, sys; nbformat.validate(nbformat.read(sys.argv[1], as_version=4))', ipynb], { encoding: 'utf8' });
  assert.equal(check.status, 0, `nbformat rejects ${ipynb}: ${check.stderr}`);
  const nbconvert = spawnSync(PYTHON, ['-m', 'nbconvert', '--to', 'html', '--output-dir', join(bmnb, '..'), ipynb], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(nbconvert.status, 0, `jupyter nbconvert --to html failed: ${nbconvert.stderr.slice(-2000)}`);
  const jupyterHtml = readFileSync(ipynb.replace(/\.ipynb$/, '.html'), 'utf8');
  // (assert.ok, not match: a failure should not print a megabyte of HTML)
  assert.ok(/<img [^>]*src="data:image\/png;base64,/.test(jupyterHtml), "nbconvert's HTML shows the PNG fallbacks (training curves, image grids)");
  assert.ok(/<table>/.test(jupyterHtml), "nbconvert's HTML shows the HTML tables (model summary, tensors)");
  const report = bmnb.replace(/\.bmnb$/, '.report.html');
  cli(['export', bmnb, '--to', 'html', '--out', report]);
  const bytes = statSync(report).size;
  console.log(`${bmnb.split('/').pop()}: HTML report ${(bytes / 1024 / 1024).toFixed(2)} MB, .ipynb ${(statSync(ipynb).size / 1024).toFixed(0)} KB`);
  assert.ok(bytes <= MAX_HTML_BYTES, `the HTML report is ${bytes} bytes, over ${MAX_HTML_BYTES}`);
}

/** Runs a sample through the CLI with a last cell appended that reports `testAccuracy`. */
function runSample(sample: Sample, dir: string, dataDir: string) {
  const nb = parseNotebook(readFileSync(join(ROOT, 'samples', sample.file), 'utf8'));
  nb.cells.push({ id: 'ci-report', kind: 'code', language: 'typescript', source: sourceToLines('JSON.stringify({ testAccuracy })') });
  const input = join(dir, sample.file);
  const output = join(dir, `out-${sample.file}`);
  writeFileSync(input, serializeNotebook(nb));
  const params = { ...sample.params, ...(sample.cifar ? { dataDir } : {}) };
  const args = [CLI_PATH, 'run', input, '--out', output, ...Object.entries(params).flatMap(([k, v]) => ['--param', `${k}=${v}`])];
  const started = Date.now();
  // Generous: a quick run takes well under two minutes here; the limit only stops a hung run.
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 10 * 60_000 });
  const seconds = (Date.now() - started) / 1000;
  return { r, seconds, out: r.status === 0 || r.status === 1 ? parseNotebook(readFileSync(output, 'utf8')) : undefined };
}

describe('sample notebooks, quick mode', () => {
  let dir: string;
  let dataDir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'bmnb-samples-'));
    dataDir = join(dir, 'cifar');
    writeCifarFixture(dataDir, { perBatch: 500, testCount: 500 });
  });

  for (const sample of SAMPLES) {
    test(`${sample.file}: every cell runs and the test accuracy clears ${sample.floor}`, async () => {
      const { r, seconds, out } = runSample(sample, dir, dataDir);
      assert.equal(r.status, 0, `bmnb run exited ${r.status} after ${seconds} s\n${r.stderr.slice(-3000)}`);
      const cells = out!.cells.filter((c) => c.kind === 'code');
      for (const c of cells) assert.equal(c.execution?.success, true, `cell ${c.id} failed`);
      const report = cells[cells.length - 1]!.outputs?.[0]?.items.find((i) => i.mime === 'text/plain')?.data as string;
      const { testAccuracy } = JSON.parse(report) as { testAccuracy: number };
      console.log(`${sample.file}: test accuracy ${testAccuracy.toFixed(4)} in ${seconds.toFixed(1)} s`);
      assert.ok(testAccuracy >= sample.floor, `test accuracy ${testAccuracy} is under the floor ${sample.floor}`);
      shareSample(join(dir, `out-${sample.file}`));
    });
  }
});
