/**
 * bmnb's SIMD kernels on more than one thread. The threaded wasm build's memory is shared, so
 * worker threads can instantiate the same SIMD module over it and work on the same tensors.
 *
 * A job is one kernel over a range of work [0, n), cut into chunks; each argument of a chunk's
 * call is an affine function of the chunk's start and size (a pointer moves with the start, a
 * count is the size). This thread and the workers take chunks from a shared counter until none
 * is left, so a worker that wakes late (the other core may still be busy, pthreadpool spins a
 * while after each XNNPACK job) just takes fewer chunks: the job never waits for a worker that
 * has not started. Each worker sleeps in `Atomics.wait` on its own state word (idle → posted →
 * running → done); this thread either cancels a post the worker has not taken or waits until the
 * worker is done, so a job's memory is never reused while a worker still reads it.
 *
 * The kernels have no memory of their own (no stack, no data: scripts/build-simd.mjs checks), so
 * instances on several threads cannot disturb each other; each chunk writes its own part of the
 * output.
 */
import { Worker } from 'node:worker_threads';

/** A worker's state word. */
const IDLE = 0;
const POSTED = 1;
const RUNNING = 2;
const DONE = 3;
const FAILED = 4;

/** The job block, in int32s: the next chunk, the number of chunks, the function, n, the unit, the argument count, then 3 words per argument. */
const NEXT = 0;
const CHUNKS = 1;
const FUNCTION = 2;
const N = 3;
const UNIT = 4;
const ARGC = 5;
const ARGS = 6;
const MAX_ARGS = 24;

/**
 * Runs the posted job's chunks until none is left, and returns how many it ran: this thread's part
 * and each worker's (the same source, so both run exactly this code). `job` is the job block,
 * `fns` the module's functions, `names` their order.
 */
const RUN_CHUNKS_SOURCE = `function runChunks(job, fns, names) {
  const fn = fns[names[job[${FUNCTION}]]];
  const chunks = job[${CHUNKS}], n = job[${N}], unit = job[${UNIT}], argc = job[${ARGC}];
  const units = Math.ceil(n / unit);
  const args = new Array(argc);
  let ran = 0;
  for (let c = Atomics.add(job, ${NEXT}, 1); c < chunks; c = Atomics.add(job, ${NEXT}, 1)) {
    const start = Math.floor((units * c) / chunks) * unit;
    const end = Math.min(n, Math.floor((units * (c + 1)) / chunks) * unit);
    ran++;
    if (end <= start) continue;
    for (let i = 0; i < argc; i++) {
      const at = ${ARGS} + 3 * i;
      args[i] = job[at] + job[at + 1] * start + job[at + 2] * (end - start);
    }
    fn(...args);
  }
  return ran;
}`;
const runChunks = new Function(`return ${RUN_CHUNKS_SOURCE}`)() as (
  job: Int32Array, fns: Record<string, (...a: number[]) => void>, names: readonly string[],
) => number;

/** What each worker runs (CommonJS, evaluated by the worker: the bundle has no file for it). */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, jobBuffer, stateBuffer, names } = workerData;
const fns = new WebAssembly.Instance(module, { env: { memory } }).exports;
const job = new Int32Array(jobBuffer);
const state = new Int32Array(stateBuffer);
const runChunks = ${RUN_CHUNKS_SOURCE};
for (;;) {
  const s = Atomics.load(state, 0);
  if (s !== ${POSTED} || Atomics.compareExchange(state, 0, ${POSTED}, ${RUNNING}) !== ${POSTED}) {
    Atomics.wait(state, 0, s);
    continue;
  }
  let outcome = ${DONE};
  try {
    runChunks(job, fns, names);
  } catch (err) {
    outcome = ${FAILED};
  }
  Atomics.store(state, 0, outcome);
  Atomics.notify(state, 0);
}
`;

/**
 * The fewest elements a kernel that streams memory (an elementwise op, im2col, a pool's gradient)
 * should have before it is split across threads: below it, waking a worker costs more than half
 * the work saves.
 */
export const MIN_SPLIT_ELEMENTS = 1 << 16;

/** One argument of a chunk's call: a constant, or base + perStart·start + perCount·size. */
export type ChunkArg = number | readonly [base: number, perStart: number, perCount: number];

/** A pointer into an array of `bytes`-sized elements that moves with the chunk's start (`stride` elements per unit). */
export const moving = (pointer: number, stride: number, bytes = 4): ChunkArg => [pointer, stride * bytes, 0];
/** The chunk's first unit, its size, and the unit after its last. */
export const START: ChunkArg = [0, 1, 0];
export const SIZE: ChunkArg = [0, 0, 1];
export const END: ChunkArg = [0, 1, 1];

export interface SimdJob {
  /** The kernel's C name. */
  name: string;
  /** The work: units [0, n). */
  n: number;
  /** Chunks hold whole multiples of this many units (default 1). */
  unit?: number;
  /** How many chunks (default: 4 per thread, at most one per unit; 1 when the pool has one thread). */
  chunks?: number;
  args: readonly ChunkArg[];
}

export class SimdPool {
  private readonly job: Int32Array;
  private readonly states: Int32Array[] = [];
  private readonly names: string[];
  /** Chunks run on workers so far (for the tests). */
  workerChunks = 0;

  /**
   * @param local the module's functions on this thread
   * @param threads how many threads a job may use, this one included (1: no workers)
   */
  constructor(
    private readonly local: Record<string, (...a: number[]) => void>,
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    readonly threads: number,
  ) {
    this.names = Object.keys(local);
    const jobBuffer = new SharedArrayBuffer(4 * (ARGS + 3 * MAX_ARGS));
    this.job = new Int32Array(jobBuffer);
    for (let i = 1; i < threads; i++) {
      const stateBuffer = new SharedArrayBuffer(4);
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, jobBuffer, stateBuffer, names: this.names } });
      // An idle worker must not keep the process alive.
      worker.unref();
      worker.on('error', () => undefined);
      this.states.push(new Int32Array(stateBuffer));
    }
  }

  /** Runs a job on this thread and any worker that joins in time; returns when every chunk is done. */
  run(job: SimdJob): void {
    const fn = this.names.indexOf(job.name);
    if (fn < 0) throw new Error(`bmnb SIMD: no kernel ${job.name}`);
    if (job.args.length > MAX_ARGS) throw new Error(`bmnb SIMD: ${job.name} takes at most ${MAX_ARGS} arguments`);
    const unit = Math.max(1, job.unit ?? 1);
    const units = Math.ceil(job.n / unit);
    if (units <= 0) return;
    const chunks = Math.max(1, Math.min(units, job.chunks ?? (this.threads > 1 ? 4 * this.threads : 1)));
    const b = this.job;
    b[NEXT] = 0;
    b[CHUNKS] = chunks;
    b[FUNCTION] = fn;
    b[N] = job.n;
    b[UNIT] = unit;
    b[ARGC] = job.args.length;
    job.args.forEach((a, i) => {
      const [base, perStart, perCount] = typeof a === 'number' ? [a, 0, 0] : a;
      b.set([base, perStart, perCount], ARGS + 3 * i);
    });
    const posted = chunks > 1 ? this.states : [];
    for (const s of posted) {
      Atomics.store(s, 0, POSTED);
      Atomics.notify(s, 0);
    }
    let failed = false;
    let own = 0;
    try {
      own = runChunks(b, this.local, this.names);
    } finally {
      // Take back each post not taken; wait for each worker that took it (it may still be
      // writing into tensors the caller is about to free), even when this thread's part failed.
      for (const s of posted) {
        if (Atomics.compareExchange(s, 0, POSTED, IDLE) === POSTED) continue;
        for (let v = Atomics.load(s, 0); v === RUNNING; v = Atomics.load(s, 0)) Atomics.wait(s, 0, v);
        failed ||= Atomics.load(s, 0) === FAILED;
        Atomics.store(s, 0, IDLE);
      }
    }
    this.workerChunks += chunks - own;
    if (failed) throw new Error(`bmnb SIMD: ${job.name} failed on a worker thread`);
  }
}
