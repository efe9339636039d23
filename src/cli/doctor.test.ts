/**
 * `bmnb doctor` as a person types it: the built CLI (dist/cli.js) in a child process, on this
 * machine (wasm and cpu load; no tfjs-node, no CUDA 11).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { CLI_PATH, tempDir } from '../../test/helpers/kernel';
import { CUDA_LIBRARIES, doctorCommand, type DoctorReport } from './doctor';

function bmnb(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(process.execPath, [CLI_PATH, ...args], {
    cwd: options.cwd ?? tempDir(),
    env: { ...process.env, BMNB_TFJS_NODE_PATH: '', ...options.env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const CUDA_11 = ['libcudart.so.11.0', 'libcublas.so.11', 'libcufft.so.10', 'libcurand.so.10', 'libcusolver.so.11', 'libcusparse.so.11', 'libcudnn.so.8'];

describe('bmnb doctor', () => {
  test('says wasm and cpu load with their versions, the native ones are not installed with how to install them, and auto picks wasm', () => {
    const r = bmnb(['doctor']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Node v\d+\.\d+\.\d+ on /);
    assert.match(r.stdout, /CPU: .+, \d+ cores/);
    assert.match(r.stdout, /✔ wasm: loads — @tensorflow\/tfjs-backend-wasm@\d+\.\d+\.\d+ .*simd: (yes|no), threads: (yes|no)/);
    assert.match(r.stdout, /✔ cpu: loads — @tensorflow\/tfjs-backend-cpu@\d+\.\d+\.\d+/);
    assert.match(r.stdout, /✘ tensorflow-gpu: does not load — @tensorflow\/tfjs-node-gpu is not installed/);
    assert.match(r.stdout, /to install: run `npm install @tensorflow\/tfjs-node-gpu` in the notebook's folder/);
    assert.match(r.stdout, /✘ tensorflow: does not load — @tensorflow\/tfjs-node is not installed/);
    assert.match(r.stdout, /to install: run `npm install @tensorflow\/tfjs-node` in the notebook's folder/);
    assert.match(r.stdout, /auto would pick: wasm/);
  });

  test('--json gives a parseable report with the same facts', () => {
    const r = bmnb(['doctor', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as DoctorReport;
    assert.deepEqual(report.backends.map((b) => b.name), ['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu']);
    const by = Object.fromEntries(report.backends.map((b) => [b.name, b]));
    assert.equal(by.wasm.loads, true);
    assert.match(by.wasm.version ?? '', /^\d+\.\d+\.\d+$/);
    assert.match(by.wasm.path ?? '', /node_modules[\\/]@tensorflow[\\/]tfjs-backend-wasm$/);
    assert.equal(typeof by.wasm.facts.simd, 'boolean');
    assert.equal(typeof by.wasm.facts.threads, 'boolean');
    assert.equal(by.wasm.facts['bmnb SIMD kernels'], 'built', 'the build made dist/simd.wasm (clang and lld: bash scripts/simd-setup.sh)');
    assert.equal(by.cpu.loads, true);
    assert.match(by.cpu.tfjsCore ?? '', /^\d+\.\d+\.\d+$/);
    assert.equal(by['tensorflow-gpu'].loads, false);
    assert.match(by['tensorflow-gpu'].error ?? '', /is not installed/);
    assert.match(by['tensorflow-gpu'].install ?? '', /npm install @tensorflow\/tfjs-node-gpu/);
    assert.equal(by.tensorflow.loads, false);
    assert.equal(report.auto, 'wasm');
    assert.equal(report.node, process.version);
    assert.ok(report.cpu.cores > 0);
  });

  test('a tfjs-node-gpu that fails to load is reported with its version, path and error', () => {
    const dir = tempDir({
      'node_modules/@tensorflow/tfjs-node-gpu/index.js': "throw new Error('libcudart.so.11.0: cannot open shared object file: No such file or directory');\n",
      'node_modules/@tensorflow/tfjs-node-gpu/package.json': '{ "name": "@tensorflow/tfjs-node-gpu", "version": "4.22.0", "main": "index.js" }',
    });
    const r = bmnb(['doctor', '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const gpu = (JSON.parse(r.stdout) as DoctorReport).backends.find((b) => b.name === 'tensorflow-gpu')!;
    assert.equal(gpu.loads, false);
    assert.equal(gpu.version, '4.22.0');
    assert.match(gpu.path ?? '', /tfjs-node-gpu$/);
    assert.match(gpu.error ?? '', /installed but failed to load: libcudart\.so\.11\.0: cannot open shared object file/);
    const text = bmnb(['doctor'], { cwd: dir });
    assert.match(text.stdout, /✘ tensorflow-gpu: does not load — @tensorflow\/tfjs-node-gpu@4\.22\.0: @tensorflow\/tfjs-node-gpu is installed but failed to load: libcudart\.so\.11\.0/);
  });

  test('a tfjs-node-gpu that loads (a stand-in, via BMNB_TFJS_NODE_PATH) is reported with whether it uses a GPU, and auto picks it', () => {
    const elsewhere = tempDir({
      'node_modules/@tensorflow/tfjs-node-gpu/index.js':
        `const tf = require(${JSON.stringify(require.resolve('@tensorflow/tfjs'))});\n` +
        "tf.registerBackend('tensorflow', tf.findBackendFactory('cpu'));\n" +
        'tf.node = { isUsingGpuDevice: () => false };\nmodule.exports = tf;\n',
      'node_modules/@tensorflow/tfjs-node-gpu/package.json': '{ "name": "@tensorflow/tfjs-node-gpu", "version": "4.22.0", "main": "index.js" }',
    });
    const r = bmnb(['doctor', '--json'], { env: { BMNB_TFJS_NODE_PATH: elsewhere } });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as DoctorReport;
    const gpu = report.backends.find((b) => b.name === 'tensorflow-gpu')!;
    assert.equal(gpu.loads, true);
    assert.equal(gpu.version, '4.22.0');
    assert.ok(gpu.path?.startsWith(elsewhere), gpu.path);
    assert.equal(gpu.facts.gpuInUse, false);
    assert.equal(report.auto, 'tensorflow-gpu');
    assert.equal(report.tfjsNodePath, elsewhere);
    const text = bmnb(['doctor'], { env: { BMNB_TFJS_NODE_PATH: elsewhere } }).stdout;
    assert.match(text, /✔ tensorflow-gpu: loads — @tensorflow\/tfjs-node-gpu@4\.22\.0 .*GPU in use: no/);
    assert.match(text, /auto would pick: tensorflow-gpu/);
  });

  test('the CUDA check names each CUDA 11 / cuDNN 8 library that is missing here', () => {
    assert.deepEqual(CUDA_LIBRARIES.map((l) => l.name), CUDA_11);
    const r = bmnb(['doctor', '--json'], { env: { LD_LIBRARY_PATH: '' } });
    const report = JSON.parse(r.stdout) as DoctorReport;
    // This machine has no CUDA 11 (at most another CUDA version under /usr/local/cuda*).
    assert.deepEqual(report.cuda.missing, CUDA_11);
    assert.ok(report.cuda.libraries.every((l) => l.found === undefined));
    const text = bmnb(['doctor'], { env: { LD_LIBRARY_PATH: '' } }).stdout;
    assert.match(text, new RegExp(`Missing: ${CUDA_11.map((n) => n.replace(/\./g, '\\.')).join(', ')}\\.`));
    assert.match(text, /✘ libcudnn\.so\.8 \(cuDNN 8\) missing/);
  });

  test('a library in LD_LIBRARY_PATH counts as found', () => {
    const libs = tempDir({ 'libcudnn.so.8': '' });
    const r = bmnb(['doctor', '--json'], { env: { LD_LIBRARY_PATH: libs } });
    const report = JSON.parse(r.stdout) as DoctorReport;
    assert.equal(report.cuda.libraries.find((l) => l.name === 'libcudnn.so.8')?.found, join(libs, 'libcudnn.so.8'));
    assert.ok(!report.cuda.missing.includes('libcudnn.so.8'));
    assert.ok(report.cuda.missing.includes('libcudart.so.11.0'));
  });

  test('exit 2 on an unknown option or argument, with the valid ones', () => {
    const r = bmnb(['doctor', '--bogus']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Unknown option '--bogus'/);
    assert.match(r.stderr, /Valid options of bmnb doctor: --json/);
    assert.equal(bmnb(['doctor', 'extra']).code, 2);
  });

  test('exit 1 when no backend loads', async () => {
    // A stand-in kernel that answers kernel/probeBackend with every backend failing.
    const dir = tempDir();
    const kernel = join(dir, 'kernel.js');
    writeFileSync(
      kernel,
      "process.on('message', (m) => {\n" +
        "  if (m.method === 'kernel/probeBackend') process.send({ jsonrpc: '2.0', id: m.id, result: { name: m.params.backend, loads: false, facts: {}, error: 'broken here' } });\n" +
        "  if (m.method === 'kernel/shutdown') process.exit(0);\n" +
        '});\n',
    );
    let out = '';
    const stdout = new Writable({ write(chunk, _enc, done) { out += String(chunk); done(); } });
    const code = await doctorCommand({ kernelPath: kernel, dir, json: false, stdout });
    assert.equal(code, 1);
    assert.match(out, /✘ wasm: does not load — broken here/);
    assert.match(out, /auto would pick: nothing \(no backend loads\)/);
  });
});
