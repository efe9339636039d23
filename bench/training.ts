/**
 * Training throughput of the article models on MNIST, for every backend that loads here, side by
 * side in one run: samples/s of `model.fit` (batch 128, adam, categoricalCrossentropy), the
 * GFLOP/s that is, as a share of this machine's peak, and a PyTorch CPU peer where `torch` imports.
 *
 * - One kernel per backend (KernelClient.start({ backend })); a backend that cannot start is
 *   reported as not available, with the reason.
 * - Data: the real MNIST (`datasets.mnist` of the bmnb module), `oneHot` labels.
 * - Per model: one 1-batch fit (one-time costs), a timed warm-up fit of BENCH_TRAIN_WARMUP_BATCHES
 *   batches that sizes the measurement (enough batches for ~BENCH_TRAIN_SECONDS, at most
 *   BENCH_TRAIN_SAMPLES), then BENCH_TRAIN_REPEATS timed `fit(x, y, { epochs: 1, batchSize: 128,
 *   verbose: 0 })` calls, timed inside the kernel; the median is reported. A model whose warm-up and
 *   measurement are predicted to take over BENCH_TRAIN_MAX_SECONDS (the cpu backend's CNNs) is
 *   skipped with a note; the prediction uses the GFLOP/s this backend reached on the model before
 *   it, then the warm-up's own rate.
 * - FLOPs per training sample = 3 × forward, forward = 2 × the multiply-adds of the conv and dense
 *   layers (backward ≈ 2 × forward: the gradients of the input and of the weights are each one
 *   product the size of the forward one). Bias, activations, pooling, softmax, loss and the adam
 *   update are left out, so the figure slightly understates the work done.
 * - Peak = cores (os.cpus()) × clock ("cpu MHz" in /proc/cpuinfo, else os.cpus() speed) × floats
 *   per FMA (avx512f: 16, avx2 + fma: 8, else 4) × 2 FMA units per core × 2 flops per FMA. This is
 *   the nominal figure: a CPU that splits 512-bit FMAs in two (AMD Zen 4) or whose vCPUs are
 *   hyperthreads reaches less. Where a C compiler (`cc`) is found, a short FMA loop compiled with
 *   -march=native is run on every core to confirm it (BENCH_TRAIN_FMA=0 skips it).
 *
 * Run with `npm run bench` (after kernel.ts and outputs.ts) or
 * `node esbuild.mjs && node --import tsx bench/training.ts`; writes bench/results/training.md and
 * training.json. Other env vars: BENCH_TRAIN_BACKENDS (comma list, default all five),
 * BENCH_TRAIN_MODELS (dense,cnn,cnn3,cnn3-cifar), BENCH_TRAIN_PYTORCH=0 to skip the peer.
 * The CIFAR-10 shape (32×32×3) of the three-conv CNN trains on random data of that shape
 * (10,000 samples at most; throughput does not depend on the values).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KernelClient } from '../src/host/kernelClient';
import { BACKENDS, MIME, type BackendName } from '../src/protocol';
import { median, round } from './stats';

const ROOT = resolve(__dirname, '..');
const KERNEL = join(ROOT, 'dist', 'kernel.js');
const env = (name: string, fallback: number) => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number, got ${process.env[name]}`);
  return v;
};
const BATCH = 128;
const SAMPLES = Math.max(BATCH, Math.round(env('BENCH_TRAIN_SAMPLES', 60000)));
const SECONDS = env('BENCH_TRAIN_SECONDS', 3);
const REPEATS = Math.round(env('BENCH_TRAIN_REPEATS', 3));
const WARMUP_BATCHES = Math.round(env('BENCH_TRAIN_WARMUP_BATCHES', 2));
const MAX_SECONDS = env('BENCH_TRAIN_MAX_SECONDS', 30);
/** Backends to run, in order; `wasm:N` is wasm with BMNB_WASM_THREADS=N. By default wasm runs as the kernel picks its threads, then with 1. */
const BACKEND_LIST = (process.env.BENCH_TRAIN_BACKENDS ?? BACKENDS.flatMap((b) => (b === 'wasm' ? ['wasm', 'wasm:1'] : [b])).join(','))
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const PYTORCH = process.env.BENCH_TRAIN_PYTORCH !== '0';
const FMA_CHECK = process.env.BENCH_TRAIN_FMA !== '0';

const firstLine = (s: string) => s.split('\n').find((l) => l.trim())?.trim() ?? s;

// ---------------------------------------------------------------------------------------------
// The models, as data: the tfjs code, the PyTorch code and the FLOP count all come from here.

type Layer = { kind: 'conv'; filters: number; kernel: number } | { kind: 'pool' } | { kind: 'flatten' } | { kind: 'dense'; units: number; softmax?: boolean };

interface ModelSpec {
  id: string;
  name: string;
  layers: Layer[];
  /** [H, W, C] of a sample: MNIST's 28×28×1 unless given (CIFAR-10: 32×32×3, random values). */
  input?: [number, number, number];
}

const inputOf = (spec: ModelSpec): [number, number, number] => spec.input ?? [28, 28, 1];
/** Samples of CIFAR-shaped random data (60,000 would be 737 MB). */
const CIFAR_SAMPLES = Math.min(SAMPLES, 10_000);
/** The kernel's data for a model (MNIST: B.x / B.y; CIFAR-shaped: B.cx / B.cy) and how many samples it has. */
const dataOf = (spec: ModelSpec) => (spec.input ? { x: 'B.cx', y: 'B.cy', samples: CIFAR_SAMPLES } : { x: 'B.x', y: 'B.y', samples: SAMPLES });

const conv = (filters: number): Layer => ({ kind: 'conv', filters, kernel: 3 });
const pool: Layer = { kind: 'pool' };
const flatten: Layer = { kind: 'flatten' };
const dense = (units: number, softmax = false): Layer => ({ kind: 'dense', units, softmax });

const ALL_MODELS: ModelSpec[] = [
  { id: 'dense', name: 'dense 784-64-10 (article 003)', layers: [flatten, dense(64), dense(10, true)] },
  { id: 'cnn', name: 'CNN conv32-pool-dense128-dense10 (article 004)', layers: [conv(32), pool, flatten, dense(128), dense(10, true)] },
  {
    id: 'cnn3',
    name: 'CNN conv32-pool-conv64-pool-conv64-dense64-dense10 (articles 000/002 on MNIST)',
    layers: [conv(32), pool, conv(64), pool, conv(64), flatten, dense(64), dense(10, true)],
  },
  {
    id: 'cnn3-cifar',
    name: 'the same CNN on CIFAR-10 32×32×3 (article 000)',
    layers: [conv(32), pool, conv(64), pool, conv(64), flatten, dense(64), dense(10, true)],
    input: [32, 32, 3],
  },
];
const MODEL_IDS = (process.env.BENCH_TRAIN_MODELS ?? ALL_MODELS.map((m) => m.id).join(',')).split(',').map((s) => s.trim());
const MODELS = ALL_MODELS.filter((m) => MODEL_IDS.includes(m.id));

/** Multiply-adds of one forward pass of one sample (conv and dense layers only). */
function forwardMacs(spec: ModelSpec): number {
  let [h, w, c] = inputOf(spec);
  let flat = 0;
  let macs = 0;
  for (const l of spec.layers) {
    if (l.kind === 'conv') {
      h = h - l.kernel + 1;
      w = w - l.kernel + 1;
      macs += h * w * l.filters * l.kernel * l.kernel * c;
      c = l.filters;
    } else if (l.kind === 'pool') {
      h = Math.floor(h / 2);
      w = Math.floor(w / 2);
    } else if (l.kind === 'flatten') {
      flat = h * w * c;
    } else {
      macs += flat * l.units;
      flat = l.units;
    }
  }
  return macs;
}

/** FLOPs of one training sample: forward 2 × MACs, backward ≈ 2 × forward. */
const trainFlops = (spec: ModelSpec) => 3 * 2 * forwardMacs(spec);

function tfjsLayers(spec: ModelSpec): string {
  return spec.layers
    .map((l, i) => {
      const input = i === 0 ? `inputShape: [${inputOf(spec).join(', ')}], ` : '';
      switch (l.kind) {
        case 'conv':
          return `tf.layers.conv2d({ ${input}filters: ${l.filters}, kernelSize: ${l.kernel}, activation: 'relu' })`;
        case 'pool':
          return `tf.layers.maxPooling2d({ ${input}poolSize: 2 })`;
        case 'flatten':
          return `tf.layers.flatten({ ${input.replace(/, $/, '')} })`;
        case 'dense':
          return `tf.layers.dense({ ${input}units: ${l.units}, activation: '${l.softmax ? 'softmax' : 'relu'}' })`;
      }
    })
    .join(',\n  ');
}

/** nn.Sequential(...) of the same model (softmax is in CrossEntropyLoss). */
function torchLayers(spec: ModelSpec): string {
  let [h, w, c] = inputOf(spec);
  let flat = 0;
  const out: string[] = [];
  for (const l of spec.layers) {
    if (l.kind === 'conv') {
      out.push(`nn.Conv2d(${c}, ${l.filters}, ${l.kernel})`, 'nn.ReLU()');
      h = h - l.kernel + 1;
      w = w - l.kernel + 1;
      c = l.filters;
    } else if (l.kind === 'pool') {
      out.push('nn.MaxPool2d(2)');
      h = Math.floor(h / 2);
      w = Math.floor(w / 2);
    } else if (l.kind === 'flatten') {
      out.push('nn.Flatten()');
      flat = h * w * c;
    } else {
      out.push(`nn.Linear(${flat}, ${l.units})`);
      if (!l.softmax) out.push('nn.ReLU()');
      flat = l.units;
    }
  }
  return `nn.Sequential(${out.join(', ')})`;
}

// ---------------------------------------------------------------------------------------------
// This machine's peak.

interface Peak {
  cores: number;
  mhz: number;
  clockSource: string;
  isa: string;
  floatsPerFma: number;
  gflops: number;
  measured?: { gflops: number; note: string };
}

function nominalPeak(): Peak {
  const cores = cpus().length;
  let cpuinfo = '';
  try {
    cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    // not Linux
  }
  const mhzValues = [...cpuinfo.matchAll(/^cpu MHz\s*:\s*([\d.]+)/gm)].map((m) => Number(m[1]));
  const mhz = mhzValues.length ? mhzValues.reduce((a, b) => a + b, 0) / mhzValues.length : (cpus()[0]?.speed ?? 0);
  const flags = new Set((/^flags\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? '').split(/\s+/));
  const [isa, floatsPerFma] = flags.has('avx512f') ? ['AVX-512', 16] : flags.has('avx2') && flags.has('fma') ? ['AVX2 + FMA', 8] : ['SSE (assumed)', 4];
  return {
    cores,
    mhz: round(mhz, 0),
    clockSource: mhzValues.length ? '/proc/cpuinfo cpu MHz' : 'os.cpus() speed',
    isa,
    floatsPerFma,
    gflops: round((cores * mhz * 1e6 * floatsPerFma * 2 * 2) / 1e9, 1),
  };
}

const FMA_C = `
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
typedef float vf __attribute__((vector_size(W * 4)));
#define F(a) a = a * b + c
int main(int argc, char **argv) {
  long iters = atol(argv[1]);
  vf a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, b, c;
  for (int j = 0; j < W; j++) {
    b[j] = 0.9999999f; c[j] = 1e-7f;
    a0[j] = j; a1[j] = j + 1; a2[j] = j + 2; a3[j] = j + 3; a4[j] = j + 4; a5[j] = j + 5;
    a6[j] = j + 6; a7[j] = j + 7; a8[j] = j + 8; a9[j] = j + 9; a10[j] = j + 10; a11[j] = j + 11;
  }
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (long n = 0; n < iters; n++) {
    F(a0); F(a1); F(a2); F(a3); F(a4); F(a5); F(a6); F(a7); F(a8); F(a9); F(a10); F(a11);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  vf t = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
  float s = 0;
  for (int j = 0; j < W; j++) s += t[j];
  double sec = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
  printf("%f %f\\n", 12.0 * W * 2 * iters / sec / 1e9, s);
  return 0;
}
`;

/** Runs an FMA loop (12 independent accumulators, the ISA's vector width) on every core at once; summed GFLOP/s. */
async function measureFmaPeak(peak: Peak): Promise<Peak['measured']> {
  if (spawnSync('cc', ['--version']).status !== 0) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'bmnb-fma-'));
  try {
    writeFileSync(join(dir, 'fma.c'), FMA_C);
    const exe = join(dir, 'fma');
    const cc = spawnSync('cc', ['-O2', '-march=native', `-DW=${peak.floatsPerFma}`, '-o', exe, join(dir, 'fma.c')], { encoding: 'utf8' });
    if (cc.status !== 0) return { gflops: 0, note: `FMA loop did not compile: ${firstLine(cc.stderr)}` };
    // ~0.5 s per core at the nominal rate
    const iters = Math.round((0.5 * (peak.gflops / peak.cores) * 1e9) / (12 * peak.floatsPerFma * 2));
    const runs = await Promise.all(
      Array.from(
        { length: peak.cores },
        () =>
          new Promise<number>((res) => {
            const p = spawn(exe, [String(iters)]);
            let out = '';
            p.stdout.on('data', (d: Buffer) => (out += d.toString()));
            p.on('close', () => res(Number(out.split(' ')[0]) || 0));
          }),
      ),
    );
    const total = runs.reduce((a, b) => a + b, 0);
    return { gflops: round(total, 1), note: `FMA loop (cc -O2 -march=native, ${peak.floatsPerFma}-float vectors, 12 accumulators) on ${peak.cores} cores at once: ${runs.map((r) => round(r, 1)).join(' + ')} GFLOP/s` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// tfjs in the kernel.

interface Measurement {
  model: string;
  samples?: number;
  samplesPerSec?: number;
  runs?: number[];
  gflops?: number;
  percentOfPeak?: number;
  /** Of the FMA loop's measured peak, where it ran. */
  percentOfMeasuredPeak?: number;
  vsPytorch?: number;
  skipped?: string;
}

interface BackendResult {
  /** The backend, with `:N` where its thread count was set (wasm:1). */
  backend: string;
  available: boolean;
  detail: string;
  seconds?: number;
  models: Measurement[];
}

async function cell(kernel: KernelClient, source: string): Promise<string> {
  const r = await kernel.execute({ cellId: 'bench', cellLabel: 'bench', language: 'typescript', source });
  if (r.status !== 'ok') throw new Error(`bench cell failed: ${r.error?.stack ?? r.error?.message}`);
  return String(r.result?.find((i) => i.mime === MIME.text)?.data ?? '');
}

const timedFit = (x: string, y: string) =>
  `const f0 = performance.now(); await B.model.fit(${x}, ${y}, { epochs: 1, batchSize: ${BATCH}, verbose: 0 }); (performance.now() - f0) / 1000`;

async function benchBackend(entry: string, peak: Peak): Promise<BackendResult> {
  const t0 = performance.now();
  const [backend, threads] = entry.split(':') as [BackendName, string | undefined];
  const env = threads ? { BMNB_WASM_THREADS: threads } : undefined;
  let kernel: KernelClient;
  try {
    kernel = await KernelClient.start({ kernelPath: KERNEL, notebookDir: ROOT, backend, env });
  } catch (err) {
    const line = firstLine(err instanceof Error ? err.message : String(err));
    // "Backend 'x' cannot load here (x: why)." → "why"
    const why = /cannot load here \([\w-]+: (.*)\)\.?$/.exec(line)?.[1] ?? line;
    return { backend: entry, available: false, detail: why, models: [] };
  }
  const result: BackendResult = { backend: entry, available: true, detail: kernel.info.detail, models: [] };
  try {
    await cell(
      kernel,
      `import * as tf from '@tensorflow/tfjs';
import { datasets, oneHot } from 'bmnb';
const B: any = {};
{
  const { xTrain, yTrain, xTest, yTest } = await datasets.mnist({ trainSize: ${SAMPLES}, testSize: 0 });
  B.x = xTrain;
  B.y = oneHot(yTrain, 10);
  tf.dispose([yTrain, xTest, yTest]);
}
if (${MODELS.some((m) => m.input)}) {
  // CIFAR-10-shaped random data: throughput does not depend on the values.
  B.cx = tf.randomUniform([${CIFAR_SAMPLES}, 32, 32, 3]);
  B.cy = oneHot(tf.randomUniform([${CIFAR_SAMPLES}], 0, 10, 'int32'), 10);
}
B.x.shape.join('x')`,
    );
    /** GFLOP/s reached on this backend by the model before: predicts the next one's time. */
    let lastGflops = 0;
    for (const spec of MODELS) {
      const flops = trainFlops(spec);
      const m: Measurement = { model: spec.id };
      result.models.push(m);
      const minBatches = 1 + WARMUP_BATCHES + REPEATS;
      const data = dataOf(spec);
      const warmN = Math.min(data.samples, WARMUP_BATCHES * BATCH);
      if (lastGflops > 0) {
        const predicted = (minBatches * BATCH * flops) / (lastGflops * 1e9);
        if (predicted > MAX_SECONDS) {
          m.skipped = `skipped: at the ${round(lastGflops, 2)} GFLOP/s of the model before it, ${minBatches} batches would take ~${round(predicted, 0)} s (over BENCH_TRAIN_MAX_SECONDS=${MAX_SECONDS})`;
          continue;
        }
      }
      await cell(
        kernel,
        `if (B.model) B.model.dispose();
B.model = tf.sequential({ layers: [
  ${tfjsLayers(spec)},
] });
B.model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
await B.model.fit(${data.x}.slice(0, ${BATCH}), ${data.y}.slice(0, ${BATCH}), { epochs: 1, batchSize: ${BATCH}, verbose: 0 });
tf.dispose([B.wx, B.wy]);
B.wx = ${data.x}.slice(0, ${warmN});
B.wy = ${data.y}.slice(0, ${warmN});`,
      );
      const warm = Number(await cell(kernel, timedFit('B.wx', 'B.wy')));
      const warmRate = warmN / warm;
      const batches = Math.max(1, Math.round((SECONDS * warmRate) / BATCH));
      const n = Math.min(data.samples, batches * BATCH);
      const predicted = (REPEATS * n) / warmRate;
      if (predicted > MAX_SECONDS) {
        m.skipped = `skipped: the warm-up ran ${round(warmRate, 1)} samples/s, so ${REPEATS} × ${n} samples would take ~${round(predicted, 0)} s (over BENCH_TRAIN_MAX_SECONDS=${MAX_SECONDS})`;
        continue;
      }
      // the whole set is used as it is: no copy of 188 MB
      await cell(
        kernel,
        `if (B.mx && B.mx !== B.x && B.mx !== B.cx) tf.dispose([B.mx, B.my]);
B.mx = ${n === data.samples} ? ${data.x} : ${data.x}.slice(0, ${n});
B.my = ${n === data.samples} ? ${data.y} : ${data.y}.slice(0, ${n});`,
      );
      const runs: number[] = [];
      for (let i = 0; i < REPEATS; i++) runs.push(n / Number(await cell(kernel, timedFit('B.mx', 'B.my'))));
      m.samples = n;
      m.runs = runs.map((r) => round(r, 1));
      m.samplesPerSec = round(median(runs), 1);
      m.gflops = round((m.samplesPerSec * flops) / 1e9, 2);
      m.percentOfPeak = round((100 * m.gflops) / peak.gflops, 2);
      if (peak.measured?.gflops) m.percentOfMeasuredPeak = round((100 * m.gflops) / peak.measured.gflops, 2);
      lastGflops = m.gflops;
      process.stderr.write(`${backend} ${spec.id}: ${m.samplesPerSec} samples/s (${m.runs.join(', ')}; ${n} samples)\n`);
    }
  } finally {
    await kernel.shutdown();
  }
  result.seconds = round((performance.now() - t0) / 1000, 1);
  return result;
}

// ---------------------------------------------------------------------------------------------
// PyTorch peer.

interface TorchResult {
  available: boolean;
  detail: string;
  models: Record<string, { samples: number; samplesPerSec: number; runs: number[] } | { skipped: string }>;
}

function torchScript(): string {
  const models = MODELS.map((m) => `    '${m.id}': (lambda: ${torchLayers(m)}, (${[inputOf(m)[2], inputOf(m)[0], inputOf(m)[1]].join(', ')}), ${dataOf(m).samples}),`).join('\n');
  return `import json, sys, time
import torch
import torch.nn as nn

threads, seconds, repeats, warmup, max_samples, batch, max_seconds = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7])
torch.set_num_threads(threads)
torch.manual_seed(0)
MODELS = {
${models}
}
loss_fn = nn.CrossEntropyLoss()  # softmax + categorical cross-entropy

def epoch(model, opt, n, x_all, y_all):
    # one epoch over the first n samples, shuffled, in batches (what tfjs fit does)
    perm = torch.randperm(n)
    t0 = time.perf_counter()
    for i in range(0, n, batch):
        idx = perm[i:i + batch]
        xb, yb = x_all[idx], y_all[idx]
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
    return time.perf_counter() - t0

out = {'detail': 'torch %s, %d threads' % (torch.__version__, torch.get_num_threads()), 'models': {}}
for name, (make, shape, samples) in MODELS.items():
    # Random data of the model's input shape, NCHW (throughput does not depend on the values).
    samples = min(samples, max_samples)
    x_all = torch.rand(samples, *shape)
    y_all = torch.randint(0, 10, (samples,))
    model = make()
    opt = torch.optim.Adam(model.parameters())
    epoch(model, opt, batch, x_all, y_all)
    warm_n = min(samples, warmup * batch)
    rate = warm_n / epoch(model, opt, warm_n, x_all, y_all)
    n = min(samples, max(1, round(seconds * rate / batch)) * batch)
    if repeats * n / rate > max_seconds:
        out['models'][name] = {'skipped': 'would take ~%d s' % (repeats * n / rate)}
        continue
    runs = [n / epoch(model, opt, n, x_all, y_all) for _ in range(repeats)]
    out['models'][name] = {'samples': n, 'samplesPerSec': sorted(runs)[len(runs) // 2], 'runs': runs}
print(json.dumps(out))
`;
}

function benchTorch(): TorchResult {
  const none = (detail: string): TorchResult => ({ available: false, detail, models: {} });
  if (!PYTORCH) return none('PyTorch peer skipped (BENCH_TRAIN_PYTORCH=0)');
  // The first Python that imports torch: BENCH_PYTHON, the one on PATH, then Debian's own (python3-torch
  // installs for /usr/bin/python3, which a pyenv or venv python3 on PATH does not see).
  const python = [process.env.BENCH_PYTHON, 'python3', '/usr/bin/python3']
    .filter((p): p is string => !!p)
    .find((p) => spawnSync(p, ['-c', 'import torch'], { encoding: 'utf8', timeout: 120_000 }).status === 0);
  if (!python) return none('PyTorch not installed (python3-torch): peer not measured');
  const dir = mkdtempSync(join(tmpdir(), 'bmnb-torch-'));
  try {
    const script = join(dir, 'train.py');
    writeFileSync(script, torchScript());
    const args = [cpus().length, SECONDS, REPEATS, WARMUP_BATCHES, SAMPLES, BATCH, MAX_SECONDS].map(String);
    const r = spawnSync(python, [script, ...args], { encoding: 'utf8', timeout: 600_000, maxBuffer: 1 << 24 });
    if (r.status !== 0) return none(`PyTorch run failed: ${firstLine(r.stderr || String(r.error ?? r.signal))}`);
    const parsed = JSON.parse(r.stdout.trim().split('\n').pop()!) as Omit<TorchResult, 'available'>;
    for (const m of Object.values(parsed.models)) if ('runs' in m) m.runs = m.runs.map((v) => round(v, 1));
    return { available: true, ...parsed };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  if (!existsSync(KERNEL)) throw new Error(`${KERNEL} is missing: run \`node esbuild.mjs\` first`);
  const peak = nominalPeak();
  if (FMA_CHECK) peak.measured = await measureFmaPeak(peak);

  const backends: BackendResult[] = [];
  for (const b of BACKEND_LIST) {
    process.stderr.write(`backend ${b}…\n`);
    backends.push(await benchBackend(b, peak));
  }
  const torch = benchTorch();
  for (const b of backends) {
    for (const m of b.models) {
      const t = torch.models[m.model];
      if (m.samplesPerSec && t && 'samplesPerSec' in t) m.vsPytorch = round(m.samplesPerSec / t.samplesPerSec, 3);
    }
  }

  const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}`;
  const results = {
    date: new Date().toISOString(),
    machine,
    settings: { batchSize: BATCH, maxSamples: SAMPLES, targetSeconds: SECONDS, repeats: REPEATS, warmupBatches: WARMUP_BATCHES, maxSeconds: MAX_SECONDS },
    peak,
    /** One core at 4 floats per FMA: what one wasm thread with 128-bit SIMD can reach. */
    wasmCeilingGflopsPerThread: round(((peak.measured?.gflops || peak.gflops) / peak.cores) * (4 / peak.floatsPerFma), 1),
    flopsFormula: 'per training sample: 3 × forward (backward ≈ 2 × forward); forward = 2 × multiply-adds of conv and dense layers; bias, activations, pooling, loss and adam left out',
    models: MODELS.map((m) => ({ id: m.id, name: m.name, forwardMacs: forwardMacs(m), trainMflopsPerSample: round(trainFlops(m) / 1e6, 3) })),
    backends,
    pytorch: torch,
  };

  const measuredPeak = peak.measured?.gflops;
  const pctMeasured = (g: number) => (measuredPeak ? ` | ${round((100 * g) / measuredPeak, 2)}%` : '');
  const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: n >= 100 ? 0 : 1 });
  const md: string[] = [
    '# Training throughput',
    '',
    `${results.date.slice(0, 10)} · ${machine}`,
    '',
    `MNIST (\`datasets.mnist\`), batch ${BATCH}, adam + categoricalCrossentropy, \`fit(x, y, { epochs: 1, batchSize: ${BATCH}, verbose: 0 })\`, median of ${REPEATS} fits of ~${SECONDS} s each (at most ${SAMPLES.toLocaleString('en-US')} samples) after a warm-up.`,
    '',
    `| model | backend | samples/s | GFLOP/s | % of peak${measuredPeak ? ' | % of FMA loop' : ''} | vs PyTorch |`,
    `| --- | --- | ---: | ---: | ---: | ---:${measuredPeak ? ' | ---:' : ''} |`,
  ];
  for (const spec of MODELS) {
    for (const b of backends.filter((x) => x.available)) {
      const m = b.models.find((x) => x.model === spec.id);
      if (!m) continue;
      if (m.skipped || !m.samplesPerSec) {
        md.push(`| ${spec.name} | ${b.backend} | — | — | —${measuredPeak ? ' | —' : ''} | — |`);
        continue;
      }
      md.push(`| ${spec.name} | ${b.backend} | ${fmt(m.samplesPerSec)} | ${m.gflops} | ${m.percentOfPeak}%${pctMeasured(m.gflops ?? 0)} | ${m.vsPytorch !== undefined ? `${m.vsPytorch}×` : '—'} |`);
    }
    const t = torch.models[spec.id];
    if (t && 'samplesPerSec' in t) {
      const g = round((t.samplesPerSec * trainFlops(spec)) / 1e9, 2);
      md.push(`| ${spec.name} | PyTorch CPU | ${fmt(t.samplesPerSec)} | ${g} | ${round((100 * g) / peak.gflops, 2)}%${pctMeasured(g)} | 1× |`);
    }
  }
  md.push('', 'Backends:', '');
  for (const b of backends) {
    md.push(`- **${b.backend}**: ${b.available ? `${b.detail} (${b.seconds} s in all)` : `not available: ${b.detail}`}`);
    for (const m of b.models) if (m.skipped) md.push(`  - ${m.model}: ${m.skipped}`);
  }
  md.push(`- **PyTorch**: ${torch.detail}`);
  for (const [id, t] of Object.entries(torch.models)) if ('skipped' in t) md.push(`  - ${id}: skipped, ${t.skipped}`);
  md.push(
    '',
    `FLOPs ${results.flopsFormula}: ${results.models.map((m) => `${m.id} ${m.trainMflopsPerSample} MFLOP`).join(', ')}.`,
    '',
    `Peak: ${peak.cores} cores × ${peak.mhz} MHz (${peak.clockSource}) × ${peak.floatsPerFma} floats per FMA (${peak.isa}) × 2 FMA units × 2 flops = **${peak.gflops} GFLOP/s** (nominal; a core that splits 512-bit FMAs in two, like AMD Zen 4, or vCPUs that are hyperthreads, reach less; a clock above "cpu MHz", turbo, reaches more).` +
      (peak.measured ? ` Measured: ${peak.measured.gflops} GFLOP/s, ${peak.measured.note}.` : '') +
      ` The wasm backend's 128-bit SIMD does 4 floats per FMA, so each of its threads can reach at most ${results.wasmCeilingGflopsPerThread} GFLOP/s (1 core${peak.measured?.gflops ? ' at the measured rate' : ''}; half that without FMA, which wasm SIMD lacks).`,
    '',
    'Reproduce: `npm run bench`, or `node esbuild.mjs && node --import tsx bench/training.ts` (BENCH_TRAIN_SAMPLES, BENCH_TRAIN_SECONDS, BENCH_TRAIN_REPEATS, BENCH_TRAIN_WARMUP_BATCHES, BENCH_TRAIN_MAX_SECONDS, BENCH_TRAIN_BACKENDS, BENCH_TRAIN_MODELS, BENCH_TRAIN_PYTORCH=0, BENCH_TRAIN_FMA=0).',
    '',
  );
  const text = md.join('\n');
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'training.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(ROOT, 'bench', 'results', 'training.md'), text);
  process.stdout.write(text);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
