/**
 * What the notebook's rich outputs cost, measured in the real kernel process:
 * - building the payload of a [60000, 28, 28, 1] float32 tensor (its size, and the time next to
 *   a bare read of its data);
 * - training article 004's CNN (conv32-pool-dense128-dense10, batch 128) with and without the live
 *   training curves, runs alternated in one kernel so both see the same machine state.
 * Run with `npm run bench`; writes bench/results/outputs.md and outputs.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KernelClient } from '../src/host/kernelClient';
import { MIME, type DisplayParams } from '../src/protocol';
import { median, round } from './stats';

const ROOT = resolve(__dirname, '..');
const KERNEL = join(ROOT, 'dist', 'kernel.js');
const PAYLOAD_RUNS = Number(process.env.BENCH_PAYLOAD_RUNS ?? 5);
const TRAIN_PAIRS = Number(process.env.BENCH_TRAIN_PAIRS ?? 6);
const TRAIN_SAMPLES = Number(process.env.BENCH_TRAIN_SAMPLES ?? 3840);


async function cell(kernel: KernelClient, source: string, displays?: DisplayParams[]): Promise<string> {
  const r = await kernel.execute({ cellId: 'bench', cellLabel: 'bench', language: 'typescript', source }, { onDisplay: (d) => displays?.push(d) });
  if (r.status !== 'ok') throw new Error(`bench cell failed: ${r.error?.stack}`);
  return String(r.result?.find((i) => i.mime === MIME.text)?.data ?? '');
}

async function main(): Promise<void> {
  const kernel = await KernelClient.start({ kernelPath: KERNEL, notebookDir: tmpdir(), backend: 'auto' });
  try {
    await cell(kernel, "import * as tf from '@tensorflow/tfjs';\nconst big = tf.tidy(() => tf.randomUniform([60000, 28, 28, 1], 0, 1, 'float32', 1));");

    // Payload of the whole MNIST training set: display() builds it synchronously, so timing the call is timing the build.
    const build: number[] = [];
    const read: number[] = [];
    let payloadBytes = 0;
    for (let i = 0; i < PAYLOAD_RUNS; i++) {
      read.push(Number(await cell(kernel, 'const r0 = performance.now(); big.dataSync(); performance.now() - r0')));
      const displays: DisplayParams[] = [];
      build.push(Number(await cell(kernel, 'const b0 = performance.now(); display(big); performance.now() - b0', displays)));
      payloadBytes = Buffer.byteLength(JSON.stringify(displays[0]!.items));
    }

    // Article 004's CNN on MNIST-shaped data, live curves on (the default) and off (verbose: 0), alternated.
    await cell(
      kernel,
      `const cnn = tf.sequential({ layers: [
  tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }),
  tf.layers.maxPooling2d({ poolSize: 2 }),
  tf.layers.flatten(),
  tf.layers.dense({ units: 128, activation: 'relu' }),
  tf.layers.dense({ units: 10, activation: 'softmax' }),
] });
cnn.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
const tx = big.slice([0, 0, 0, 0], [${TRAIN_SAMPLES}, 28, 28, 1]);
const ty = tf.oneHot(tf.randomUniform([${TRAIN_SAMPLES}], 0, 10, 'int32', 2), 10);
await cnn.fit(tx.slice([0, 0, 0, 0], [256, 28, 28, 1]), ty.slice([0, 0], [256, 10]), { epochs: 1, batchSize: 128, verbose: 0 });`,
    );
    const on: number[] = [];
    const off: number[] = [];
    /** Each pair's ratio: neighbouring runs share the machine's state, so drift cancels out. */
    const ratios: number[] = [];
    let updates = 0;
    for (let i = 0; i < TRAIN_PAIRS; i++) {
      for (const live of i % 2 ? [false, true] : [true, false]) {
        const displays: DisplayParams[] = [];
        const seconds = Number(
          await cell(kernel, `const f0 = performance.now(); await cnn.fit(tx, ty, { epochs: 1, batchSize: 128${live ? '' : ', verbose: 0'} }); (performance.now() - f0) / 1000`, displays),
        );
        (live ? on : off).push(TRAIN_SAMPLES / seconds);
        if (live) updates = displays.length;
      }
      ratios.push(on[on.length - 1]! / off[off.length - 1]!);
    }

    const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}`;
    const results = {
      date: new Date().toISOString(),
      machine,
      backend: `${kernel.info.backend} (${kernel.info.detail})`,
      tensorPayload: {
        shape: [60000, 28, 28, 1],
        runs: PAYLOAD_RUNS,
        payloadKB: round(payloadBytes / 1024),
        buildMedianMs: round(median(build)),
        dataReadMedianMs: round(median(read)),
      },
      liveCurves: {
        model: 'article 004 CNN: conv32(3×3) · maxpool 2 · dense 128 · dense 10, batch 128',
        samples: TRAIN_SAMPLES,
        pairs: TRAIN_PAIRS,
        withCurvesSamplesPerSec: round(median(on), 0),
        withoutCurvesSamplesPerSec: round(median(off), 0),
        /** Median over the pairs of (with / without). */
        ratio: round(median(ratios), 3),
        pairRatios: ratios.map((r) => round(r, 3)),
        updatesPerFit: updates,
      },
    };
    const t = results.tensorPayload;
    const l = results.liveCurves;
    const md = [
      '# Cost of rich outputs',
      '',
      `${results.date.slice(0, 10)} · ${machine} · backend ${results.backend}`,
      '',
      '| measure | runs | result |',
      '| --- | ---: | ---: |',
      `| payload of a [60000, 28, 28, 1] float32 tensor (stats, histogram, 16 PNGs) | ${t.runs} | ${t.payloadKB} KB, built in ${t.buildMedianMs} ms (median) |`,
      `| · of which reading its data (\`dataSync\`, measured alone) | ${t.runs} | ${t.dataReadMedianMs} ms |`,
      `| ${l.model}, with live curves | ${l.pairs} | ${l.withCurvesSamplesPerSec} samples/s (${l.updatesPerFit} updates per fit) |`,
      `| the same without live curves (\`verbose: 0\`) | ${l.pairs} | ${l.withoutCurvesSamplesPerSec} samples/s |`,
      `| **with / without** (median of the pairs' ratios: ${l.pairRatios.join(', ')}) | | **${l.ratio}** |`,
      '',
      'Reproduce: `npm run bench` (BENCH_PAYLOAD_RUNS, BENCH_TRAIN_PAIRS, BENCH_TRAIN_SAMPLES change the counts).',
      '',
    ].join('\n');
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench', 'results', 'outputs.json'), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(ROOT, 'bench', 'results', 'outputs.md'), md);
    process.stdout.write(md);
  } finally {
    await kernel.shutdown();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
