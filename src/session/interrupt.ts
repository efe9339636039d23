/**
 * Interrupts that work even while a cell keeps the main thread busy (`while (true) {}`).
 *
 * The host writes a byte on an extra pipe. A watcher thread reads it and tells the main thread.
 * If the main thread is awaiting something, it handles the interrupt itself (the cell's pending
 * await rejects; a running `fit` stops after its current batch). If it has not answered within
 * {@link GRACE_MS} and user code is running (not inside a training step), the watcher ends the
 * running JavaScript through the inspector (`Runtime.terminateExecution`). Cells start from a
 * microtask of their own, so the termination unwinds only user code and the kernel goes on.
 */
import { Worker } from 'node:worker_threads';

export const GRACE_MS = 300;

/** Indexes into the shared flags. */
const EXECUTING = 0;
const TRAINING = 1;
const ACKS = 2;
/** Which execution is running (counts up), and which one a forced termination stopped (0: none since read). */
const EXEC_SEQ = 3;
const TERMINATED_SEQ = 4;

const WATCHER = `
const { parentPort, workerData } = require('node:worker_threads');
const net = require('node:net');
const inspector = require('node:inspector');
const flags = new Int32Array(workerData.flags);
const session = new inspector.Session();
session.connectToMainThread();
const pipe = new net.Socket({ fd: workerData.fd, readable: true, writable: false });
pipe.on('error', () => {});
pipe.on('data', (buf) => { if (buf.includes(${0x03})) onInterrupt(); });
function onInterrupt() {
  const acks = Atomics.load(flags, ${ACKS});
  parentPort.postMessage('interrupt');
  setTimeout(() => {
    if (Atomics.load(flags, ${ACKS}) !== acks) return;
    if (Atomics.load(flags, ${EXECUTING}) !== 1 || Atomics.load(flags, ${TRAINING}) > 0) return;
    const seq = Atomics.load(flags, ${EXEC_SEQ});
    Atomics.store(flags, ${TERMINATED_SEQ}, seq);
    session.post('Runtime.terminateExecution', () => parentPort.postMessage('terminated:' + seq));
  }, workerData.graceMs);
}
`;

export interface InterruptHandlers {
  /** Asked to interrupt (runs on the main thread once it is free). */
  interrupt(): void;
  /** Running JavaScript of execution `seq` (see setExecuting) was terminated by force. */
  terminated(seq: number): void;
}

/** The main thread's side: shared flags, and the watcher thread. */
export class InterruptWatcher {
  private readonly flags = new Int32Array(new SharedArrayBuffer(5 * 4));
  private worker?: Worker;

  constructor(fd: number | undefined, handlers: InterruptHandlers) {
    if (fd === undefined) return;
    this.worker = new Worker(WATCHER, { eval: true, workerData: { fd, flags: this.flags.buffer, graceMs: GRACE_MS } });
    this.worker.unref();
    this.worker.on('message', (m: string) => {
      if (m === 'interrupt') {
        Atomics.add(this.flags, ACKS, 1);
        handlers.interrupt();
      } else if (m.startsWith('terminated:')) {
        handlers.terminated(Number(m.slice('terminated:'.length)));
      }
    });
    this.worker.on('error', (err) => process.stderr.write(`bmnb kernel: interrupt watcher failed: ${err.message}\n`));
  }

  /** Marks user code running or not; returns the running execution's sequence number. */
  setExecuting(on: boolean): number {
    const seq = on ? Atomics.add(this.flags, EXEC_SEQ, 1) + 1 : Atomics.load(this.flags, EXEC_SEQ);
    Atomics.store(this.flags, EXECUTING, on ? 1 : 0);
    return seq;
  }

  /**
   * The execution a forced termination stopped since the last call, if any. Its 'terminated'
   * message may arrive after that execution ended and the next one started: the next one must
   * clean up after it first, and must not be interrupted by it.
   */
  takeTermination(): number | undefined {
    const seq = Atomics.exchange(this.flags, TERMINATED_SEQ, 0);
    return seq === 0 ? undefined : seq;
  }

  setTraining(delta: 1 | -1): void {
    Atomics.add(this.flags, TRAINING, delta);
  }
}
