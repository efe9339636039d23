/**
 * Sharing a notebook from the command line: the kernel's fallbacks for saved outputs
 * (kernel/fallbacks), `bmnb convert` (.bmnb ⇄ .ipynb) and `bmnb export` (HTML, Markdown), and
 * `bmnb run --out report.html`, through the real CLI and kernel process.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseNotebook, serializeNotebook, sourceToLines, type NotebookCell } from '../src/format';
import { renderFallbacks } from '../src/host/kernelClient';
import { MIME, type OutputItemPayload } from '../src/protocol';
import { CLI_PATH, KERNEL_PATH, ROOT, tempDir } from './helpers/kernel';

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

/** Runs the built CLI (dist/cli.js) in `cwd`. */
function bmnb(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [CLI_PATH, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A notebook as a run leaves it: a model summary, finished training curves, a tensor of images, printed text. */
function trainedNotebook(): string {
  const nb = parseNotebook('{"bmnb": 1, "cells": []}');
  nb.metadata = { title: 'Trained', backend: 'wasm' };
  const code = (id: string, source: string, order: number, outputs: { items: OutputItemPayload[] }[]): NotebookCell => ({
    id,
    kind: 'code',
    language: 'typescript',
    source: sourceToLines(source),
    outputs: outputs.map((o) => ({ items: o.items.map((i) => ({ mime: i.mime, data: i.data })) })),
    execution: { order, success: true, durationMs: 5 },
  });
  nb.cells.push(
    { id: 'intro', kind: 'markdown', language: 'markdown', source: sourceToLines('# Trained\n\n```mermaid\ngraph TD\n  A --> B\n```\n\n$L = -\\sum y \\log p$') },
    code('model', 'model.summary()', 1, [{ items: recorded('model-cifar-cnn') }]),
    code('fit', 'await model.fit(xs, ys)', 2, [{ items: recorded('training-done') }]),
    code('images', 'xs.slice(0, 16)', 3, [{ items: recorded('tensor-images') }]),
    code('print', "console.log('accuracy 0.91')", 4, [{ items: [{ mime: MIME.stdout, data: 'accuracy 0.91\n' }] }]),
  );
  return serializeNotebook(nb);
}

describe('bmnb convert and bmnb export', () => {
  test('a trained notebook converts to an .ipynb with PNG and HTML fallbacks, and back to the same bytes', () => {
    const dir = tempDir({ 'trained.bmnb': trainedNotebook() });
    const to = bmnb(['convert', 'trained.bmnb', 'trained.ipynb'], dir);
    assert.equal(to.code, 0, to.stderr);
    const ipynb = JSON.parse(readFileSync(join(dir, 'trained.ipynb'), 'utf8')) as {
      nbformat: number;
      metadata: { kernelspec: { name: string }; language_info: { name: string } };
      cells: { id: string; outputs?: { output_type: string; data?: Record<string, unknown>; text?: unknown }[] }[];
    };
    assert.equal(ipynb.nbformat, 4);
    assert.equal(ipynb.metadata.kernelspec.name, 'bmnb');
    assert.equal(ipynb.metadata.language_info.name, 'typescript');
    const data = (id: string) => ipynb.cells.find((c) => c.id === id)!.outputs![0]!.data!;
    assert.match(String(data('model')['text/html']), /<table>.*conv2d_Conv2D1/s, 'the model summary as an HTML table');
    assert.match(String(data('fit')['image/png']), /^iVBOR/, 'the training curves as a PNG');
    assert.match(String(data('images')['image/png']), /^iVBOR/, 'the tensor images as one PNG grid');
    assert.ok(data('images')[MIME.tensor], "bmnb's payload is kept");
    assert.equal(ipynb.cells.find((c) => c.id === 'print')!.outputs![0]!.output_type, 'stream');

    const back = bmnb(['convert', 'trained.ipynb', 'back.bmnb'], dir);
    assert.equal(back.code, 0, back.stderr);
    assert.equal(readFileSync(join(dir, 'back.bmnb'), 'utf8'), readFileSync(join(dir, 'trained.bmnb'), 'utf8'));

    // An existing file is replaced only when asked.
    const again = bmnb(['convert', 'trained.bmnb', 'trained.ipynb'], dir);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /trained\.ipynb exists; add --force to replace it/);
    assert.equal(bmnb(['convert', 'trained.bmnb', 'trained.ipynb', '--force'], dir).code, 0);
  });

  test('bad input is a clear error, the input is untouched and nothing is written', () => {
    const broken = '{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code", "source": 7}]}';
    const dir = tempDir({ 'broken.ipynb': broken, 'old.ipynb': '{"nbformat": 3, "worksheets": []}', 'x.bmnb': trainedNotebook() });
    const r = bmnb(['convert', 'broken.ipynb', 'broken.bmnb'], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /broken\.ipynb: .*cells\[0\]\.source/s);
    assert.equal(readFileSync(join(dir, 'broken.ipynb'), 'utf8'), broken);
    assert.ok(!existsSync(join(dir, 'broken.bmnb')));
    assert.match(bmnb(['convert', 'old.ipynb', 'old.bmnb'], dir).stderr, /nbformat 3.*--nbformat 4/s);
    assert.match(bmnb(['convert', 'x.bmnb', 'x.html'], dir).stderr, /for HTML use bmnb export x\.bmnb --to html/);
    assert.match(bmnb(['convert', 'x.bmnb', 'y.bmnb'], dir).stderr, /both \.bmnb: name a \.ipynb/);
    assert.match(bmnb(['export', 'x.bmnb', '--to', 'pdf'], dir).stderr, /--to expects html or markdown, got 'pdf'/);
    assert.match(bmnb(['convert', 'missing.ipynb', 'm.bmnb'], dir).stderr, /missing\.ipynb: no such file/);
  });

  test('a Python notebook imports with its code as markdown code blocks, and says so', () => {
    const dir = tempDir();
    copyFileSync(join(ROOT, 'test', 'fixtures', 'ipynb', 'python.ipynb'), join(dir, 'analysis.ipynb'));
    const r = bmnb(['convert', 'analysis.ipynb', 'analysis.bmnb'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Python/);
    const nb = parseNotebook(readFileSync(join(dir, 'analysis.bmnb'), 'utf8'));
    assert.ok(nb.cells.length > 0 && nb.cells.every((c) => c.kind === 'markdown'));
    assert.ok(nb.cells.some((c) => c.source.join('').includes('```python')));
  });

  test('export writes one HTML report with the payloads and no network, and Markdown with its images beside it', () => {
    const dir = tempDir({ 'trained.bmnb': trainedNotebook() });
    const html = bmnb(['export', 'trained.bmnb', '--to', 'html'], dir);
    assert.equal(html.code, 0, html.stderr);
    const page = readFileSync(join(dir, 'trained.html'), 'utf8');
    assert.match(page, /accuracy 0\.91/);
    assert.match(page, /application\/vnd\.bmnb\.training\+json/);
    assert.doesNotMatch(page, /<(script|link|img)[^>]+(src|href)=["']?https?:/i, 'nothing is fetched from the network');

    const md = bmnb(['export', 'trained.bmnb', '--to', 'markdown', '--out', join('docs', 'trained.md')], dir);
    assert.equal(md.code, 0, md.stderr);
    const text = readFileSync(join(dir, 'docs', 'trained.md'), 'utf8');
    const images = [...text.matchAll(/!\[[^\]]*\]\((trained_files\/[^)]+\.png)\)/g)].map((m) => m[1]!);
    assert.ok(images.length >= 2, `the curves and the tensor grid are images:\n${text}`);
    for (const image of images) assert.equal(readFileSync(join(dir, 'docs', image)).subarray(1, 4).toString('latin1'), 'PNG');
    assert.match(text, /```ts\nmodel\.summary\(\)\n```/);
    assert.match(text, /<table>/);
    assert.doesNotMatch(text, /data:image\/png/, 'images are files, not inline copies');
    assert.match(text, /```mermaid\ngraph TD/);
  });

  test('bmnb run --out report.html runs and exports in one step; --to names the format', () => {
    const dir = tempDir({ 'nb.bmnb': serializeNotebook({ bmnb: 1, metadata: {}, cells: [{ id: 'a', kind: 'code', language: 'typescript', source: ["console.log('ran ' + (6 * 7))"] }] }) });
    const r = bmnb(['run', 'nb.bmnb', '--out', 'report.html'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(readFileSync(join(dir, 'report.html'), 'utf8'), /ran 42/);
    const ipynb = bmnb(['run', 'nb.bmnb', '--to', 'ipynb'], dir);
    assert.equal(ipynb.code, 0, ipynb.stderr);
    const outputs = (JSON.parse(readFileSync(join(dir, 'nb.ipynb'), 'utf8')) as { cells: { outputs: { text: string | string[] }[] }[] }).cells[0]!.outputs;
    assert.match([outputs[0]!.text].flat().join(''), /ran 42/);
    assert.match(bmnb(['run', 'nb.bmnb', '--to', 'pdf'], dir).stderr, /--to expects bmnb, ipynb, html or markdown, got 'pdf'/);
  });
});
