/**
 * Output of any size through the real kernel and `bmnb run`: floods, one enormous line, bytes
 * that are not UTF-8, thousands of displays, text printed after the cell ended, and a host that
 * reads slower than the cell prints. Each must leave the session alive, the notebook saved and
 * valid, everything on stdout, and a note where the saved output was cut.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseNotebook, serializeNotebook, sourceToLines, type NotebookFile } from '../src/format';
import type { KernelClient, LateOutput } from '../src/host/kernelClient';
import { OMITTED_NOTE_PREFIX } from '../src/host/outputs';
import { MIME } from '../src/protocol';
import { CLI_PATH, run, startKernel, tempDir } from './helpers/kernel';

function notebookOf(sources: string[]): string {
  const nb: NotebookFile = {
    bmnb: 1,
    metadata: {},
    cells: sources.map((source, i) => ({ id: `c${i + 1}`, kind: 'code', language: 'typescript', source: sourceToLines(source) })),
  };
  return serializeNotebook(nb);
}

/** `bmnb run` in a child process; stdout is counted (bytes, lines) and its tail kept, not all of it held. */
function bmnbRun(dir: string, args: string[]): Promise<{ code: number | null; stderr: string; stdoutBytes: number; stdoutLines: number; stdoutTail: string; stdoutHead: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], { cwd: dir });
    let stderr = '';
    let bytes = 0;
    let lines = 0;
    let head = '';
    let tail = Buffer.alloc(0);
    child.stdout.on('data', (b: Buffer) => {
      bytes += b.length;
      for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) lines++;
      if (head.length < 4096) head += b.toString('utf8', 0, Math.min(b.length, 4096));
      tail = Buffer.concat([tail, b]).subarray(-4096);
    });
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (code) => resolve({ code, stderr, stdoutBytes: bytes, stdoutLines: lines, stdoutTail: tail.toString('utf8'), stdoutHead: head }));
  });
}

function savedCells(dir: string) {
  // parseNotebook validates the whole file: a half-written or malformed notebook fails here.
  return parseNotebook(readFileSync(join(dir, 'out.bmnb'), 'utf8')).cells;
}

const texts = (outputs: { items: { data: unknown }[] }[] | undefined) => (outputs ?? []).map((o) => String(o.items[0]!.data));

describe('output of any size, through bmnb run', () => {
  test('200,000 lines: stdout gets every one; the saved cell keeps its limit with a note; the next cell runs', async () => {
    const dir = tempDir({ 'nb.bmnb': notebookOf(["for (let i = 0; i < 200000; i++) console.log('line ' + i)", '"after"']) });
    const r = await bmnbRun(dir, ['run', 'nb.bmnb', '--out', 'out.bmnb', '--max-output', '1']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdoutLines, 200_001);
    assert.ok(r.stdoutTail.endsWith('line 199999\nafter\n'));
    const [flood, next] = savedCells(dir);
    const saved = texts(flood!.outputs);
    assert.equal(saved.length, 3);
    assert.ok(saved[0]!.startsWith('line 0\n') && saved[2]!.endsWith('line 199999\n'));
    assert.ok(saved[1]!.startsWith(OMITTED_NOTE_PREFIX), saved[1]);
    assert.match(saved[1]!, /--max-output/);
    assert.ok(Buffer.byteLength(saved.join('')) <= 1024 * 1024 + 1024);
    assert.deepEqual(texts(next!.outputs), ['after']);
  });

  test('one 100 MB line: all of it on stdout, the saved output cut to the default 10 MB, the session alive', async () => {
    const dir = tempDir({ 'nb.bmnb': notebookOf(["console.log('x'.repeat(100 * 1024 * 1024))", '1 + 1']) });
    const r = await bmnbRun(dir, ['run', 'nb.bmnb', '--out', 'out.bmnb']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdoutBytes, 100 * 1024 * 1024 + 1 + 2);
    const [line, next] = savedCells(dir);
    const saved = texts(line!.outputs);
    assert.ok(saved.some((t) => t.startsWith(OMITTED_NOTE_PREFIX) && /\(9\d\.\d MB\)/.test(t)), saved.map((t) => t.slice(0, 80)).join(' | '));
    assert.ok(Buffer.byteLength(saved.join('')) <= 10 * 1024 * 1024 + 1024);
    assert.deepEqual(texts(next!.outputs), ['2']);
  });

  test('bytes that are not UTF-8: U+FFFD in their place, a character split across two writes arrives whole', async () => {
    const dir = tempDir({
      'nb.bmnb': notebookOf([
        'process.stdout.write(Buffer.from([0x41, 0xff, 0xfe, 0x42, 0xe4, 0xb8]));\nvoid process.stdout.write(Buffer.from([0xad, 0x0a, 0x00, 0x1b, 0x0a]));',
        '"alive"',
      ]),
    });
    const r = await bmnbRun(dir, ['run', 'nb.bmnb', '--out', 'out.bmnb']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdoutHead, 'A\uFFFD\uFFFDB中\n\u0000\u001b\nalive\n');
    const [bytes, next] = savedCells(dir);
    assert.deepEqual(texts(bytes!.outputs), ['A\uFFFD\uFFFDB中\n\u0000\u001b\n']);
    assert.deepEqual(texts(next!.outputs), ['alive']);
  });

  test('10,000 display() calls: the saved cell keeps the first and the last, and a note counts the rest', async () => {
    const dir = tempDir({ 'nb.bmnb': notebookOf(['for (let i = 0; i < 10000; i++) display(`shown ${i}`)', '"alive"']) });
    const r = await bmnbRun(dir, ['run', 'nb.bmnb', '--out', 'out.bmnb']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdoutLines, 10_001, 'stdout shows every display');
    const [shown, next] = savedCells(dir);
    const saved = texts(shown!.outputs);
    assert.ok(saved.length <= 1000, `${saved.length} outputs saved`);
    assert.equal(saved[0], 'shown 0');
    assert.equal(saved[saved.length - 1], 'shown 9999');
    const note = saved.find((t) => t.startsWith(OMITTED_NOTE_PREFIX));
    const omitted = Number(/([\d,]+) outputs/.exec(note ?? '')?.[1]?.replace(/,/g, ''));
    assert.equal(saved.length - 1 + omitted, 10_000, note);
    assert.deepEqual(texts(next!.outputs), ['alive']);
  });

  test('text a timer prints after its cell ended is kept with the cell that was running then', async () => {
    const dir = tempDir({
      'nb.bmnb': notebookOf(['setTimeout(() => console.log("from the timer"), 300);\n"first"', 'await new Promise((r) => setTimeout(r, 1000));\n"second"']),
    });
    const r = await bmnbRun(dir, ['run', 'nb.bmnb', '--out', 'out.bmnb']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdoutHead, 'first\nfrom the timer\nsecond\n');
    const [first, second] = savedCells(dir);
    assert.deepEqual(texts(first!.outputs), ['first']);
    assert.deepEqual(texts(second!.outputs), ['from the timer\n', 'second']);
  });
});

describe('output through the kernel client', () => {
  let kernel: KernelClient;
  before(async () => {
    kernel = await startKernel();
  });
  after(async () => {
    await kernel.shutdown();
  });

  test('text printed after its cell ended, with nothing running, reaches a late-output listener tagged with that cell', async () => {
    const late: LateOutput[] = [];
    kernel.onLateOutput((o) => late.push(o));
    const r = await run(kernel, 'setTimeout(() => { console.log("late line"); display("late display"); }, 100);\n"now"');
    assert.equal(r.text, 'now');
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.deepEqual(
      late.map((o) => (o.kind === 'stream' ? o.text : String(o.items.find((i) => i.mime === MIME.text)?.data))),
      ['late line\n', 'late display'],
    );
    assert.equal(new Set(late.map((o) => o.executionId)).size, 1);
  });

  test('a host that stops reading slows the printing cell down instead of letting output pile up', async () => {
    // The host's event loop is held for 1.5 s at the first chunk: it reads nothing meanwhile.
    let held = false;
    let chars = 0;
    const started = Date.now();
    const result = await kernel.execute(
      { cellId: 'flood', cellLabel: 'flood', language: 'typescript', source: "const s = 'z'.repeat(1023) + '\\n';\nfor (let i = 0; i < 40000; i++) process.stdout.write(s);\n" },
      {
        onStream: ({ text }) => {
          chars += text.length;
          if (held) return;
          held = true;
          const until = Date.now() + 1500;
          while (Date.now() < until) {
            // hold the host
          }
        },
      },
    );
    assert.equal(result.status, 'ok');
    assert.equal(chars, 40000 * 1024, 'every character arrived');
    // 40 MB cannot wait in the pipe: the cell could only finish once the host read again.
    assert.ok(result.durationMs >= 1000, `the cell took ${result.durationMs} ms (${Date.now() - started} ms in all)`);
  });

  test('a host that reads at most 2 MB/s (the editor: 8 MB/s) gets everything, and the cell waits for it', async () => {
    const limited = await startKernel({ maxOutputBytesPerSecond: 2 * 1024 * 1024 });
    try {
      let chars = 0;
      const result = await limited.execute(
        { cellId: 'flood', cellLabel: 'flood', language: 'typescript', source: "const s = 'q'.repeat(1023) + '\\n';\nfor (let i = 0; i < 4096; i++) process.stdout.write(s);\n" },
        { onStream: ({ text }) => (chars += text.length) },
      );
      assert.equal(result.status, 'ok');
      assert.equal(chars, 4096 * 1024);
      // 4 MB at 2 MB/s: the cell cannot end before the host has read most of it.
      assert.ok(result.durationMs >= 1200, `the cell took ${result.durationMs} ms`);
    } finally {
      await limited.shutdown();
    }
  });
});
