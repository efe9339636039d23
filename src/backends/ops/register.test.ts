/**
 * Registering bmnb's ops (register.ts through op.ts's overrideKernel): every op of the list lands
 * in tfjs's registry once, a `missing` op never replaces a kernel the backend has, an op over a
 * kernel the backend lacks is not registered, and an op that passes on a call leaves it to the
 * backend's own kernel.
 */
import { spawnSync } from 'node:child_process';
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { anyBackend, kernelOps, overrideKernel, type Op } from './op';
import { CPU_OPS, registerOps, WASM_OPS, WASM_OPS_OVER_GUARDS } from './register';
import { useOps } from './testing';

const stockWasm = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));

before(() => useOps());

describe('the lists', () => {
  test("the missing ops are missing from tfjs-backend-wasm 4.22, and the others replace kernels it has (tfjs is pinned: when this fails, an op can go)", () => {
    const all = [...WASM_OPS, ...WASM_OPS_OVER_GUARDS];
    for (const op of all) {
      assert.equal(stockWasm.has(op.kernelName), op.reason !== 'missing' && op.reason !== 'fused', `${op.kernelName} (${op.reason}) in stock wasm`);
    }
    assert.deepEqual([...new Set(all.map((op) => op.kernelName))].length, all.length, 'one op per kernel name');
  });

  test('registerOps puts every op of the list in place once; a second call changes nothing', () => {
    const names = registerOps(tf, 'wasm');
    assert.deepEqual(names, [...WASM_OPS, ...WASM_OPS_OVER_GUARDS].map((op) => op.kernelName));
    for (const op of WASM_OPS) assert.deepEqual(kernelOps(tf, op.kernelName, 'wasm'), [`${op.reason}:wasm:${op.kernelName}`]);
    // Over the complex64 guard: a complex sum still goes to cpu (and fails there as it does on cpu).
    for (const op of WASM_OPS_OVER_GUARDS) {
      const ops = kernelOps(tf, op.kernelName, 'wasm');
      assert.equal(ops.length, 2, `${op.kernelName} holds bmnb's op over the complex64 guard: ${ops.join(', ')}`);
      assert.equal(ops[1], `${op.reason}:wasm:${op.kernelName}`, 'the op is outermost');
    }
    const funcs = names.map((n) => tf.getKernel(n, 'wasm').kernelFunc);
    assert.deepEqual(registerOps(tf, 'wasm'), names);
    assert.deepEqual(names.map((n) => tf.getKernel(n, 'wasm').kernelFunc), funcs, 'a second call must not wrap again');
    assert.deepEqual(registerOps(tf, 'cpu'), CPU_OPS.map((op) => op.kernelName));
    assert.deepEqual(kernelOps(tf, 'Transform', 'cpu'), ['fix:cpu:Transform']);
  });
});

describe('BMNB_OPS_OFF', () => {
  test('leaves the kernels it names to the backend (and Relu’s gradient to tfjs when it names BmnbReluGrad); the rest are registered', () => {
    const script = `
      const tf = require('@tensorflow/tfjs'); require('@tensorflow/tfjs-backend-wasm');
      const { registerOps } = require('./src/backends/ops/register.ts');
      const { kernelOps } = require('./src/backends/ops/op.ts');
      (async () => {
        const names = registerOps(tf, 'wasm');
        await tf.setBackend('wasm');
        const p = await tf.profile(() => tf.grad((x) => tf.sum(tf.relu(x)))(tf.tensor([-1, 2])));
        console.log(JSON.stringify({ names, identity: kernelOps(tf, 'Identity', 'wasm'), kernels: p.kernels.map((k) => k.name) }));
      })();`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
      env: { ...process.env, BMNB_OPS_OFF: ' Identity, BmnbReluGrad' },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { names: string[]; identity: string[]; kernels: string[] };
    assert.ok(!out.names.includes('Identity') && !out.names.includes('BmnbReluGrad'), out.names.join());
    assert.ok(out.names.includes('Cast') && out.names.includes('MaxPoolGrad'));
    assert.deepEqual(out.identity, ['fix:wasm:Identity'], 'only the complex64 guard over stock wasm’s Identity');
    assert.ok(out.kernels.includes('Step') && !out.kernels.includes('BmnbReluGrad'), out.kernels.join());
  });
});

describe('overrideKernel', () => {
  const calls: string[] = [];
  const probe = (kernelName: string, reason: Op['reason'], result: 'null' | 'ones'): Op => ({
    kernelName,
    backendName: 'cpu',
    reason,
    backend: anyBackend,
    run(tfjs, call) {
      calls.push(kernelName);
      if (result === 'null') return null;
      const x = call.inputs.x!;
      return (call.backend as { makeTensorInfo(s: number[], d: string, v: Float32Array): tf.TensorInfo }).makeTensorInfo(x.shape, 'float32', new Float32Array(tfjs.util.sizeFromShape(x.shape)).fill(1));
    },
  });

  before(() => tf.setBackend('cpu'));

  test('a missing op is not registered over a kernel the backend has', () => {
    const own = tf.getKernel('Relu', 'cpu').kernelFunc;
    assert.equal(overrideKernel(tf, probe('Relu', 'missing', 'ones')), false);
    assert.equal(tf.getKernel('Relu', 'cpu').kernelFunc, own);
    assert.deepEqual(tf.relu(tf.tensor1d([-1, 2])).arraySync(), [0, 2]);
  });

  test('an op over a kernel the backend lacks is not registered', () => {
    assert.equal(overrideKernel(tf, probe('NoSuchKernel', 'faster', 'ones')), false);
    assert.equal(tf.getKernel('NoSuchKernel', 'cpu'), undefined);
  });

  test('an op that passes (null) leaves the call to the backend’s own kernel; one that answers replaces it', () => {
    assert.equal(overrideKernel(tf, probe('Abs', 'faster', 'null')), true);
    assert.deepEqual(tf.abs(tf.tensor1d([-3, 2])).arraySync(), [3, 2]);
    assert.equal(overrideKernel(tf, probe('Neg', 'fix', 'ones')), true);
    assert.deepEqual(tf.neg(tf.tensor1d([-3, 2])).arraySync(), [1, 1]);
    assert.deepEqual(calls, ['Abs', 'Neg']);
    assert.deepEqual(kernelOps(tf, 'Abs', 'cpu'), ['faster:cpu:Abs']);
  });

  test('a missing op that passes on a call is an error naming the op', () => {
    tf.unregisterKernel('Square', 'cpu');
    assert.equal(overrideKernel(tf, probe('Square', 'missing', 'null')), true);
    assert.throws(() => tf.square(tf.tensor1d([2])), /bmnb Square: this case is not supported on cpu/);
  });
});
