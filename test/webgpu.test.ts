/**
 * The webgpu backend (TensorFlow.js's WebGPU backend on Dawn) in a real kernel process, on the GPU
 * this machine has: in CI, Mesa's software Vulkan driver (lavapipe), which `.ci/run` installs. The
 * article models train and match the cpu backend; synchronous reads, printing, tensor outputs and
 * hovers work and let nothing else run inside the read; interrupt stops a fit; errors (a tensor over
 * the GPU's limits, an error Dawn reports later, a lost device) say what happened.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { KernelDiedError, type KernelClient } from '../src/host/kernelClient';
import { CLI_PATH, run, startKernel, tempDir } from './helpers/kernel';
import { ARTICLE_MODELS, lossCode, oneHotLabels } from './helpers/articleModels';

const NO_ADAPTER =
  'the webgpu tests need a WebGPU adapter: a GPU driver with Vulkan, Metal or D3D12, or on Linux without a GPU ' +
  "Mesa's lavapipe 25 or newer (`.ci/run` installs mesa-vulkan-drivers from bookworm-backports)";

/** The last line a cell printed, as JSON. */
function lastJson<T>(stdout: string): T {
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? 'null') as T;
}

async function webgpuKernel(): Promise<KernelClient> {
  try {
    return await startKernel({ backend: 'webgpu' });
  } catch (err) {
    throw new Error(`${NO_ADAPTER}. The kernel said: ${(err as Error).message}`);
  }
}

describe('webgpu: choosing it', () => {
  test('auto takes webgpu only on a hardware GPU, and says why it skipped a software one', async () => {
    const probe = await startKernel({ backend: 'cpu' });
    const statuses = await probe.backends();
    await probe.shutdown();
    const webgpu = statuses.find((s) => s.name === 'webgpu');
    assert.ok(webgpu?.available, `${NO_ADAPTER}. Listed: ${webgpu?.detail}`);
    // The adapter, as Select Backend lists it: name, vendor, hardware or software, driver, limits.
    assert.match(webgpu.detail, /^.+ \(.+, (hardware|software)(; .+)?\), buffers ≤ [\d.]+ [KMG]B, bindings ≤ [\d.]+ [KMG]B/);
    const software = / software[;)]/.test(webgpu.detail);

    const auto = await startKernel();
    await auto.shutdown();
    if (software) {
      assert.notEqual(auto.info.backend, 'webgpu');
      const skip = auto.info.skipped.find((s) => s.name === 'webgpu');
      assert.match(skip?.detail ?? '', /the only GPU adapter is .+, a software renderer slower than wasm; name --backend webgpu to use it anyway/);
    } else {
      assert.equal(auto.info.backend, 'webgpu', `auto skipped a hardware GPU: ${JSON.stringify(auto.info.skipped)}`);
    }
  });

  test('with no adapter (here Dawn told to use an API this system lacks), auto says so and a named webgpu is a clear error', async () => {
    const missingApi = process.platform === 'win32' ? 'backend=metal' : 'backend=d3d12';
    const env = { ...process.env, BMNB_WEBGPU_FLAGS: missingApi };
    const auto = await startKernel({ backend: 'auto', env });
    await auto.shutdown();
    const skip = auto.info.skipped.find((s) => s.name === 'webgpu');
    assert.match(skip?.detail ?? '', new RegExp(`^no WebGPU adapter: Dawn found no GPU driver it can use .* with BMNB_WEBGPU_FLAGS=${missingApi}$`));
    assert.match(skip?.install ?? '', /install your GPU's driver with Vulkan/);
    await assert.rejects(startKernel({ backend: 'webgpu', env }), (err: Error) => {
      assert.match(err.message, /Backend 'webgpu' cannot load here \(webgpu: no WebGPU adapter: .*\)\.\nAvailable: /);
      return true;
    });
  });

  test('bmnb doctor names the adapter, its driver and limits, and what auto would pick', () => {
    const r = spawnSync(process.execPath, [CLI_PATH, 'doctor'], { cwd: tempDir(), env: { ...process.env, BMNB_TFJS_NODE_PATH: '' }, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    const line = r.stdout.split('\n').find((l) => l.includes('webgpu: loads')) ?? '';
    assert.match(line, /✔ webgpu: loads — @tensorflow\/tfjs-backend-webgpu@4\.22\.0 .*adapter: .+, vendor: .+, kind: (hardware|software).*largest buffer: [\d.]+ [KMG]B, largest tensor \(storage binding\): [\d.]+ [KMG]B/);
    const software = /kind: software/.test(line);
    assert.match(r.stdout, software ? /auto would pick: wasm/ : /auto would pick: webgpu/);
  });
});

describe('webgpu: a session', () => {
  let kernel: KernelClient;
  before(async () => {
    kernel = await webgpuKernel();
    const setup = await run(kernel, "import * as tf from '@tensorflow/tfjs';\ntf.getBackend()");
    assert.equal(setup.text, 'webgpu', setup.error?.stack);
  });
  after(() => kernel.shutdown());

  test('the kernel names its GPU when it starts', () => {
    assert.equal(kernel.info.backend, 'webgpu');
    assert.ok(kernel.info.adapter?.name, JSON.stringify(kernel.info));
    assert.match(kernel.info.detail, new RegExp(`^${kernel.info.adapter.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(`));
    assert.match(kernel.log, /backend webgpu \(.+buffers ≤/);
  });

  test('dataSync, arraySync, print and console.log of a tensor on the GPU give the values the cpu backend gives', async () => {
    const r = await run(
      kernel,
      `const a = tf.tensor2d([[1, -2, 3], [4, 5, -6]]);
const b = tf.tensor2d([[0.5, 1], [-1, 2], [3, -0.25]]);
const c = tf.matMul(tf.relu(a), b).mul(tf.scalar(1.5)).add(tf.ones([2, 2]));
const big = tf.matMul(tf.randomNormal([128, 256], 0, 1, 'float32', 7), tf.randomNormal([256, 64], 0, 1, 'float32', 8));
const gpu = { c: Array.from(c.dataSync()), rows: c.arraySync(), big: Array.from(big.dataSync()), backend: tf.getBackend() };
c.print();
console.log(c);
await tf.setBackend('cpu');
const ref = tf.tidy(() => {
  const c2 = tf.matMul(tf.relu(tf.tensor2d([[1, -2, 3], [4, 5, -6]])), tf.tensor2d([[0.5, 1], [-1, 2], [3, -0.25]])).mul(tf.scalar(1.5)).add(tf.ones([2, 2]));
  const big2 = tf.matMul(tf.randomNormal([128, 256], 0, 1, 'float32', 7), tf.randomNormal([256, 64], 0, 1, 'float32', 8));
  return { c: Array.from(c2.dataSync()), big: Array.from(big2.dataSync()) };
});
await tf.setBackend('webgpu');
console.log(JSON.stringify({ gpu: { c: gpu.c, rows: gpu.rows, backend: gpu.backend }, ref: { c: ref.c }, bigDiff: Math.max(...gpu.big.map((v, i) => Math.abs(v - ref.big[i]))) }));`,
    );
    assert.equal(r.status, 'ok', r.error?.stack);
    const value = lastJson<{ gpu: { c: number[]; rows: number[][]; backend: string }; ref: { c: number[] }; bigDiff: number }>(r.stdout);
    assert.equal(value.gpu.backend, 'webgpu');
    assert.deepEqual(value.gpu.c, value.ref.c);
    assert.deepEqual(value.gpu.rows, [value.ref.c.slice(0, 2), value.ref.c.slice(2)]);
    assert.ok(value.bigDiff < 1e-3, `a 128×256 · 256×64 matMul differs from cpu by ${value.bigDiff}`);
    // print() and console.log(t) both read synchronously and show the values.
    const [a, b, c, d] = value.ref.c.map((v) => String(v).replace(/[.-]/g, '\\$&'));
    const shown = new RegExp(`\\[\\[${a}\\s*, ${b}\\s*\\],\\s+\\[${c}\\s*, ${d}\\s*\\]\\]`, 'g');
    assert.equal(r.stdout.match(shown)?.length, 2, `${shown}\n---\n${r.stdout}`);
  });

  test('nothing runs inside a synchronous read: a timer due before it fires only after the cell', async () => {
    const r = await run(
      kernel,
      `const seen: string[] = [];
setTimeout(() => seen.push('timer'), 0);
const due = Date.now() + 20; while (Date.now() < due) {}
const x = tf.matMul(tf.randomNormal([256, 256]), tf.randomNormal([256, 256]));
x.dataSync(); seen.push('read 1');
x.add(1).arraySync(); seen.push('read 2');
await new Promise((r) => setTimeout(r, 10));
seen.join(' → ')`,
    );
    assert.equal(r.status, 'ok', r.error?.stack);
    assert.equal(r.text, 'read 1 → read 2 → timer');
  });

  test('a tensor output shows the GPU tensor with its statistics, and a hover reads it', async () => {
    const r = await run(kernel, 'const w = tf.linspace(-1, 2, 301).reshape([7, 43]); w');
    assert.equal(r.status, 'ok', r.error?.stack);
    assert.match(r.text ?? '', /^Tensor float32 \[7, 43\] · .* · webgpu\nmin -1 · max 2 · mean 0\.5/);
    const hover = await kernel.inspect('w', 5000);
    assert.equal(hover?.info?.tensor?.backend, 'webgpu');
    assert.deepEqual(hover.info.tensor.shape, [7, 43]);
    assert.ok(Math.abs((hover.info.tensor.stats?.mean ?? NaN) - 0.5) < 1e-5, JSON.stringify(hover.info.tensor.stats));
  });

  test('a tensor over the GPU\'s limits is a clear error naming its size and the limit; the session goes on', async () => {
    const r = await run(kernel, 'const huge = tf.fill([2 ** 31 / 4 + 64], 1); huge.shape');
    assert.equal(r.status, 'error');
    assert.match(r.error?.message ?? '', /Cannot allocate 2 GB on the GPU \(a tensor of 536,870,976 32-bit values\): this GPU's largest (tensor buffer \(maxStorageBufferBindingSize\)|buffer \(maxBufferSize\)) is [\d.]+ [KMG]B/);
    const next = await run(kernel, 'w.sum().arraySync().toFixed(3)');
    assert.equal(next.text, '150.500');
  });

  test('an error the GPU reports later (here an invalid buffer a cell asked for) ends the next read with its message', async () => {
    const r = await run(
      kernel,
      `const device = (tf.backend() as unknown as { device: GPUDevice }).device;
device.createBuffer({ size: 8, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.STORAGE });
await new Promise((r) => setTimeout(r, 50));
tf.ones([3]).add(1).dataSync()`,
    );
    assert.equal(r.status, 'error');
    assert.match(r.error?.message ?? '', /^The GPU reported an error: Buffer usages .*MapRead.* is invalid/);
    // The next read is not blamed for it.
    const next = await run(kernel, 'tf.matMul(tf.ones([64, 64]), tf.ones([64, 64])).sum().arraySync()');
    assert.equal(next.status, 'ok', next.error?.message);
    assert.equal(next.text, '262144');
  });

  test('int32 and bool tensors transpose as on cpu (tfjs-backend-webgpu\'s shaders fail or round them through float32: bmnb rewrites them)', async () => {
    const r = await run(
      kernel,
      `const cases: [string, number[], number[]][] = [['int32', [3, 4, 5], [2, 0, 1]], ['bool', [2, 3, 4], [1, 0, 2]], ['int32', [2, 3, 2, 2], [3, 1, 0, 2]], ['int32', [40, 30], [1, 0]], ['float32', [4, 5, 6], [2, 1, 0]]];
const seeds = cases.map(([dtype, shape]) => Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => dtype === 'bool' ? (i * 7) % 3 === 0 : dtype === 'int32' ? 16_777_217 + i * 7919 : i / 7));
const onGpu = cases.map(([dtype, shape, perm], k) => Array.from(tf.transpose(tf.tensor(seeds[k] as number[], shape, dtype as 'int32'), perm).dataSync()));
await tf.setBackend('cpu');
const onCpu = cases.map(([dtype, shape, perm], k) => Array.from(tf.transpose(tf.tensor(seeds[k] as number[], shape, dtype as 'int32'), perm).dataSync()));
await tf.setBackend('webgpu');
console.log(JSON.stringify(cases.map((c, k) => [c[0], c[1].length, JSON.stringify(onGpu[k]) === JSON.stringify(onCpu[k])])));`,
    );
    assert.equal(r.status, 'ok', r.error?.stack);
    assert.deepEqual(lastJson(r.stdout), [['int32', 3, true], ['bool', 3, true], ['int32', 4, true], ['int32', 2, true], ['float32', 3, true]]);
  });

  test('a Keras LSTM over a masked embedding (which transposes a bool mask) trains', async () => {
    const r = await run(
      kernel,
      `const lstm = tf.sequential({ layers: [tf.layers.embedding({ inputDim: 20, outputDim: 4, maskZero: true, inputLength: 6 }), tf.layers.lstm({ units: 3 }), tf.layers.dense({ units: 1 })] });
lstm.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
const h = await lstm.fit(tf.tensor2d([[3, 4, 5, 0, 0, 0], [7, 1, 0, 0, 0, 0], [2, 2, 2, 2, 9, 0]]), tf.tensor2d([[1], [0], [1]]), { epochs: 2, verbose: 0 });
h.history.loss.every((l) => Number.isFinite(l))`,
    );
    assert.equal(r.status, 'ok', r.error?.stack);
    assert.equal(r.text, 'true');
  });

  test('interrupt stops a running fit after its batch, and the model and variables stay', async () => {
    await run(
      kernel,
      `const model = tf.sequential({ layers: [tf.layers.dense({ units: 16, activation: 'relu', inputShape: [8] }), tf.layers.dense({ units: 1 })] });
model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
const xs = tf.randomNormal([256, 8]); const ys = tf.randomNormal([256, 1]);
let batches = 0;`,
    );
    const fit = run(kernel, 'await model.fit(xs, ys, { epochs: 10000, batchSize: 8, verbose: 0, callbacks: { onBatchEnd: async () => { batches++; } } });');
    for (let i = 0; i < 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
      if (Number((await kernel.inspect('batches', 1000))?.info?.preview) >= 3) break;
    }
    const askedAt = Date.now();
    kernel.interrupt();
    const result = await fit;
    assert.equal(result.status, 'interrupted', result.error?.stack);
    assert.ok(Date.now() - askedAt < 10_000, `the fit stopped ${Date.now() - askedAt} ms after the interrupt`);
    const after = await run(kernel, '[batches > 0, (model.predict(xs.slice([0, 0], [2, 8])) as tf.Tensor).shape]');
    assert.equal(after.text, '[ true, [ 2, 1 ] ]');
  });
});

describe('webgpu: the article models train as on cpu', () => {
  let kernel: KernelClient;
  before(async () => {
    kernel = await webgpuKernel();
    const setup = await run(
      kernel,
      `import * as tf from '@tensorflow/tfjs';
/** Three steps of fit (batch 16) from the same weights and data on \`backend\`: the losses and the final weights. */
async function train(backend: string, layers: () => tf.layers.Layer[], input: number[], loss: string | ((a: tf.Tensor, b: tf.Tensor) => tf.Tensor), oneHot: boolean, init?: number[][]) {
  await tf.setBackend(backend);
  const n = 48;
  const xs = tf.randomUniform([n, ...input], 0, 1, 'float32', 11);
  const ids = Array.from({ length: n }, (_, i) => (i * 7) % 10);
  const ys = oneHot ? tf.oneHot(tf.tensor1d(ids, 'int32'), 10).toFloat() : tf.tensor1d(ids, 'float32');
  const model = tf.sequential({ layers: layers() });
  model.compile({ optimizer: tf.train.sgd(0.05), loss });
  if (init) model.setWeights(init.map((w, i) => tf.tensor(w, model.getWeights()[i].shape)));
  const start = model.getWeights().map((w) => Array.from(w.dataSync()));
  const losses: number[] = [];
  await model.fit(xs, ys, { epochs: 1, batchSize: 16, shuffle: false, verbose: 0, callbacks: { onBatchEnd: async (_b, logs) => { losses.push(logs!.loss as number); } } });
  const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
  return { losses, start, weights };
}
tf.getBackend()`,
    );
    assert.equal(setup.text, 'webgpu', setup.error?.stack);
  });
  after(() => kernel.shutdown());

  for (const [name, m] of Object.entries(ARTICLE_MODELS)) {
    test(name, async (t) => {
      const r = await run(
        kernel,
        `{
const layers = () => [${m.layers.join(', ')}];
const cpu = await train('cpu', layers, ${JSON.stringify(m.input)}, ${lossCode(m)}, ${oneHotLabels(m)});
const gpu = await train('webgpu', layers, ${JSON.stringify(m.input)}, ${lossCode(m)}, ${oneHotLabels(m)}, cpu.start);
let lossDiff = 0, weightDiff = 0;
gpu.losses.forEach((l, i) => { lossDiff = Math.max(lossDiff, Math.abs(l - cpu.losses[i]) / Math.max(1, Math.abs(cpu.losses[i]))); });
gpu.weights.forEach((w, i) => w.forEach((v, j) => { weightDiff = Math.max(weightDiff, Math.abs(v - cpu.weights[i][j])); }));
console.log(JSON.stringify({ steps: gpu.losses.length, lossDiff, weightDiff, backend: tf.getBackend(), loss: gpu.losses.at(-1) }));
}`,
      );
      assert.equal(r.status, 'ok', r.error?.stack);
      const got = lastJson<{ steps: number; lossDiff: number; weightDiff: number; backend: string; loss: number }>(r.stdout);
      assert.equal(got.backend, 'webgpu');
      assert.equal(got.steps, 3);
      assert.ok(Number.isFinite(got.loss), `loss ${got.loss}`);
      t.diagnostic(`3 steps: losses within ${got.lossDiff.toExponential(1)} (relative), weights within ${got.weightDiff.toExponential(1)} of cpu`);
      assert.ok(got.lossDiff < 1e-4, `losses differ from cpu by ${got.lossDiff} (relative)`);
      assert.ok(got.weightDiff < 1e-4, `weights differ from cpu by ${got.weightDiff}`);
    });
  }
});

describe('webgpu: sessions of their own', () => {
  test('integers beyond 2^24, which tfjs-backend-webgpu rounds through float32, get one warning in a session', async () => {
    const kernel = await webgpuKernel();
    await run(kernel, "import * as tf from '@tensorflow/tfjs';");
    const small = await run(kernel, "tf.tensor1d(Array.from({ length: 2000 }, (_, i) => i * 8000), 'int32').add(tf.scalar(1, 'int32')).max().arraySync()");
    assert.equal(small.text, String(1999 * 8000 + 1));
    assert.equal(small.stderr, '');
    const big = await run(kernel, "const ids = tf.tensor1d(Array.from({ length: 2000 }, (_, i) => 16_777_217 + i), 'int32'); ids.add(tf.scalar(1, 'int32')).dataSync()[0]");
    assert.match(big.stderr, /bmnb webgpu: an int32 tensor holds 16777217, beyond ±16,777,216 \(2\^24\)\. tfjs-backend-webgpu computes int32 through float32, so such integers come out rounded on the GPU\. Use the wasm or cpu backend for them\./);
    const again = await run(kernel, 'ids.mul(tf.scalar(2, \'int32\')).dataSync()[0]');
    assert.equal(again.stderr, '', 'the warning comes once');
    await kernel.shutdown();
  });

  test('ends the cell with an error that says so, and a fresh kernel starts', async () => {
    const kernel = await webgpuKernel();
    await run(kernel, "import * as tf from '@tensorflow/tfjs';");
    // A cell waiting on the GPU (as a fit does between batches) when the device goes.
    const died = await run(kernel, 'const device = (tf.backend() as unknown as { device: GPUDevice }).device;\ndevice.destroy();\nawait new Promise((r) => setTimeout(r, 20_000));').then(
      (r) => assert.fail(`the cell ended with ${r.status}: the kernel should have ended`),
      (err: unknown) => err,
    );
    assert.ok(died instanceof KernelDiedError, String(died));
    assert.equal(died.reason, 'gpu-lost');
    assert.match(died.message, /^The kernel died: its GPU device was lost \(destroyed: .+\): the driver reset, the GPU went away or a cell destroyed the device\. Its tensors are gone\./);
    const fresh = await webgpuKernel();
    const r = await run(fresh, "import * as tf from '@tensorflow/tfjs';\ntf.ones([2]).add(1).arraySync()");
    assert.equal(r.text, '[ 2, 2 ]');
    await fresh.shutdown();
  });

  test('the kernel exits cleanly when it is shut down', async () => {
    const kernel = await webgpuKernel();
    await run(kernel, "import * as tf from '@tensorflow/tfjs';\ntf.ones([64, 64]).matMul(tf.ones([64, 64])).dataSync()[0]");
    const exited = new Promise<number | null>((resolve) => kernel.onExit((err) => resolve(err.exitCode)));
    await kernel.shutdown();
    assert.equal(await exited, 0, kernel.log);
  });
});
