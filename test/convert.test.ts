/**
 * Sharing a notebook from the command line: the kernel's fallbacks for saved outputs
 * (kernel/fallbacks), `bmnb convert` (.bmnb ⇄ .ipynb) and `bmnb export` (HTML, Markdown), and
 * `bmnb run --out report.html`, through the real CLI and kernel process.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderFallbacks } from '../src/host/kernelClient';
import { MIME, type OutputItemPayload } from '../src/protocol';
import { KERNEL_PATH, ROOT, tempDir } from './helpers/kernel';

/** A recorded output (test/fixtures/payloads: real payloads, `npm run record:payloads`): its items. */
const recorded = (name: string) =>
  (JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'payloads', `${name}.json`), 'utf8')) as { items: OutputItemPayload[] }).items;

describe('kernel/fallbacks: static images and tables for saved outputs', () => {
  test('a kernel with no backend adds PNG and HTML to bmnb payloads, and only what an output lacks', async () => {
    const outputs: OutputItemPayload[][] = [
      recorded('tensor-images'),
      [...recorded('training-done'), { mime: 'text/html', data: '<p>already here</p>' }],
      [{ mime: MIME.text, data: 'just text' }],
    ];
    const started = Date.now();
    const added = await renderFallbacks(outputs, { kernelPath: KERNEL_PATH, notebookDir: tempDir() });
    const seconds = (Date.now() - started) / 1000;
    assert.deepEqual(added[0]!.map((i) => i.mime), ['image/png', 'text/html']);
    const png = Buffer.from(added[0]![0]!.data as string, 'base64');
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG', 'the tensor grid is a PNG');
    assert.match(added[0]![1]!.data as string, /<table>/);
    // The training output had its own text/html: only the curves' PNG is added.
    assert.deepEqual(added[1]!.map((i) => i.mime), ['image/png']);
    assert.deepEqual(added[2], []);
    // No backend is loaded for this: it takes a process start, not a tfjs load.
    assert.ok(seconds < 30, `took ${seconds} s`);
  });
});
