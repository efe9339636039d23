/**
 * The host side of a kernel process, shared by `bmnb run` and the VS Code extension: forks
 * dist/kernel.js, speaks JSON-RPC with it, interrupts it, and tells what happened when it dies.
 * Imports Node and src/protocol only (no vscode, no tfjs).
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, StreamMessageReader, type Message, type MessageConnection, type NotificationMessage } from 'vscode-jsonrpc/node';
import {
  BackendsRequest,
  DisplayNotification,
  ExecuteRequest,
  INTERRUPT_BYTE,
  INTERRUPT_FD,
  INTERRUPT_FD_ENV,
  InitializeRequest,
  InputRequest,
  InspectRequest,
  KernelErrorCodes,
  MemoryRequest,
  OUTPUT_FD,
  OUTPUT_FD_ENV,
  OutputEndNotification,
  ProbeBackendRequest,
  FallbacksRequest,
  ShutdownRequest,
  StreamNotification,
  VariablesRequest,
  BACKEND_PACKAGES,
  type BackendName,
  type BackendReport,
  type BackendStatus,
  type DisplayParams,
  type ExecuteParams,
  type ExecuteResult,
  type InitializeResult,
  type InputParams,
  type InspectResult,
  type MemoryInfo,
  type OutputEndParams,
  type OutputItemPayload,
  type StreamParams,
  type VariablesParams,
  type VariablesResult,
} from '../protocol';

export interface KernelOptions {
  /** Path of dist/kernel.js. */
  kernelPath: string;
  notebookDir: string;
  workspaceDir?: string;
  backend: BackendName | 'auto';
  /** The Node to run the kernel on (default: this process's own runtime). */
  nodePath?: string;
  /** V8 heap limit of the kernel, in MB. */
  maxMemoryMB?: number;
  /** Rich outputs also carry text/html and image/png made from their payloads (InitializeParams.fallbacks). */
  fallbacks?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Every line the kernel process writes to its own stdout/stderr (the kernel log). */
  onLog?(text: string): void;
  /**
   * The most output (bytes) read from the kernel per second; a cell that prints more waits (its
   * writes block). Unset: as fast as the host reads. The editor sets it, so that a cell flooding
   * its output leaves the machine's cores to the editor.
   */
  maxOutputBytesPerSecond?: number;
}

/** Reads at most `bytesPerSecond` from `pipe`, in windows of 100 ms: past the window's share it pauses until the next. */
function limitRate(pipe: Readable, bytesPerSecond: number): void {
  const WINDOW_MS = 100;
  const perWindow = (bytesPerSecond * WINDOW_MS) / 1000;
  let windowStart = Date.now();
  let used = 0;
  pipe.on('data', (chunk: Buffer) => {
    const now = Date.now();
    if (now - windowStart >= WINDOW_MS) {
      windowStart = now;
      used = 0;
    }
    used += chunk.length;
    if (used < perWindow) return;
    pipe.pause();
    setTimeout(() => {
      windowStart = Date.now();
      used = 0;
      pipe.resume();
    }, Math.max(0, windowStart + WINDOW_MS - now));
  });
}

/**
 * Why a kernel process ended, as found where it ended (the host sees its exit code, its signal,
 * its last log lines, and whether the host itself stopped it):
 * - `stopped`: the host ended it (restart, close, shutdown, a forced stop after an interrupt);
 * - `out-of-memory`: V8 ran out of heap;
 * - `process-exit`: code in the kernel (a cell, or a package it loaded) called `process.exit`;
 * - `exit`: it exited with a code by itself (a crash);
 * - `signal`: a signal from outside ended it (SIGKILL from the system's out-of-memory killer, …);
 * - `gpu-lost`: its webgpu device was lost (a driver reset, the GPU removed), and it ended itself.
 */
export type KernelDeathReason = 'stopped' | 'out-of-memory' | 'process-exit' | 'exit' | 'signal' | 'gpu-lost';

/** The kernel process ended while it was running or about to run something. */
export class KernelDiedError extends Error {
  constructor(
    message: string,
    readonly reason: KernelDeathReason,
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
  ) {
    super(message);
    this.name = 'KernelDiedError';
  }
}

/** The kernel started but could not initialize (for example, the backend asked for cannot load). */
export class KernelStartError extends Error {
  constructor(
    message: string,
    /** `backend`: the backend asked for cannot load here (a user's choice to change); `crash`: the kernel failed. */
    readonly reason: 'backend' | 'crash',
  ) {
    super(message);
    this.name = 'KernelStartError';
  }
}


export interface ExecuteHandlers {
  onStream?(params: StreamParams): void;
  onDisplay?(params: DisplayParams): void;
  /** `await input(prompt)` in the cell: the text to give it (reject: the cell fails with that error). */
  onInput?(params: InputParams): Promise<string>;
}

/** Output of an execution that already ended (a timer, a promise nobody awaited). */
export type LateOutput = ({ kind: 'stream' } & StreamParams) | ({ kind: 'display' } & DisplayParams);

const LOG_LIMIT = 64 * 1024;

let executionCounter = 0;

/** A unique id for an execution request. */
export function newExecutionId(): string {
  return `${process.pid}-${Date.now().toString(36)}-${++executionCounter}`;
}

/** Why the process ended ({@link KernelDeathReason}), and in words a user can act on. */
export function explainExit(
  code: number | null,
  signal: NodeJS.Signals | null,
  log: string,
  maxMemoryMB?: number,
): { reason: Exclude<KernelDeathReason, 'stopped'>; why: string } {
  // V8's own words when the heap is full.
  if (/heap out of memory|Reached heap limit|Allocation failed/i.test(log)) {
    const limit = maxMemoryMB ? ` (its limit is ${maxMemoryMB} MB)` : '';
    return {
      reason: 'out-of-memory',
      why: `it ran out of memory${limit}. Dispose tensors you no longer need (tf.dispose, tf.tidy), use smaller batches, or raise the limit (bmnb.kernel.maxMemoryMB).`,
    };
  }
  // The line the kernel writes when its GPU device is lost (src/session/main.ts).
  const lost = /the GPU device was lost \((.*)\)$/m.exec(log);
  if (lost) {
    return {
      reason: 'gpu-lost',
      why: `its GPU device was lost (${lost[1]}): the driver reset, the GPU went away or a cell destroyed the device. Its tensors are gone.`,
    };
  }
  // The line the kernel writes when process.exit is called (src/session/main.ts).
  const exitCall = /process\.exit\((-?\d*)\) was called( by a cell)?/.exec(log);
  if (exitCall) {
    return { reason: 'process-exit', why: exitCall[2] ? `a cell called process.exit(${exitCall[1]}).` : `process.exit(${exitCall[1]}) was called outside any cell (by a package the kernel loaded?).` };
  }
  if (signal === 'SIGKILL') return { reason: 'signal', why: 'it was killed (SIGKILL): the system may have run out of memory, or the kernel was stopped by force.' };
  if (signal) return { reason: 'signal', why: `it was stopped by signal ${signal}.` };
  return { reason: 'exit', why: `it exited with code ${code}.` };
}

/** A forked kernel process: its JSON-RPC connection, its log, and promises of its end. */
interface ForkedKernel {
  child: ChildProcess;
  connection: MessageConnection;
  logBuffer: { text: string };
  /** Adds text to the kernel log (and passes it to `onLog`). */
  onData(chunk: Buffer): void;
  /** Resolves, once the process has ended, with why. */
  exited: Promise<KernelDiedError>;
  /** Rejects when the process could not be started at all. */
  spawnFailed: Promise<never>;
  /** Set by the host before it ends the process itself: then the process was `stopped`, whatever its exit looks like. */
  stoppedByHost?: string;
}

/** Forks dist/kernel.js; a session kernel (`pipes`) gets the interrupt pipe (fd 4) and the output pipe (fd 5). */
function forkKernel(options: KernelOptions, pipes: boolean): ForkedKernel {
  const execArgv = options.maxMemoryMB ? [`--max-old-space-size=${options.maxMemoryMB}`] : [];
  const child = fork(options.kernelPath, [], {
    execPath: options.nodePath,
    execArgv,
    cwd: options.notebookDir,
    env: { ...process.env, ...options.env, ...(pipes ? { [INTERRUPT_FD_ENV]: String(INTERRUPT_FD), [OUTPUT_FD_ENV]: String(OUTPUT_FD) } : {}) },
    // stdin ignored; stdout/stderr: the kernel log; the IPC channel; fd 4: interrupts; fd 5: outputs.
    stdio: pipes ? ['ignore', 'pipe', 'pipe', 'ipc', 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'json',
  });
  const logBuffer = { text: '' };
  const onData = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    logBuffer.text = (logBuffer.text + text).slice(-LOG_LIMIT);
    options.onLog?.(text);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  if (pipes) (child.stdio[INTERRUPT_FD] as Writable | null)?.on('error', () => undefined);

  const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  connection.onError(() => undefined);
  connection.listen();

  const forked: Partial<ForkedKernel> = {};
  const exited = new Promise<KernelDiedError>((resolve) => {
    child.once('exit', (code, signal) => {
      // Let the last lines of stderr arrive before explaining.
      setTimeout(() => {
        if (forked.stoppedByHost) {
          resolve(new KernelDiedError(forked.stoppedByHost, 'stopped', code, signal));
          return;
        }
        const { reason, why } = explainExit(code, signal, logBuffer.text, options.maxMemoryMB);
        resolve(new KernelDiedError(`The kernel died: ${why}`, reason, code, signal));
      }, 50);
    });
  });
  const spawnFailed = new Promise<never>((_, reject) => {
    child.once('error', (err) => {
      onData(Buffer.from(`failed to start the kernel: ${err.message}\n`));
      reject(new KernelStartError(`The kernel process could not be started with ${options.nodePath ?? process.execPath}: ${err.message}`, 'crash'));
    });
  });
  spawnFailed.catch(() => undefined);
  return Object.assign(forked, { child, connection, logBuffer, onData, exited, spawnFailed });
}

export interface ProbeOptions extends Pick<KernelOptions, 'kernelPath' | 'notebookDir' | 'workspaceDir' | 'nodePath' | 'env' | 'onLog'> {
  backend: BackendName;
  /** How long the probe may take (default 120 s). */
  timeoutMs?: number;
}

/**
 * Loads one backend in a kernel process of its own and reports on it (`bmnb doctor`): a native
 * backend never loads into the caller, and one that crashes takes only its own process down.
 * Never rejects: a probe that fails is a report that says why.
 */
export async function probeBackend(options: ProbeOptions): Promise<BackendReport> {
  const { backend } = options;
  try {
    return await oneRequest({ ...options, backend }, options.timeoutMs ?? 120_000, (connection) =>
      connection.sendRequest(ProbeBackendRequest.type, { backend, notebookDir: options.notebookDir, workspaceDir: options.workspaceDir }),
    );
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { name: backend, loads: false, package: BACKEND_PACKAGES[backend], facts: {}, error: `the probe process failed: ${why.split('\n')[0]}` };
  }
}

export type FallbackOptions = Pick<KernelOptions, 'kernelPath' | 'notebookDir' | 'nodePath' | 'env' | 'onLog'> & { timeoutMs?: number };

/**
 * The static fallbacks (`text/html`, `image/png`) of saved outputs, made in a kernel process with no
 * backend loaded, by the code that makes a Jupyter session's: for each output, the items added.
 * Rejects when the kernel cannot start or answer.
 */
export async function renderFallbacks(outputs: OutputItemPayload[][], options: FallbackOptions): Promise<OutputItemPayload[][]> {
  if (!outputs.length) return [];
  const result = await oneRequest({ ...options, backend: 'cpu' }, options.timeoutMs ?? 120_000, (connection) =>
    connection.sendRequest(FallbacksRequest.type, { outputs }),
  );
  return result.added;
}

/** One request to a kernel process of its own, which is then shut down (killed after 2 s). */
async function oneRequest<T>(options: KernelOptions, timeoutMs: number, send: (connection: MessageConnection) => Promise<T>): Promise<T> {
  const { child, connection, logBuffer, exited, spawnFailed } = forkKernel(options, false);
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      send(connection),
      exited.then((err): never => {
        const last = logBuffer.text.trim().split('\n').pop();
        throw new Error(`${err.message}${last ? ` (${last})` : ''}`);
      }),
      spawnFailed,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    // A loaded backend may keep threads or handles alive: ask the process to end, then end it.
    const gone = new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
    connection.sendRequest(ShutdownRequest.type).catch(() => undefined);
    const kill = setTimeout(() => child.kill('SIGKILL'), 2000);
    await gone;
    clearTimeout(kill);
    connection.dispose();
  }
}

/** An execution until both its answer (IPC) and the end of its outputs (output pipe) have come. */
interface PendingExecution {
  handlers: ExecuteHandlers;
  resolve(result: ExecuteResult): void;
  reject(err: Error): void;
  result?: ExecuteResult;
  outputEnded?: boolean;
}

export class KernelClient {
  readonly info: InitializeResult;
  private exited = false;
  private exitError?: KernelDiedError;
  private readonly pending = new Map<string, PendingExecution>();
  private readonly exitListeners: ((err: KernelDiedError) => void)[] = [];
  private readonly lateListeners: ((output: LateOutput) => void)[] = [];

  private readonly child: ChildProcess;
  private readonly connection: MessageConnection;
  private readonly logBuffer: { text: string };

  private constructor(
    private readonly options: KernelOptions,
    private readonly forked: ForkedKernel,
    info: InitializeResult,
  ) {
    this.info = info;
    this.child = forked.child;
    this.connection = forked.connection;
    this.logBuffer = forked.logBuffer;
  }

  /** Forks the kernel and initializes its session. Rejects with {@link KernelStartError} when it cannot. */
  static async start(options: KernelOptions): Promise<KernelClient> {
    const forked = forkKernel(options, true);
    const { child, connection, logBuffer, exited, spawnFailed } = forked;
    let info: InitializeResult;
    try {
      info = await Promise.race([
        connection.sendRequest(InitializeRequest.type, {
          backend: options.backend,
          notebookDir: options.notebookDir,
          workspaceDir: options.workspaceDir,
          ...(options.fallbacks ? { fallbacks: true } : {}),
        }),
        exited.then((err) => {
          throw new KernelStartError(`${err.message}\n${logBuffer.text.trim()}`, 'crash');
        }),
        spawnFailed,
      ]);
    } catch (err) {
      child.kill('SIGKILL');
      connection.dispose();
      if (err instanceof KernelStartError) throw err;
      const code = (err as { code?: unknown }).code;
      throw new KernelStartError((err as Error).message, code === KernelErrorCodes.BackendUnavailable ? 'backend' : 'crash');
    }

    const client = new KernelClient(options, forked, info);
    void exited.then((err) => client.onExited(err));
    // Outputs come on the output pipe (or, from a kernel without one, on the IPC channel).
    const output = (message: Message) => client.onOutput(message as NotificationMessage);
    const outputPipe = (child.stdio as unknown as (Readable | null | undefined)[])[OUTPUT_FD];
    if (outputPipe) {
      if (options.maxOutputBytesPerSecond) limitRate(outputPipe, options.maxOutputBytesPerSecond);
      const reader = new StreamMessageReader(outputPipe);
      reader.onError(() => undefined);
      reader.listen(output);
    }
    // `await input(prompt)`: the running execution's handler answers (no handler: the cell fails, saying so).
    connection.onRequest(InputRequest.type, async (params: InputParams) => {
      const onInput = client.pending.get(params.executionId)?.handlers.onInput;
      if (!onInput) throw new Error('input() cannot ask here: this frontend takes no input');
      return { value: await onInput(params) };
    });
    for (const type of [StreamNotification.type, DisplayNotification.type, OutputEndNotification.type]) {
      connection.onNotification(type.method, (params: unknown) => output({ jsonrpc: '2.0', method: type.method, params } as NotificationMessage));
    }
    return client;
  }

  /** One output message of the kernel, given to the execution it belongs to. */
  private onOutput(message: NotificationMessage): void {
    const params = message.params as StreamParams & DisplayParams & OutputEndParams;
    const execution = this.pending.get(params.executionId);
    if (message.method === OutputEndNotification.method) {
      if (!execution) return;
      execution.outputEnded = true;
      if (execution.result) this.settle(params.executionId, execution);
      return;
    }
    const stream = message.method === StreamNotification.method;
    if (execution && !execution.outputEnded) {
      if (stream) execution.handlers.onStream?.(params);
      else execution.handlers.onDisplay?.(params);
      return;
    }
    // After its cell ended (a timer, a promise nobody awaited): to whoever listens, else the kernel log.
    const late: LateOutput = stream ? { kind: 'stream', ...params } : { kind: 'display', ...params };
    if (this.lateListeners.length) for (const listener of this.lateListeners) listener(late);
    else if (stream) this.forked.onData(Buffer.from(params.text));
  }

  private settle(executionId: string, execution: PendingExecution): void {
    this.pending.delete(executionId);
    execution.resolve(execution.result!);
  }

  /**
   * Output of executions that already ended: printed by a timer or a promise nobody awaited. Without
   * a listener, late printed text goes to the kernel log.
   */
  onLateOutput(listener: (output: LateOutput) => void): void {
    this.lateListeners.push(listener);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return !this.exited;
  }

  /** The last 64 KB the kernel process wrote to its stdout/stderr. */
  get log(): string {
    return this.logBuffer.text;
  }

  /** Runs a cell. Rejects with {@link KernelDiedError} if the kernel dies first. */
  async execute(params: Omit<ExecuteParams, 'executionId'> & { executionId?: string }, handlers: ExecuteHandlers = {}): Promise<ExecuteResult> {
    if (this.exitError) throw this.exitError;
    const executionId = params.executionId ?? newExecutionId();
    return new Promise<ExecuteResult>((resolve, reject) => {
      const execution: PendingExecution = { handlers, resolve, reject };
      this.pending.set(executionId, execution);
      this.connection.sendRequest(ExecuteRequest.type, { ...params, executionId }).then(
        (result) => {
          // Resolved once every output has come too (the answer may overtake them).
          execution.result = result;
          if (execution.outputEnded) this.settle(executionId, execution);
        },
        (err: Error) => {
          // A dead kernel is reported by onExited with the reason; other errors here are protocol errors.
          if (!this.exited) {
            this.pending.delete(executionId);
            reject(err);
          }
        },
      );
    });
  }

  /** Every backend and whether it can load for this notebook. */
  backends(): Promise<BackendStatus[]> {
    return this.connection.sendRequest(BackendsRequest.type, {
      backend: this.options.backend,
      notebookDir: this.options.notebookDir,
      workspaceDir: this.options.workspaceDir,
    });
  }

  /** tf.memory() of the session. */
  memory(): Promise<MemoryInfo> {
    return this.connection.sendRequest(MemoryRequest.type);
  }

  /**
   * What a name or dotted path (`xTrain`, `model.layers`, `history.history.loss`, `arr[0]`) holds
   * in the session, for a hover: no user code runs in the kernel. Answered between the batches of
   * a running `fit` and during any `await`; a kernel busy in synchronous code cannot answer, and
   * after `timeoutMs` this resolves undefined (never rejects for that). Rejects with
   * {@link KernelDiedError} when the kernel is dead or dies first.
   *
   * @example
   * const r = await client.inspect('xTrain');
   * r?.info?.preview // 'Tensor float32 [60000, 28, 28, 1] · 179.44 MB · wasm'
   */
  inspect(path: string, timeoutMs = 300, options: { globals?: boolean } = {}): Promise<InspectResult | undefined> {
    return this.request((c) => c.sendRequest(InspectRequest.type, { path, ...(options.globals ? { globals: true } : {}) }), timeoutMs);
  }

  /** The session's top-level variables, sorted by name; `start`/`count` page them (500 by default). */
  variables(params: VariablesParams = {}): Promise<VariablesResult> {
    return this.request((c) => c.sendRequest(VariablesRequest.type, params)) as Promise<VariablesResult>;
  }

  /**
   * A request that rejects with the kernel's death (why it died) rather than a bare "connection
   * disposed", and, given a timeout, resolves undefined when no answer came in time.
   */
  private request<R>(send: (connection: MessageConnection) => Promise<R>, timeoutMs?: number): Promise<R | undefined> {
    if (this.exitError) return Promise.reject(this.exitError);
    return new Promise<R | undefined>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onDeath = (err: KernelDiedError) => settle(() => reject(err));
      let settled = false;
      const settle = (f: () => void) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        // (not while the exit listeners are being called: that would skip one)
        const i = this.exited ? -1 : this.exitListeners.indexOf(onDeath);
        if (i >= 0) this.exitListeners.splice(i, 1);
        f();
      };
      this.exitListeners.push(onDeath);
      if (timeoutMs !== undefined) timer = setTimeout(() => settle(() => resolve(undefined)), timeoutMs);
      send(this.connection).then(
        (result) => settle(() => resolve(result)),
        (err: Error) => {
          // A dead kernel is reported by onDeath, with why it died.
          if (!this.exited) settle(() => reject(err));
        },
      );
    });
  }

  /** Asks the running cell to stop (works even while the kernel's main thread is busy). */
  interrupt(): void {
    const pipe = this.child.stdio[INTERRUPT_FD] as Writable | null;
    if (!this.exited && pipe?.writable) pipe.write(Buffer.from([INTERRUPT_BYTE]));
  }

  /** Called once when the kernel process ends, with why. */
  onExit(listener: (err: KernelDiedError) => void): void {
    if (this.exitError) listener(this.exitError);
    else this.exitListeners.push(listener);
  }

  /** Ends the kernel: politely, then by force after `graceMs`. A cell it was running ends with a `stopped` {@link KernelDiedError}. */
  async shutdown(graceMs = 2000): Promise<void> {
    if (this.exited) return;
    this.forked.stoppedByHost ??= 'The kernel was shut down (restarted or closed) while the cell ran.';
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.connection.sendRequest(ShutdownRequest.type).catch(() => undefined);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(timer);
  }

  /**
   * Ends the kernel now (SIGKILL). A cell it was running ends with a `stopped`
   * {@link KernelDiedError}; `why` says what stopped it, e.g. "a second Ctrl-C".
   */
  kill(why = 'it was stopped by force'): void {
    if (this.exited) return;
    this.forked.stoppedByHost ??= `The kernel was stopped while the cell ran: ${why}.`;
    this.child.kill('SIGKILL');
  }

  private onExited(err: KernelDiedError): void {
    this.exited = true;
    this.exitError = err;
    for (const { reject } of this.pending.values()) reject(err);
    this.pending.clear();
    this.connection.dispose();
    for (const listener of this.exitListeners) listener(err);
  }
}
