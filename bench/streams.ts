/**
 * How printed output of any size flows: a cell printing N lines (`console.log('line ' + i)`) for
 * N = 10,000 / 100,000 / 1,000,000, each measured BENCH_STREAM_RUNS times (median taken), the
 * three paths taking turns in one run so that the machine's drift hits them alike:
 * - plain Node printing the same lines to /dev/null (the floor);
 * - `bmnb run` on a two-cell notebook (the loop, then `1 + 1`), stdout to /dev/null: wall time,
 *   lines/s, peak RSS of the CLI process and of its kernel (VmHWM from /proc, polled every 20 ms),
 *   the size of the written notebook, and the same run on an empty loop (the fixed start cost);
 * - the extension's path without VS Code: KernelClient reading at the editor's rate + CellOutputs,
 *   with a timer paced as the editor's (EDITOR_PACING) doing what the editor's output view does (the whole text when it changed in place, else the text
 *   after what was sent, encoded to UTF-8 as NotebookCellOutputItem.stdout does): wall time, bytes
 *   sent to the "editor", ticks, and the size of the outputs that would be saved.
 * Run with `node --import tsx bench/streams.ts`; writes bench/results/streams.md and streams.json.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KernelClient } from '../src/host/kernelClient';
import { CellOutputs, EDITOR_PACING, editorUpdateDelay } from '../src/host/outputs';
import { median, round } from './stats';

const ROOT = resolve(__dirname, '..');
const KERNEL = join(ROOT, 'dist', 'kernel.js');
const CLI = join(ROOT, 'dist', 'cli.js');
const RUNS = Number(process.env.BENCH_STREAM_RUNS ?? 3);
const LINES = (process.env.BENCH_STREAM_LINES ?? '10000,100000,1000000').split(',').map(Number);
const POLL_MS = 20;
const MB = 1024 * 1024;

const loop = (n: number) => `for (let i = 0; i < ${n}; i++) console.log('line ' + i)`;

/** VmHWM (peak resident set) of a process in bytes, or undefined once it is gone (or off Linux). */
function peakRss(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** A child of `ppid` whose command line contains `needle`, from /proc/<pid>/stat's ppid field. */
function findChild(ppid: number, needle: string): number | undefined {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return undefined;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // After "pid (comm) ": state, then ppid.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== ppid) continue;
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(needle)) return Number(name);
    } catch {
      // It ended meanwhile.
    }
  }
  return undefined;
}

/** Plain Node printing N lines to /dev/null; wall time in ms. */
async function plainNode(n: number): Promise<number> {
  const devNull = openSync('/dev/null', 'w');
  try {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['-e', loop(n)], { stdio: ['ignore', devNull, 'inherit'] });
    const code = await new Promise<number | null>((res, rej) => {
      child.once('error', rej);
      child.once('exit', (c) => res(c));
    });
    const wall = performance.now() - t0;
    if (code !== 0) throw new Error(`plain node exited with ${code}`);
    return wall;
  } finally {
    closeSync(devNull);
  }
}

interface CliRun {
  wallMs: number;
  /** The loop cell's time as the CLI reports it on stderr. */
  cellMs?: number;
  hostPeakRss?: number;
  kernelPeakRss?: number;
  outBytes: number;
}

/** `bmnb run nb.bmnb --out out.bmnb` with stdout to /dev/null, both processes' peak RSS polled. */
async function bmnbRun(dir: string, n: number): Promise<CliRun> {
  const nb = join(dir, `nb-${n}.bmnb`);
  const out = join(dir, `out-${n}.bmnb`);
  rmSync(out, { force: true });
  const notebook = {
    bmnb: 1,
    metadata: {},
    cells: [
      { id: 'a', kind: 'code', language: 'typescript', source: [loop(n)] },
      { id: 'b', kind: 'code', language: 'typescript', source: ['1 + 1'] },
    ],
  };
  writeFileSync(nb, JSON.stringify(notebook));
  const devNull = openSync('/dev/null', 'w');
  try {
    let stderr = '';
    let hostPeakRss: number | undefined;
    let kernelPeakRss: number | undefined;
    let kernelPid: number | undefined;
    const t0 = performance.now();
    const child = spawn(process.execPath, [CLI, 'run', nb, '--out', out], { cwd: dir, stdio: ['ignore', devNull, 'pipe'] });
    const errors = child.stderr!;
    errors.setEncoding('utf8');
    errors.on('data', (s: string) => (stderr += s));
    const pid = child.pid!;
    // The last value read before each process ends is its peak (VmHWM only grows).
    const poll = () => {
      hostPeakRss = peakRss(pid) ?? hostPeakRss;
      kernelPid ??= findChild(pid, 'dist/kernel.js');
      if (kernelPid !== undefined) kernelPeakRss = peakRss(kernelPid) ?? kernelPeakRss;
    };
    poll();
    const timer = setInterval(poll, POLL_MS);
    const code = await new Promise<number | null>((res, rej) => {
      child.once('error', rej);
      child.once('exit', (c) => res(c));
    });
    const wallMs = performance.now() - t0;
    clearInterval(timer);
    await new Promise((res) => (errors.readableEnded ? res(undefined) : errors.once('end', res)));
    if (code !== 0) throw new Error(`bmnb run exited with ${code}:\n${stderr}`);
    const saved = readFileSync(out, 'utf8');
    if (n > 0 && !saved.includes(`line ${n - 1}\\n`)) throw new Error(`out.bmnb lacks the last line (${n} lines)`);
    // "[1/2] cell 1 ✓ 289 ms", or "… ✓ 1.6 s" past a second.
    const cell = /cell 1 (?:… )?✓ (\d+(?:\.\d+)?) (ms|s)\b/.exec(stderr);
    const cellMs = cell ? Number(cell[1]) * (cell[2] === 's' ? 1000 : 1) : undefined;
    return { wallMs, cellMs, hostPeakRss, kernelPeakRss, outBytes: statSync(out).size };
  } finally {
    closeSync(devNull);
  }
}

interface ExtensionRun {
  wallMs: number;
  bytesSent: number;
  ticks: number;
  savedChars: number;
}

/** The cell in a warm kernel, read at the editor's rate, reduced by CellOutputs and sent to a pretend editor at the editor's pace. */
async function extensionPath(kernel: KernelClient, n: number): Promise<ExtensionRun> {
  const outputs = new CellOutputs();
  const encoder = new TextEncoder();
  /** What the "editor" has of each output entry: its text's version and length then. */
  const sent = new Map<number, { version: number; length: number }>();
  let bytesSent = 0;
  let ticks = 0;
  const tick = () => {
    ticks++;
    for (const entry of outputs.entries) {
      const text = entry.text;
      if (!text) continue;
      const before = sent.get(entry.id);
      let chunk: string | undefined;
      if (!before || before.version !== text.version) chunk = text.text();
      else if (before.length !== text.length) chunk = text.textAfter(before.length);
      if (chunk === undefined) continue;
      bytesSent += encoder.encode(chunk).length;
      sent.set(entry.id, { version: text.version, length: text.length });
    }
  };
  // The editor's pacing: the next update after editorUpdateDelay (longer for a big output).
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    timer = setTimeout(() => {
      tick();
      schedule();
    }, editorUpdateDelay(outputs.size));
  };
  schedule();
  let wallMs: number;
  try {
    const t0 = performance.now();
    const r = await kernel.execute(
      { cellId: 'bench', cellLabel: 'bench', language: 'typescript', source: loop(n) },
      { onStream: ({ name, text }) => outputs.stream(name, text) },
    );
    wallMs = performance.now() - t0;
    if (r.status !== 'ok') throw new Error(`bench cell failed: ${r.error?.stack}`);
  } finally {
    clearTimeout(timer);
  }
  tick(); // the editor's last update, once the cell has ended
  let savedChars = 0;
  let all = '';
  for (const o of outputs.outputs) {
    for (const item of o.items) {
      if (typeof item.data === 'string') {
        savedChars += item.data.length;
        if (item.data.endsWith(`line ${n - 1}\n`)) all = item.data;
      }
    }
  }
  if (n > 0 && !all) throw new Error(`the outputs lack the last line (${n} lines)`);
  return { wallMs, bytesSent, ticks, savedChars };
}

const maybeRound = (n: number | undefined) => (n === undefined ? undefined : round(n));
const mb = (bytes: number | undefined) => (bytes === undefined ? undefined : round(bytes / MB));
const medianOf = (values: (number | undefined)[]) => {
  const known = values.filter((v): v is number => v !== undefined);
  return known.length ? median(known) : undefined;
};
const fmt = (n: number | undefined, unit = '') => (n === undefined ? 'n/a' : `${n.toLocaleString('en-US')}${unit}`);

async function main(): Promise<void> {
  if (!statSync(CLI, { throwIfNoEntry: false }) || !statSync(KERNEL, { throwIfNoEntry: false })) {
    throw new Error('dist/ is missing: run `node esbuild.mjs` first');
  }
  const loadBefore = loadavg()[0]!;
  const dir = mkdtempSync(join(tmpdir(), 'bmnb-streams-'));
  // The code path as fast as the host reads (the linearity target), and read as the editor reads
  // (EDITOR_PACING.readBytesPerSecond: a flooding cell waits, leaving cores to the editor).
  const kernel = await KernelClient.start({ kernelPath: KERNEL, notebookDir: tmpdir(), backend: 'auto' });
  const editorKernel = await KernelClient.start({ kernelPath: KERNEL, notebookDir: tmpdir(), backend: 'auto', maxOutputBytesPerSecond: EDITOR_PACING.readBytesPerSecond });
  const plain = new Map<number, number[]>(LINES.map((n) => [n, []]));
  const cli = new Map<number, CliRun[]>([0, ...LINES].map((n) => [n, []]));
  const ext = new Map<number, ExtensionRun[]>(LINES.map((n) => [n, []]));
  const extCapped = new Map<number, ExtensionRun[]>(LINES.map((n) => [n, []]));
  let kernelPeakAfter: number | undefined;
  let loadAfter: number | undefined;
  try {
    await extensionPath(kernel, 1000); // warm-up
    await extensionPath(editorKernel, 1000);
    await bmnbRun(dir, 1000); // warm-up (disk cache, tsx-free CLI start)
    for (let rep = 0; rep < RUNS; rep++) {
      cli.get(0)!.push(await bmnbRun(dir, 0));
      for (const n of LINES) {
        plain.get(n)!.push(await plainNode(n));
        cli.get(n)!.push(await bmnbRun(dir, n));
        ext.get(n)!.push(await extensionPath(kernel, n));
        extCapped.get(n)!.push(await extensionPath(editorKernel, n));
      }
      process.stderr.write(`streams: run ${rep + 1}/${RUNS} done\n`);
    }
    loadAfter = loadavg()[0]!;
    kernelPeakAfter = kernel.pid === undefined ? undefined : peakRss(kernel.pid);
  } finally {
    await kernel.shutdown();
    await editorKernel.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }

  const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}`;
  const plainRows = LINES.map((n) => {
    const wallMs = median(plain.get(n)!);
    return { lines: n, wallMedianMs: round(wallMs), linesPerSec: round(n / (wallMs / 1000), 0), runsMs: plain.get(n)!.map((v) => round(v)) };
  });
  const cliSummary = (n: number) => {
    const runs = cli.get(n)!;
    const wallMs = median(runs.map((r) => r.wallMs));
    const plainMs = n > 0 ? median(plain.get(n)!) : undefined;
    return {
      lines: n,
      wallMedianMs: round(wallMs),
      cellMedianMs: maybeRound(medianOf(runs.map((r) => r.cellMs))),
      linesPerSec: n > 0 ? round(n / (wallMs / 1000), 0) : undefined,
      vsPlainNode: plainMs ? round(wallMs / plainMs, 2) : undefined,
      hostPeakRssMB: mb(medianOf(runs.map((r) => r.hostPeakRss))),
      kernelPeakRssMB: mb(medianOf(runs.map((r) => r.kernelPeakRss))),
      outBytes: runs[runs.length - 1]!.outBytes,
      runsMs: runs.map((r) => round(r.wallMs)),
    };
  };
  const empty = cliSummary(0);
  const cliRows = LINES.map(cliSummary);
  const extRows = LINES.map((n) => {
    const runs = ext.get(n)!;
    const wallMs = median(runs.map((r) => r.wallMs));
    const last = runs[runs.length - 1]!;
    return {
      lines: n,
      wallMedianMs: round(wallMs),
      linesPerSec: round(n / (wallMs / 1000), 0),
      cappedLinesPerSec: round(n / (median(extCapped.get(n)!.map((r) => r.wallMs)) / 1000), 0),
      bytesSentMedianMB: round(median(runs.map((r) => r.bytesSent)) / MB, 2),
      ticksMedian: median(runs.map((r) => r.ticks)),
      savedMB: round(last.savedChars / MB, 2),
      runsMs: runs.map((r) => round(r.wallMs)),
    };
  });

  const at = <T extends { lines: number }>(rows: T[], n: number) => rows.find((r) => r.lines === n);
  const ratio = (a?: number, b?: number) => (a !== undefined && b ? round(a / b, 2) : undefined);
  const cli1M = at(cliRows, 1_000_000);
  const cli100k = at(cliRows, 100_000);
  const ext1M = at(extRows, 1_000_000);
  const ext100k = at(extRows, 100_000);
  const cliScale = ratio(cli1M?.wallMedianMs, cli100k?.wallMedianMs);
  // The CLI's own time of the printing cell leaves the kernel's start out.
  const cliScaleCell = ratio(cli1M?.cellMedianMs, cli100k?.cellMedianMs);
  const extScale = ratio(ext1M?.wallMedianMs, ext100k?.wallMedianMs);
  const targets = [
    { target: 'bmnb run: wall 1M / 100k ≤ 12 (linear)', measured: cliScale, limit: 12, note: `the cell alone, as the CLI times it: ${fmt(cliScaleCell)}` },
    { target: 'extension path: wall 1M / 100k ≤ 12 (linear)', measured: extScale, limit: 12, note: '' },
    { target: 'bmnb run 1M / plain node 1M ≤ 3', measured: cli1M?.vsPlainNode, limit: 3, note: '' },
    { target: 'bmnb run host peak RSS at 1M < 300 MB', measured: cli1M?.hostPeakRssMB, limit: 300, note: 'MB', strict: true },
  ].map((t) => ({
    ...t,
    met: t.measured === undefined ? undefined : t.strict ? t.measured < t.limit : t.measured <= t.limit,
  }));

  const results = {
    date: new Date().toISOString(),
    machine,
    runs: RUNS,
    /** 1-minute load average at the start and the end: others' work on the machine skews the times. */
    loadAverage: [round(loadBefore, 2), loadAfter === undefined ? undefined : round(loadAfter, 2)],
    backend: `${kernel.info.backend} (${kernel.info.detail})`,
    plainNode: plainRows,
    bmnbRun: { empty, byLines: cliRows },
    extensionPath: { pacing: EDITOR_PACING, kernelPeakRssMBAfterAll: mb(kernelPeakAfter), byLines: extRows },
    targets: targets.map(({ target, measured, met, note }) => ({ target, measured, met, note })),
  };

  const md = [
    '# Printed output of any size',
    '',
    `${results.date.slice(0, 10)} · ${machine} · backend ${results.backend} · ${RUNS} runs each, medians; the paths take turns · load average ${round(loadBefore, 2)} before, ${fmt(loadAfter === undefined ? undefined : round(loadAfter, 2))} after`,
    '',
    'A cell printing N lines: `for (let i = 0; i < N; i++) console.log(\'line \' + i)`.',
    '',
    '## Plain Node, stdout to /dev/null (the floor)',
    '',
    '| lines | wall | lines/s |',
    '| ---: | ---: | ---: |',
    ...plainRows.map((r) => `| ${fmt(r.lines)} | ${fmt(r.wallMedianMs, ' ms')} | ${fmt(r.linesPerSec)} |`),
    '',
    '## `bmnb run nb.bmnb --out out.bmnb`, stdout to /dev/null',
    '',
    '| lines | wall | cell (CLI\'s own figure) | lines/s | × plain Node | CLI peak RSS | kernel peak RSS | out.bmnb |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...[empty, ...cliRows].map(
      (r) =>
        `| ${r.lines ? fmt(r.lines) : '0 (kernel start, fixed cost)'} | ${fmt(r.wallMedianMs, ' ms')} | ${fmt(r.cellMedianMs, ' ms')} | ${fmt(r.linesPerSec)} | ${fmt(r.vsPlainNode, '×')} | ${fmt(r.hostPeakRssMB, ' MB')} | ${fmt(r.kernelPeakRssMB, ' MB')} | ${fmt(round(r.outBytes / 1024), ' KB')} |`,
    ),
    '',
    `## Extension path without VS Code (KernelClient + CellOutputs, updates paced as the editor's: every ${EDITOR_PACING.minUpdateMs} ms, less often for big outputs)`,
    '',
    `The last column reads as the editor does, at most ${EDITOR_PACING.readBytesPerSecond / MB} MB/s (a flooding cell waits; it leaves cores to the editor). The linearity target is measured without that cap, which would only measure the cap.`,
    '',
    '| lines | wall (execute → resolved) | lines/s | sent to the editor | ticks | saved outputs | lines/s at the editor\'s cap |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...extRows.map((r) => `| ${fmt(r.lines)} | ${fmt(r.wallMedianMs, ' ms')} | ${fmt(r.linesPerSec)} | ${fmt(r.bytesSentMedianMB, ' MB')} | ${fmt(r.ticksMedian)} | ${fmt(r.savedMB, ' MB')} | ${fmt(r.cappedLinesPerSec)} |`),
    '',
    `Kernel peak RSS after all of it (one kernel, warm-up included): ${fmt(results.extensionPath.kernelPeakRssMBAfterAll, ' MB')}.`,
    '',
    '## Targets',
    '',
    '| target | measured | met |',
    '| --- | ---: | :---: |',
    ...targets.map((t) => `| ${t.target} | ${fmt(t.measured)}${t.note === 'MB' ? ' MB' : t.note ? ` (${t.note})` : ''} | ${t.met === undefined ? 'n/a' : t.met ? 'yes' : '**no**'} |`),
    '',
    'Reproduce: `node --import tsx bench/streams.ts` (BENCH_STREAM_RUNS changes the runs, BENCH_STREAM_LINES the line counts, e.g. `10000,100000`).',
    '',
  ].join('\n');
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'streams.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(ROOT, 'bench', 'results', 'streams.md'), md);
  process.stdout.write(md);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
