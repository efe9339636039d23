/**
 * The cpu fallback (cpuFallback.ts): after registerOps every kernel the cpu backend has also runs
 * on wasm; Einsum, complex numbers, the FFTs, stft, strings, ragged tensors and Draw give on wasm
 * what they give on cpu (complex tensors print and read as on cpu); complex inputs to wasm's own
 * kernels give cpu's numbers or cpu's error instead of wrong numbers; each call leaves exactly its
 * outputs behind, on wasm and on cpu; and a cell is told once per kernel that it runs on cpu.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { kernelOps } from './op';
import { registerOps, WASM_OPS } from './register';
import { registerComplexOnCpu, registerCpuFallbacks } from './cpuFallback';
import { assertClose, leavesOneBufferEach, on, rand, useOps, wasmDataIds } from './testing';

/** What tfjs-backend-wasm 4.22 lacks of tfjs-backend-cpu 4.22, bmnb's own ops aside (the list in cpuFallback.ts's doc comment). */
const GAP = [
  'Complex', 'ComplexAbs', 'Draw', 'Einsum', 'FFT', 'IFFT', 'Imag',
  'RaggedGather', 'RaggedRange', 'RaggedTensorToTensor', 'Real', 'StaticRegexReplace',
];
/**
 * Kernels registered for cpu that cannot run on wasm even through the fallback. None: every one
 * moves. (Were one added, its line here would say why.)
 */
const CANNOT_MOVE: string[] = [];

const stockWasm = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));

/** console.warn lines printed while `f` runs. */
async function warnings(f: () => unknown): Promise<string[]> {
  const seen: string[] = [];
  const own = console.warn;
  console.warn = (...args: unknown[]) => void seen.push(args.map(String).join(' '));
  try {
    await f();
  } finally {
    console.warn = own;
  }
  return seen;
}

// Registered as the notebook's kernel does (load.ts: registerOps(tf, 'wasm') before the backend starts).
before(async () => {
  registerOps(tf, 'wasm');
  await useOps();
});

describe('once per kernel name, a note in the cell', () => {
  test('the first Einsum call prints one note (and not tfjs-backend-cpu’s advice to install tfjs-node); later calls and other equations print none', async () => {
    await tf.setBackend('wasm');
    const a = tf.ones([2, 3]);
    const b = tf.ones([3, 4]);
    const seen = await warnings(() => {
      for (let i = 0; i < 3; i++) tf.einsum('ij,jk->ik', a, b).dispose();
      tf.einsum('ij->ji', a).dispose();
    });
    assert.deepEqual(seen, ["bmnb: Einsum has no wasm kernel here; it runs on the cpu backend (its data is copied each call)"]);
    assert.deepEqual(await warnings(() => tf.einsum('ij,jk->ik', a, b).dispose()), []);
    tf.dispose([a, b]);
  });

  test('complex inputs to a wasm kernel are noted once per kernel too', async () => {
    await tf.setBackend('wasm');
    const c = tf.complex([1, 2], [3, 4]);
    const seen = await warnings(() => {
      for (let i = 0; i < 3; i++) tf.mul(c, c).dispose();
    });
    assert.deepEqual(seen, ["bmnb: wasm's Multiply takes no complex64; with a complex input it runs on the cpu backend (its data is copied each call)"]);
    c.dispose();
  });
});

describe('the registries', () => {
  test('every kernel registered for cpu has a wasm kernel after registerOps (a tfjs upgrade cannot bring a gap back unnoticed)', () => {
    const missing = tf.getKernelsForBackend('cpu').map((k) => k.kernelName).filter((n) => tf.getKernel(n, 'wasm') == null);
    assert.deepEqual(missing, CANNOT_MOVE);
  });

  test('the fallbacks are the gap listed in cpuFallback.ts (update its doc comment when this changes), each missing from stock wasm and none of bmnb’s ops', () => {
    const names = registerCpuFallbacks(tf);
    assert.deepEqual(names, GAP);
    const own = new Set(WASM_OPS.map((op) => op.kernelName));
    for (const n of names) {
      assert.ok(!stockWasm.has(n), `${n} is in stock wasm`);
      assert.ok(!own.has(n), `${n} is one of bmnb's ops`);
      assert.deepEqual(kernelOps(tf, n, 'wasm'), [`missing:wasm:${n}`]);
    }
    for (const op of WASM_OPS) assert.deepEqual(kernelOps(tf, op.kernelName, 'wasm'), [`${op.reason}:wasm:${op.kernelName}`], `${op.kernelName} keeps only bmnb's op`);
  });

  test('registering again changes nothing', () => {
    const before = [...GAP, 'Add', 'Cast'].map((n) => tf.getKernel(n, 'wasm').kernelFunc);
    const complexNames = registerComplexOnCpu(tf);
    assert.deepEqual(registerCpuFallbacks(tf), GAP);
    assert.deepEqual(registerComplexOnCpu(tf), complexNames);
    registerOps(tf, 'wasm');
    assert.deepEqual([...GAP, 'Add', 'Cast'].map((n) => tf.getKernel(n, 'wasm').kernelFunc), before);
    assert.ok(complexNames.includes('Add') && complexNames.includes('Cast') && complexNames.includes('Identity'));
    for (const n of ['Reshape', 'ExpandDims', 'Slice', 'Einsum']) assert.ok(!complexNames.includes(n), `${n} is not wrapped for complex`);
  });
});

interface Plain {
  dtype: string;
  shape: number[];
  values: unknown[];
}

/** Runs f on the backend and returns its result(s) as plain data (complex64 as interleaved pairs, as dataSync gives them). */
async function plain(backend: 'cpu' | 'wasm', f: () => tf.Tensor | tf.Tensor[]): Promise<Plain[]> {
  await tf.setBackend(backend);
  const outs = [tf.tidy(f)].flat();
  const r = outs.map((t) => ({ dtype: t.dtype, shape: t.shape.slice(), values: Array.from(t.dataSync() as ArrayLike<unknown>) }));
  tf.dispose(outs);
  return r;
}

/** f gives on wasm exactly what it gives on cpu: dtypes, shapes and values, bit for bit. */
async function same(f: () => tf.Tensor | tf.Tensor[], what: string): Promise<void> {
  const expected = await plain('cpu', f);
  const actual = await plain('wasm', f);
  assert.ok(expected.some((r) => r.values.some((v) => v !== 0)) || expected.every((r) => r.values.length === 0), `${what}: the reference is all zeros`);
  assert.deepEqual(actual, expected, what);
}

/** f throws the same error on wasm as on cpu. */
async function sameError(f: () => unknown, what: string): Promise<string> {
  const messages: string[] = [];
  for (const backend of ['cpu', 'wasm'] as const) {
    await tf.setBackend(backend);
    assert.throws(() => tf.tidy(() => void f()), (e: Error) => (messages.push(e.message), true), `${what} throws on ${backend}`);
  }
  assert.equal(messages[1], messages[0], what);
  return messages[0];
}

const t = (shape: number[], seed: number) => tf.tensor(rand(shape.reduce((a, b) => a * b, 1), seed), shape);
const c = (shape: number[], seed: number) => tf.complex(t(shape, seed), t(shape, seed + 1000));

describe('Einsum matches cpu', () => {
  const cases: Array<[string, number[][]]> = [
    ['ij,jk->ik', [[3, 4], [4, 5]]],
    ['bij,bjk->bik', [[2, 3, 4], [2, 4, 5]]], // batch matmul
    ['ij,ij->', [[4, 4], [4, 4]]], // trace(AᵀB)
    ['ij,ji->', [[3, 5], [5, 3]]], // trace(AB)
    ['bij,bji->b', [[2, 4, 3], [2, 3, 4]]], // batched traces of products
    ['i,i->', [[7], [7]]],
    ['i,j->ij', [[3], [4]]],
    ['ij,j->i', [[3, 4], [4]]],
    ['ij->ji', [[3, 4]]],
    ['ij->', [[3, 4]]],
    ['ijk->kji', [[2, 3, 4]]],
    ['bhqd,bhkd->bhqk', [[2, 2, 3, 4], [2, 2, 5, 4]]], // attention scores
  ];
  for (const [i, [eq, shapes]] of cases.entries()) {
    test(eq, async () => {
      await same(() => tf.einsum(eq, ...shapes.map((s, k) => t(s, 10 * i + k))), eq);
    });
  }

  test('int32 operands', async () => {
    await same(() => tf.einsum('ij,jk->ik', tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3], 'int32'), tf.tensor2d([1, -1, 2, 0, 3, 1], [3, 2], 'int32')), 'int32');
  });

  test('the same operand twice', async () => {
    await same(() => {
      const x = t([3, 3], 77);
      return tf.einsum('ij,jk->ik', x, x);
    }, 'x·x');
  });

  test('what tfjs refuses (a repeated index: the diagonal trace "ii->") it refuses on wasm with cpu’s error', async () => {
    assert.match(await sameError(() => tf.einsum('ii->', t([3, 3], 1)), 'ii->'), /duplicate|Duplicate|not supported|not yet/);
  });

  test('gradients: tfjs 4.22 defines none for Einsum, on any backend; the error is the same, and tf.grad through matMul of the same product still works', async () => {
    const x = () => t([3, 4], 5);
    await sameError(() => tf.grad((a: tf.Tensor) => tf.einsum('ij,jk->ik', a, t([4, 2], 6)).sum())(x()), 'grad einsum');
    await same(() => tf.grad((a: tf.Tensor) => tf.matMul(a as tf.Tensor2D, t([4, 2], 6) as tf.Tensor2D).sum())(x()), 'grad matMul');
  });
});

describe('complex numbers match cpu', () => {
  test('complex, real, imag, abs', async () => {
    await same(() => c([2, 3], 1), 'complex');
    await same(() => tf.real(c([2, 3], 2)), 'real');
    await same(() => tf.imag(c([2, 3], 3)), 'imag');
    await same(() => tf.abs(c([4, 5], 4)), 'abs');
    await same(() => tf.complex(tf.tensor1d([1, 2]), tf.tensor1d([0, -1])), 'small');
    await same(() => tf.complex(tf.zeros([0]), tf.zeros([0])), 'empty');
  });

  test('printing, dataSync, data and array of a complex tensor on wasm give what cpu gives', async () => {
    const got: Array<{ text: string; sync: number[]; data: number[]; array: unknown }> = [];
    for (const backend of ['cpu', 'wasm'] as const) {
      await tf.setBackend(backend);
      const x = tf.complex([[1.5, -2], [0, 3]], [[0.25, 4], [-1, 0]]);
      got.push({ text: x.toString(), sync: Array.from(x.dataSync()), data: Array.from(await x.data()), array: await x.array() });
      const lines: string[] = [];
      const own = console.log;
      console.log = (...a: unknown[]) => void lines.push(a.join(' '));
      try {
        x.print();
      } finally {
        console.log = own;
      }
      got[got.length - 1].text += lines.join('\n');
      x.dispose();
    }
    assert.deepEqual(got[1], got[0]);
    assert.deepEqual(got[1].sync, [1.5, 0.25, -2, 4, 0, -1, 3, 0]);
    assert.match(got[1].text, /1\.5 \+ 0\.25j/);
  });

  test('a complex tensor made on cpu is used and read on wasm', async () => {
    await tf.setBackend('cpu');
    const x = tf.complex([1, 2, 3], [4, 5, 6]);
    await tf.setBackend('wasm');
    const r = tf.imag(x);
    assert.deepEqual(Array.from(r.dataSync()), [4, 5, 6]);
    assert.deepEqual(Array.from(x.dataSync()), [1, 4, 2, 5, 3, 6]);
    tf.dispose([x, r]);
  });

  test('wasm’s own kernels with complex inputs give cpu’s numbers where cpu has them (not wrong numbers)', async () => {
    await same(() => tf.add(c([2, 3], 1), c([2, 3], 2)), 'add');
    await same(() => tf.add(c([2, 3], 1), tf.complex([1], [2])), 'add broadcast');
    await same(() => tf.sub(c([3], 3), c([3], 4)), 'sub');
    await same(() => tf.mul(c([4], 5), c([4], 6)), 'mul');
    await same(() => tf.concat([c([2, 2], 7), c([1, 2], 8)]), 'concat');
    await same(() => tf.stack([c([3], 9), c([3], 10)]), 'stack');
    await same(() => tf.cast(c([3], 11), 'float32'), 'cast to float32');
    await same(() => tf.cast(t([3], 12), 'complex64'), 'cast to complex64');
    await same(() => tf.clone(c([3], 13)), 'clone');
    await same(() => tf.onesLike(c([2], 14)), 'onesLike');
    await same(() => tf.reshape(c([2, 3], 15), [3, 2]), 'reshape');
    await same(() => tf.expandDims(c([3], 16), 1), 'expandDims');
    await same(() => tf.ones([2], 'complex64'), 'ones complex64');
  });

  test('…and cpu’s error where cpu has none', async () => {
    for (const [name, f] of Object.entries({
      neg: () => tf.neg(c([3], 1)),
      sum: () => tf.sum(c([3], 2)),
      div: () => tf.div(c([3], 3), c([3], 4)),
      tile: () => tf.tile(c([3], 5), [2]),
      pad: () => tf.pad(c([3], 6), [[1, 1]]),
    })) {
      assert.match(await sameError(f, name), /does not support complex64/);
    }
  });

  test('the gradient tfjs defines for abs of a complex tensor (ComplexAbs)', async () => {
    await same(() => tf.grad((x: tf.Tensor) => tf.abs(x).sum())(c([5], 20)), 'grad abs(complex)');
  });
});

describe('the FFTs and stft match cpu', () => {
  for (const n of [8, 7, 1, 16, 15]) {
    test(`fft, ifft, rfft, irfft of length ${n}`, async () => {
      await same(() => tf.spectral.fft(c([n], n)), 'fft');
      await same(() => tf.spectral.ifft(c([n], n + 1)), 'ifft');
      await same(() => tf.spectral.rfft(t([n], n + 2)), 'rfft');
      await same(() => tf.spectral.irfft(c([Math.floor(n / 2) + 1], n + 3)), 'irfft');
      await same(() => tf.spectral.ifft(tf.spectral.fft(c([n], n + 4))), 'ifft(fft)');
    });
  }

  test('batched (rank 2 and 3), and rfft with fftLength', async () => {
    await same(() => tf.spectral.fft(c([3, 8], 1)), 'fft [3, 8]');
    await same(() => tf.spectral.ifft(c([2, 2, 6], 2)), 'ifft [2, 2, 6]');
    await same(() => tf.spectral.rfft(t([4, 10], 3)), 'rfft [4, 10]');
    await same(() => tf.spectral.rfft(t([2, 10], 4), 6), 'rfft fftLength 6');
    await same(() => tf.spectral.irfft(c([3, 5], 5)), 'irfft [3, 5]');
  });

  test('stft, and a frame · hannWindow · rfft chain, as cells write them (wasm’s own sin/cos/mul in the chain: close, not bit for bit)', async () => {
    const signal = () => tf.sin(tf.linspace(0, 100, 1024));
    const stft = () => tf.signal.stft(signal(), 256, 128);
    const [shapeCpu, shapeWasm] = [(await plain('cpu', stft))[0], (await plain('wasm', stft))[0]];
    assert.deepEqual([shapeWasm.dtype, shapeWasm.shape], ['complex64', [7, 129]]);
    assert.deepEqual([shapeWasm.dtype, shapeWasm.shape], [shapeCpu.dtype, shapeCpu.shape]);
    assertClose(await on('wasm', () => tf.abs(stft())), await on('cpu', () => tf.abs(stft())), 'abs(stft)');
    assertClose(await on('wasm', stft), await on('cpu', stft), 'stft (interleaved)');
    assertClose(await on('wasm', () => tf.abs(tf.signal.stft(signal(), 100, 30, 128))), await on('cpu', () => tf.abs(tf.signal.stft(signal(), 100, 30, 128))), 'stft fftLength 128');
    const chain = () => tf.abs(tf.spectral.rfft(tf.mul(tf.signal.frame(signal(), 64, 32), tf.signal.hannWindow(64))));
    assertClose(await on('wasm', chain), await on('cpu', chain), 'frame · hann · rfft');
  });

  test('gradients: none in tfjs 4.22 for FFT or Real, on any backend; the error is the same', async () => {
    await sameError(() => tf.grad((x: tf.Tensor) => tf.real(tf.spectral.fft(tf.complex(x, tf.zerosLike(x)))).sum())(t([8], 1)), 'grad real(fft)');
  });
});

describe('strings, ragged tensors and Draw match cpu', () => {
  test('StaticRegexReplace: string in, string out', async () => {
    const expected = ['format this spacing better', 'a b', '', 'ünï cödé ✓'];
    for (const backend of ['cpu', 'wasm'] as const) {
      await tf.setBackend(backend);
      const r = tf.string.staticRegexReplace(['format    this  spacing better', 'a  b', '', 'ünï   cödé ✓'], ' +', ' ');
      assert.equal(r.dtype, 'string');
      assert.deepEqual(r.arraySync(), expected, backend);
      r.dispose();
    }
    await same(() => tf.string.stringToHashBucketFast(tf.string.staticRegexReplace(tf.tensor1d(['x1y', 'x22y']), '\\d', '#', false), 100), 'string through wasm');
  });

  test('RaggedRange (two outputs: int32 splits, float32 and int32 values)', async () => {
    await same(() => Object.values(tf.raggedRange([0, 5, 8], [3, 8, 8], [1, 1, 2])), 'int32');
    await same(() => Object.values(tf.raggedRange(tf.tensor1d([0, 1.5]), tf.tensor1d([2, 3]), tf.tensor1d([0.5, 0.5]))), 'float32');
  });

  test('RaggedGather (a list of splits in, a list out)', async () => {
    await same(() => {
      const { outputNestedSplits, outputDenseValues } = tf.raggedGather([tf.tensor1d([0, 2, 3, 6], 'int32')], t([6, 2], 30), tf.tensor1d([2, 0, 2], 'int32'), 1);
      return [...outputNestedSplits, outputDenseValues];
    }, 'raggedGather');
  });

  test('RaggedTensorToTensor', async () => {
    await same(() => tf.raggedTensorToTensor([4, 4], tf.tensor1d([1, 2, 3, 4, 5, 6]), 0, [tf.tensor1d([0, 2, 2, 5, 6], 'int32')], ['ROW_SPLITS']), 'row splits');
    await same(() => tf.raggedTensorToTensor([3, 3], tf.tensor1d([1, 2, 3, 4], 'int32'), -1, [tf.scalar(3, 'int32'), tf.tensor1d([0, 0, 2, 2], 'int32')], ['FIRST_DIM_SIZE', 'VALUE_ROWIDS']), 'value row ids, int32');
  });

  test('Draw puts cpu’s pixels on the canvas', async () => {
    const g = globalThis as { ImageData?: unknown };
    const had = 'ImageData' in g;
    const own = g.ImageData;
    g.ImageData = class {
      constructor(readonly data: Uint8ClampedArray, readonly width: number, readonly height: number) {}
    };
    try {
      const drawn: number[][] = [];
      for (const backend of ['cpu', 'wasm'] as const) {
        await tf.setBackend(backend);
        const canvas = { getContext: () => ({ putImageData: (img: { data: Uint8ClampedArray }) => void drawn.push(Array.from(img.data)) }) };
        const img = tf.tensor3d(Float32Array.from(rand(2 * 3 * 3, 40), (v) => Math.abs(v)), [2, 3, 3]);
        const tensors = tf.memory().numTensors;
        const buffers = backend === 'wasm' ? wasmDataIds() : 0;
        tf.tidy(() => tf.browser.draw(img, canvas as unknown as HTMLCanvasElement));
        assert.equal(tf.memory().numTensors, tensors, `${backend}: nothing left after tidy`);
        if (backend === 'wasm') assert.equal(wasmDataIds(), buffers, 'no wasm buffer left (the output shares the image’s)');
        img.dispose();
      }
      assert.equal(drawn.length, 2);
      assert.deepEqual(drawn[1], drawn[0]);
    } finally {
      if (had) g.ImageData = own;
      else delete g.ImageData;
    }
  });
});

describe('a kernel without tensor inputs and with int32 and bool outputs', () => {
  test('moves like the others', async () => {
    const name = 'BmnbTestNoInputs';
    tf.registerKernel({
      kernelName: name,
      backendName: 'cpu',
      kernelFunc: ({ backend, attrs }) => {
        const n = Number(attrs?.n);
        const b = backend as unknown as { makeTensorInfo(s: number[], d: string, v: unknown): tf.TensorInfo };
        return [b.makeTensorInfo([n], 'int32', Int32Array.from({ length: n }, (_, i) => i * i)), b.makeTensorInfo([n], 'bool', Uint8Array.from({ length: n }, (_, i) => i % 2))];
      },
    });
    try {
      assert.ok(registerCpuFallbacks(tf).includes(name));
      await same(() => tf.engine().runKernel(name, {}, { n: 5 }) as tf.Tensor[], name);
    } finally {
      tf.unregisterKernel(name, 'cpu');
      tf.unregisterKernel(name, 'wasm');
    }
  });
});

describe('no leaks: each call leaves exactly its outputs, on wasm and on cpu', () => {
  const cpuDataIds = () => (tf.engine().findBackend('cpu') as unknown as { numDataIds(): number }).numDataIds();

  function leavesOutputsOnly(calls: Array<() => tf.Tensor | tf.Tensor[]>): void {
    for (const [i, call] of calls.entries()) {
      const tensors = tf.memory().numTensors;
      const buffers = wasmDataIds();
      const onCpu = cpuDataIds();
      const outs = [call()].flat();
      assert.equal(tf.memory().numTensors, tensors + outs.length, `call ${i}: one tensor per output`);
      assert.equal(wasmDataIds(), buffers + outs.length, `call ${i}: one wasm buffer per output`);
      assert.equal(cpuDataIds(), onCpu, `call ${i}: nothing left on cpu`);
      tf.dispose(outs);
      assert.equal(tf.memory().numTensors, tensors, `call ${i}: no tensor after dispose`);
      assert.equal(wasmDataIds(), buffers, `call ${i}: no buffer after dispose`);
    }
  }

  test('single outputs (one new buffer each)', async () => {
    await tf.setBackend('wasm');
    const a = t([3, 4], 1);
    const b = t([4, 5], 2);
    const x = c([8], 3);
    const r = t([10], 4);
    const s = tf.tensor1d(['a  b', 'c']);
    leavesOneBufferEach([
      () => tf.einsum('ij,jk->ik', a, b),
      () => tf.einsum('ij,ij->', a, a),
      () => tf.complex(r, r),
      () => tf.real(x),
      () => tf.imag(x),
      () => tf.abs(x),
      () => tf.spectral.fft(x),
      () => tf.spectral.ifft(x),
      () => tf.add(x, x),
      () => tf.cast(x, 'float32'),
      () => tf.string.staticRegexReplace(s, ' +', ' '),
    ]);
    // cpu's Identity hands back its input's data (a reference), so tf.clone of a complex tensor
    // shares the wasm buffer: a new tensor, no new buffer, and the original outlives the clone.
    const [tensors, buffers] = [tf.memory().numTensors, wasmDataIds()];
    const y = tf.clone(x);
    assert.deepEqual([tf.memory().numTensors, wasmDataIds()], [tensors + 1, buffers]);
    assert.deepEqual(Array.from(y.dataSync()), Array.from(x.dataSync()));
    y.dispose();
    assert.deepEqual([tf.memory().numTensors, wasmDataIds()], [tensors, buffers]);
    assert.equal(x.dataSync().length, 16);
    tf.dispose([a, b, x, r, s]);
  });

  test('lists of outputs, and calls that throw', async () => {
    await tf.setBackend('wasm');
    const x = c([4], 5);
    const starts = tf.tensor1d([0, 2], 'int32');
    const limits = tf.tensor1d([3, 6], 'int32');
    const deltas = tf.tensor1d([1, 2], 'int32');
    const splits = tf.tensor1d([0, 1, 3], 'int32');
    const dense = t([3], 6);
    const idx = tf.tensor1d([1, 0], 'int32');
    leavesOutputsOnly([
      () => Object.values(tf.raggedRange(starts, limits, deltas)),
      () => {
        const g = tf.raggedGather([splits], dense, idx, 1);
        return [...g.outputNestedSplits, g.outputDenseValues];
      },
      () => tf.engine().runKernel('Einsum', [x, x] as unknown as tf.NamedTensorMap, { equation: 'i,i->i' }) as tf.Tensor,
    ]);
    // A call that fails on cpu leaves nothing on either side.
    const p = t([2, 3], 7);
    const q = t([4, 5], 8);
    const tensors = tf.memory().numTensors;
    const buffers = wasmDataIds();
    const onCpu = cpuDataIds();
    assert.throws(() => tf.neg(x), /does not support complex64/);
    assert.throws(() => tf.einsum('ij,jk->ik', p, q));
    assert.deepEqual([tf.memory().numTensors, wasmDataIds(), cpuDataIds()], [tensors, buffers, onCpu]);
    tf.dispose([x, starts, limits, deltas, splits, dense, idx, p, q]);
  });

  test('stft and its gradient-free chains leave nothing inside tidy', async () => {
    await tf.setBackend('wasm');
    const tensors = tf.memory().numTensors;
    const buffers = wasmDataIds();
    const onCpu = cpuDataIds();
    for (let i = 0; i < 3; i++) tf.tidy(() => tf.abs(tf.signal.stft(tf.sin(tf.linspace(0, 100, 1024)), 256, 128)).sum().dataSync());
    tf.tidy(() => tf.grad((v: tf.Tensor) => tf.abs(v).sum())(tf.complex([1, 2], [3, 4])).dataSync());
    assert.deepEqual([tf.memory().numTensors, wasmDataIds(), cpuDataIds()], [tensors, buffers, onCpu]);
  });
});
