/**
 * Where a training step's time goes on wasm, before and after each of bmnb's ops, side
 * by side in one process: for each stage, each article model's `trainOnBatch` time (batch 128,
 * adam, categoricalCrossentropy, random MNIST-shaped data) and, from `tf.profile`, the kernels
 * that take the most time.
 *
 * Stages (each adds to the one before; each runs in a process of its own):
 * 1. `stock`: tfjs-backend-wasm 4.22 plus only the kernels it lacks (without them no CNN trains);
 * 2. `+ matMul`: the transposed BatchMatMul and _FusedMatMul (src/backends/ops/BatchMatMul.ts);
 * 3. `+ conv grads`: the faster Conv2DBackpropInput and MaxPoolGrad (src/backends/ops/), one thread;
 * 4. `+ threads`: the backend as the kernel process loads it (`loadBackend('wasm')`: every op of
 *    src/backends/ops/register.ts, and the threaded build with as many threads as it picks), but
 *    without bmnb's SIMD kernels (BMNB_SIMD=0, as in every stage before);
 * 5. `+ SIMD`: the same with the SIMD kernels (src/backends/simd/kernels.c: MaxPoolGrad, the
 *    bias gradient's Sum, Conv2DBackpropFilter's im2col) on one thread, but with
 *    tfjs-backend-wasm's own Identity and Cast, tfjs's own Relu gradient (BMNB_OPS_OFF) and
 *    XNNPACK's products in Conv2DBackpropFilter and BatchMatMul (BMNB_SIMD_PRODUCT=0), as in
 *    every stage before;
 * 6. `+ fewer passes`: Identity and same-dtype Cast without copies (ops/Identity.ts), Relu's
 *    gradient and the bias Add each in one SIMD pass (ops/ReluGrad.ts, ops/Add.ts);
 * 7. `+ SIMD product`: the products of Conv2DBackpropFilter and of dense layers (BatchMatMul) in
 *    bmnb's SIMD kernel, one thread
 *    (BMNB_SIMD_THREADS=1, as in every stage before);
 * 8. `+ SIMD threads`: bmnb's SIMD kernels on the SIMD pool's threads (src/backends/simdPool.ts):
 *    the kernel process as it runs.
 *
 * Run: `node --import tsx bench/profile.ts` (part of `npm run bench`); writes
 * bench/results/profile.md and profile.json. BENCH_PROFILE_STEPS (default 8) timed steps per
 * model and stage, BENCH_PROFILE_TOP (default 6) kernels listed.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { median, round } from './stats';
import { overrideKernel } from '../src/backends/ops/op';
import { WASM_OPS } from '../src/backends/ops/register';
import { loadBackend } from '../src/backends/load';
import type { Tfjs } from '../src/backends/tfjs';

const STEPS = Number(process.env.BENCH_PROFILE_STEPS ?? 8);
const TOP = Number(process.env.BENCH_PROFILE_TOP ?? 6);
const BATCH = 128;

type ModelId = 'dense' | 'cnn' | 'cnn3' | 'cnn3-cifar';
const MODELS: Array<{ id: ModelId; name: string }> = [
  { id: 'dense', name: 'dense 784-64-10 (003)' },
  { id: 'cnn', name: 'CNN conv32-pool-dense128 (004)' },
  { id: 'cnn3', name: 'CNN conv32-pool-conv64-pool-conv64-dense64 (002)' },
  { id: 'cnn3-cifar', name: 'the same on CIFAR-10 32×32×3 (000)' },
];

/** The input of a model: MNIST's 28×28×1, or CIFAR-10's 32×32×3. */
const inputShape = (id: ModelId): [number, number, number] => (id === 'cnn3-cifar' ? [32, 32, 3] : [28, 28, 1]);

function build(tf: Tfjs, id: ModelId) {
  const L = tf.layers;
  const conv = (filters: number, first = false) =>
    L.conv2d({ ...(first ? { inputShape: inputShape(id) } : {}), filters, kernelSize: 3, activation: 'relu' });
  const layers =
    id === 'dense'
      ? [L.flatten({ inputShape: [28, 28, 1] }), L.dense({ units: 64, activation: 'relu' })]
      : id === 'cnn'
        ? [conv(32, true), L.maxPooling2d({ poolSize: 2 }), L.flatten(), L.dense({ units: 128, activation: 'relu' })]
        : [conv(32, true), L.maxPooling2d({ poolSize: 2 }), conv(64), L.maxPooling2d({ poolSize: 2 }), conv(64), L.flatten(), L.dense({ units: 64, activation: 'relu' })];
  const model = tf.sequential({ layers: [...layers, L.dense({ units: 10, activation: 'softmax' })] });
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  return model;
}

interface StageResult {
  stage: string;
  models: Array<{ id: ModelId; stepMs: number; samplesPerSec: number; kernelMs: number; top: Array<{ kernel: string; ms: number }> }>;
}

async function profileStage(tf: Tfjs, stage: string): Promise<StageResult> {
  const out: StageResult = { stage, models: [] };
  for (const { id } of MODELS) {
    const model = build(tf, id);
    const x = tf.randomUniform([BATCH, ...inputShape(id)]);
    const y = tf.oneHot(tf.randomUniform([BATCH], 0, 10, 'int32'), 10).toFloat();
    // Warm up until the JIT has settled (a fresh process runs a dense step 3× slower at first):
    // at least 3 steps and 1 s. Then time at least STEPS steps and 1 s.
    const steps = async (min: number, ms: number, each?: (t: number) => void) => {
      const start = performance.now();
      for (let i = 0; i < min || performance.now() - start < ms; i++) {
        const t0 = performance.now();
        await model.trainOnBatch(x, y);
        each?.(performance.now() - t0);
      }
    };
    await steps(3, 1000);
    const times: number[] = [];
    await steps(STEPS, 1000, (t) => times.push(t));
    const prof = await tf.profile(async () => {
      await model.trainOnBatch(x, y);
    });
    const byKernel = new Map<string, number>();
    let kernelMs = 0;
    for (const k of prof.kernels) {
      const ms = Number(k.kernelTimeMs) || 0;
      kernelMs += ms;
      const key = `${k.name} ${JSON.stringify(k.inputShapes)}`;
      byKernel.set(key, (byKernel.get(key) ?? 0) + ms);
    }
    const top = [...byKernel].sort((a, b) => b[1] - a[1]).slice(0, TOP).map(([kernel, ms]) => ({ kernel, ms: round(ms, 1) }));
    const stepMs = median(times);
    out.models.push({ id, stepMs: round(stepMs, 1), samplesPerSec: Math.round((BATCH / stepMs) * 1000), kernelMs: round(kernelMs, 1), top });
    tf.dispose([x, y]);
    model.dispose();
    console.log(`${stage.padEnd(14)} ${id.padEnd(6)} step ${stepMs.toFixed(1)} ms (${Math.round((BATCH / stepMs) * 1000)} samples/s); top: ${top[0]?.kernel} ${top[0]?.ms} ms`);
  }
  return out;
}

const STAGES = ['stock', '+ matMul', '+ conv grads', '+ threads', '+ SIMD', '+ fewer passes', '+ SIMD product', '+ SIMD threads'] as const;
/** The ops `+ fewer passes` adds (BMNB_OPS_OFF before it). */
const FEWER_PASSES = 'Identity,Cast,BmnbReluGrad,Add';

/** The environment of a stage: what it and the stages after it add is off. */
function stageEnv(stage: (typeof STAGES)[number]): Record<string, string> {
  const before = (s: (typeof STAGES)[number]) => STAGES.indexOf(stage) < STAGES.indexOf(s);
  return {
    BENCH_PROFILE_STAGE: stage,
    BMNB_SIMD: before('+ SIMD') ? '0' : '1',
    BMNB_OPS_OFF: before('+ fewer passes') ? FEWER_PASSES : '',
    BMNB_SIMD_PRODUCT: before('+ SIMD product') ? '0' : '',
    BMNB_SIMD_THREADS: before('+ SIMD threads') ? '1' : '',
  };
}

/** One stage, in this process: prints its result as JSON on the last line. */
async function runStage(stage: (typeof STAGES)[number]): Promise<void> {
  let tf: Tfjs;
  let detail: string;
  if (STAGES.indexOf(stage) >= STAGES.indexOf('+ threads')) {
    const loaded = await loadBackend('wasm', { notebookDir: process.cwd() });
    tf = loaded.tf;
    detail = loaded.detail;
  } else {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    tf = require('@tensorflow/tfjs') as Tfjs;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('@tensorflow/tfjs-backend-wasm');
    const stageOps = ({
      stock: [],
      '+ matMul': ['BatchMatMul', '_FusedMatMul'],
      '+ conv grads': ['BatchMatMul', '_FusedMatMul', 'Conv2DBackpropInput', 'MaxPoolGrad'],
    } as Record<string, string[]>)[stage] ?? [];
    for (const op of WASM_OPS) if (op.reason === 'missing' || stageOps.includes(op.kernelName)) overrideKernel(tf, op);
    await tf.setBackend('wasm');
    detail = '1 thread';
  }
  const result = await profileStage(tf, `${stage} (${detail})`);
  process.stdout.write(`\n${JSON.stringify(result)}\n`);
}

async function main(): Promise<void> {
  const only = process.env.BENCH_PROFILE_STAGE as (typeof STAGES)[number] | undefined;
  if (only) return runStage(only);
  const results: StageResult[] = [];
  for (const stage of STAGES) {
    const r = spawnSync(process.execPath, [...process.execArgv, __filename], {
      env: { ...process.env, ...stageEnv(stage) },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 600_000,
    });
    const last = r.stdout.trim().split('\n').pop() ?? '';
    if (r.status !== 0 || !last.startsWith('{')) throw new Error(`stage ${stage} failed (exit ${r.status}): ${r.stdout.slice(-500)}`);
    process.stdout.write(r.stdout.slice(0, r.stdout.lastIndexOf(last)));
    results.push(JSON.parse(last) as StageResult);
  }
  const detail = 'one process per stage';

  const dir = resolve(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const md: string[] = [
    `# Training step profile, wasm (${detail})`,
    '',
    `${new Date().toISOString().slice(0, 10)}, Node ${process.version}. \`trainOnBatch\` of batch ${BATCH}, median of at least ${STEPS} steps (and 1 s) after 1 s of warm-up; kernel times from \`tf.profile\` of one more step.`,
    '',
    `| stage | ${MODELS.map((m) => m.name).join(' | ')} |`,
    `| --- | ${MODELS.map(() => '---:').join(' | ')} |`,
    ...results.map((r) => `| ${r.stage} | ${r.models.map((m) => `${m.stepMs} ms (${m.samplesPerSec.toLocaleString('en-US')}/s)`).join(' | ')} |`),
    '',
  ];
  for (const r of results) {
    md.push(`## ${r.stage}`, '');
    for (const m of r.models) {
      md.push(`- **${m.id}**: step ${m.stepMs} ms, kernels ${m.kernelMs} ms (the rest is tfjs's JavaScript: tape, optimizer, callbacks)`);
      for (const t of m.top) md.push(`  - ${t.ms} ms \`${t.kernel}\``);
    }
    md.push('');
  }
  writeFileSync(join(dir, 'profile.md'), md.join('\n'));
  writeFileSync(join(dir, 'profile.json'), JSON.stringify({ date: new Date().toISOString(), node: process.version, detail, results }, null, 2) + '\n');
  console.log(`wrote ${join(dir, 'profile.md')}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
