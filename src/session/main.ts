/**
 * The kernel process (dist/kernel.js), forked by a host (the VS Code extension or `bmnb run`).
 * JSON-RPC over the fork's IPC channel; stdout/stderr of the process stay for diagnostics, while
 * what cells print and display is captured and sent to the host on the output pipe
 * (outputChannel.ts).
 */
import { Console } from 'node:console';
import { writeSync } from 'node:fs';
import { Writable } from 'node:stream';
import { createMessageConnection, IPCMessageWriter, ResponseError } from 'vscode-jsonrpc/node';
import {
  BackendsRequest,
  ExecuteRequest,
  InputRequest,
  INTERRUPT_FD_ENV,
  InitializeRequest,
  OUTPUT_FD_ENV,
  InspectRequest,
  KernelErrorCodes,
  MemoryRequest,
  ProbeBackendRequest,
  FallbacksRequest,
  ShutdownRequest,
  VariablesRequest,
  type ExecuteParams,
  type ExecuteResult,
  type InitializeParams,
  type InspectParams,
  type OutputItemPayload,
  type ProbeBackendParams,
  type FallbacksParams,
  type FallbacksResult,
  type VariablesParams,
} from '../protocol';
import { BackendError, listBackends, loadBackend, probeBackend, type BackendSearch } from '../backends/load';
import { onDeviceLost } from '../backends/webgpu';
import { Session } from './session';
import { withFallbacks } from './outputs/fallbacks';
import { InterruptWatcher } from './interrupt';
import { AnswerOnReadReader } from './answerOnRead';
import { fdSender, OutputChannel } from './outputChannel';

if (!process.send) {
  process.stderr.write('dist/kernel.js is the bmnb kernel: it is started by the VS Code extension or `bmnb run`, not by hand.\n');
  process.exit(2);
}

/** Diagnostics go straight to the process's stderr (the host's kernel log). */
function log(message: string): void {
  try {
    writeSync(2, `[bmnb kernel ${process.pid}] ${message}\n`);
  } catch {
    // stderr closed: nothing to do
  }
}

// Hover requests are answered as soon as they are read, even between the batches of a running fit
// (see answerOnRead.ts); everything else goes through the connection in order.
const reader = new AnswerOnReadReader(process);
const writer = new IPCMessageWriter(process);
reader.setWriter(writer);
const connection = createMessageConnection(reader, writer);
let session: Session | undefined;
/** What outputs gain for frontends without bmnb's renderers (InitializeParams.fallbacks). */
let fallbacks: (items: OutputItemPayload[]) => OutputItemPayload[] = (items) => items;

// ---- what cells print -------------------------------------------------------------------------

// Outputs go on their own pipe when the host opened one (blocking writes: backpressure), else on
// the IPC channel.
const outputFd = process.env[OUTPUT_FD_ENV] ? Number(process.env[OUTPUT_FD_ENV]) : undefined;
const outputs = new OutputChannel(outputFd !== undefined ? fdSender(outputFd) : (method, params) => void connection.sendNotification(method, params));

const realWrite = {
  stdout: process.stdout.write.bind(process.stdout),
  stderr: process.stderr.write.bind(process.stderr),
};
/** The execution that printed last: output printed between cells (timers) is given to it. */
let lastExecutionId: string | undefined;

function emit(name: 'stdout' | 'stderr', chunk: unknown, encoding?: unknown): boolean {
  const executionId = session?.currentExecutionId ?? lastExecutionId;
  if (!executionId) return realWrite[name](chunk as string, encoding as BufferEncoding);
  const data = typeof chunk === 'string' || chunk instanceof Uint8Array ? chunk : String(chunk);
  outputs.stream(executionId, name, data, typeof encoding === 'string' ? (encoding as BufferEncoding) : undefined);
  return true;
}

/** `process.stdout.write` / `process.stderr.write` as cells see them. */
function streamWriter(name: 'stdout' | 'stderr') {
  return ((chunk: unknown, encoding?: unknown, cb?: unknown) => {
    const r = emit(name, chunk, typeof encoding === 'string' ? encoding : undefined);
    const done = typeof encoding === 'function' ? encoding : cb;
    if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
    return r;
  }) as typeof process.stdout.write;
}

function captureStreams(): void {
  process.stdout.write = streamWriter('stdout');
  process.stderr.write = streamWriter('stderr');
  const sink = (name: 'stdout' | 'stderr') =>
    new Writable({
      decodeStrings: false,
      write(chunk, encoding, callback) {
        emit(name, chunk, encoding);
        callback();
      },
    });
  globalThis.console = new Console({ stdout: sink('stdout'), stderr: sink('stderr') });
}

// ---- errors nobody awaited ------------------------------------------------------------------

/** An error's stack as a person should read it: cell positions mapped, kernel frames left out. */
function describe(err: unknown): string {
  if (session) return session.describeError(err);
  return err instanceof Error ? err.stack ?? err.message : String(err);
}

process.on('uncaughtException', (err) => {
  const text = `Uncaught ${describe(err)}\n`;
  if (session?.currentExecutionId ?? lastExecutionId) emit('stderr', text);
  else log(text);
});
process.on('unhandledRejection', (reason) => {
  const text = `Unhandled promise rejection: ${describe(reason)}\n`;
  if (session?.currentExecutionId ?? lastExecutionId) emit('stderr', text);
  else log(text);
});
// A cell that calls process.exit ends the kernel; say so, so the host can tell the user why.
const exitProcess = process.exit.bind(process);
process.exit = ((code?: number | string | null) => {
  log(`process.exit(${code ?? ''}) was called${session?.currentExecutionId ? ' by a cell' : ''}`);
  return exitProcess(code ?? undefined);
}) as typeof process.exit;

process.on('exit', (code) => {
  if (code !== 0) log(`exiting with code ${code}${session?.currentExecutionId ? ' while a cell was running' : ''}`);
});

// ---- requests -----------------------------------------------------------------------------

/** Where native backends are looked for: the notebook's folder, the workspace, then BMNB_TFJS_NODE_PATH. */
function searchFrom(params: { notebookDir: string; workspaceDir?: string }): BackendSearch {
  return { notebookDir: params.notebookDir, workspaceDir: params.workspaceDir, extraPath: process.env.BMNB_TFJS_NODE_PATH };
}

const interruptFd = process.env[INTERRUPT_FD_ENV] ? Number(process.env[INTERRUPT_FD_ENV]) : undefined;
const watcher = new InterruptWatcher(interruptFd, {
  interrupt: () => session?.interrupt(),
  terminated: (seq) => session?.afterTermination(seq),
});

connection.onRequest(InitializeRequest.type, async (params: InitializeParams) => {
  if (probed) throw new ResponseError(KernelErrorCodes.NotInitialized, 'this kernel probed a backend: start a new one for a session');
  if (session) throw new ResponseError(KernelErrorCodes.NotInitialized, 'the kernel is already initialized');
  const search = searchFrom(params);
  try {
    // Emscripten's glue (the wasm backend) installs process-wide handlers that turn any
    // unhandled rejection into a fatal error; a notebook kernel reports those instead.
    const before = { uncaught: process.listeners('uncaughtException'), rejection: process.listeners('unhandledRejection') };
    const loaded = await loadBackend(params.backend, search);
    for (const l of process.listeners('uncaughtException')) if (!before.uncaught.includes(l)) process.off('uncaughtException', l);
    for (const l of process.listeners('unhandledRejection')) if (!before.rejection.includes(l)) process.off('unhandledRejection', l);
    session = new Session({
      tf: loaded.tf,
      notebookDir: params.notebookDir,
      kernelFiles: [__filename],
      display: (executionId, items, displayId, update, clear) =>
        outputs.display({ executionId, items: fallbacks(items), ...(displayId ? { displayId, update: !!update } : {}), ...(clear ? { clear } : {}) }),
      executing: (on) => watcher.setExecuting(on),
      takeTermination: () => watcher.takeTermination(),
      training: (delta) => watcher.setTraining(delta),
      input: async (executionId, prompt, password) => (await connection.sendRequest(InputRequest.type, { executionId, prompt, password })).value,
    });
    if (params.fallbacks) fallbacks = withFallbacks;
    captureStreams();
    log(`backend ${loaded.name} (${loaded.detail})`);
    return {
      backend: loaded.name,
      skipped: loaded.skipped,
      detail: loaded.detail,
      ...(loaded.adapter ? { adapter: loaded.adapter } : {}),
      tfjsVersion: loaded.tf.version.tfjs ?? loaded.tf.version['tfjs-core'],
      nodeVersion: process.version,
      pid: process.pid,
    };
  } catch (err) {
    if (err instanceof BackendError) throw new ResponseError(KernelErrorCodes.BackendUnavailable, err.message, { statuses: err.statuses });
    throw err;
  }
});

// `bmnb doctor`: one backend loaded in this process, which has no session and ends after.
let probed = false;
connection.onRequest(ProbeBackendRequest.type, (params: ProbeBackendParams) => {
  if (session || probed) throw new ResponseError(KernelErrorCodes.NotInitialized, 'kernel/probeBackend is answered once, by a kernel with no session');
  probed = true;
  return probeBackend(params.backend, searchFrom(params));
});

// `bmnb convert` and the exports: fallbacks of saved outputs, by the code a Jupyter session uses.
connection.onRequest(FallbacksRequest.type, (params: FallbacksParams): FallbacksResult => ({
  added: params.outputs.map((items) => {
    const had = new Set(items.map((i) => i.mime));
    return withFallbacks(items).filter((i) => !had.has(i.mime));
  }),
}));

connection.onRequest(BackendsRequest.type, (params: InitializeParams) => listBackends(searchFrom(params)));

connection.onRequest(ExecuteRequest.type, async (params: ExecuteParams): Promise<ExecuteResult> => {
  if (!session) throw new ResponseError(KernelErrorCodes.NotInitialized, 'the kernel is not initialized: send kernel/initialize first');
  lastExecutionId = params.executionId;
  try {
    const result = await session.execute(params);
    return result.result ? { ...result, result: fallbacks(result.result) } : result;
  } finally {
    outputs.end(params.executionId);
  }
});

connection.onRequest(MemoryRequest.type, () => {
  if (!session) throw new ResponseError(KernelErrorCodes.NotInitialized, 'the kernel is not initialized');
  const m = session.tf.memory();
  return { numTensors: m.numTensors, numBytes: m.numBytes };
});

function initialized(): Session {
  if (!session) throw new ResponseError(KernelErrorCodes.NotInitialized, 'the kernel is not initialized: send kernel/initialize first');
  return session;
}

reader.handle(InspectRequest.method, (params: InspectParams) => initialized().inspect(String(params?.path ?? ''), Boolean(params?.globals)));
reader.handle(VariablesRequest.method, (params: VariablesParams | null) => initialized().variables(params ?? {}));

connection.onRequest(ShutdownRequest.type, () => {
  setImmediate(() => exitProcess(0));
});

// A lost GPU device (driver reset, GPU removed, a cell destroying it) takes every tensor on it: the
// kernel says so and ends; the host reports it and the next run starts a fresh kernel.
onDeviceLost((reason, message) => {
  const line = `the GPU device was lost (${reason}: ${message.trim()})`;
  log(line);
  if (session?.currentExecutionId) emit('stderr', `The kernel's ${line}. Its tensors are gone; the next run starts a fresh kernel.\n`);
  setImmediate(() => exitProcess(75));
});

// The host went away: so do we (no kernel outlives its editor or CLI).
process.on('disconnect', () => exitProcess(0));

connection.listen();
