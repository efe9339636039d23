/**
 * Every message between a kernel host (the VS Code extension or the CLI) and the kernel process,
 * declared once. Carried by vscode-jsonrpc over the fork's IPC channel; payloads are plain JSON.
 * One namespace per message, as vscode-languageserver-node declares its protocol.
 */
import { NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';
import type { BackendName, GpuAdapter, OutputItemPayload } from './payloads';

/** Why a backend could not be used, or that it can. */
export interface BackendStatus {
  name: BackendName;
  available: boolean;
  /** One line: why it is unavailable, or what it is (e.g. "SIMD, 2 threads"). */
  detail: string;
  /** What a user can do to make it available. */
  install?: string;
}

export interface InitializeParams {
  /** `auto` or a backend name. */
  backend: BackendName | 'auto';
  /** Folder of the notebook: relative imports and module lookup start here. */
  notebookDir: string;
  /** Workspace folder, searched for native tfjs after the notebook's folder. */
  workspaceDir?: string;
  /**
   * Add to every rich output the `text/html` and `image/png` made from its payload, for frontends
   * without bmnb's renderers (the Jupyter kernel asks; the editor draws payloads itself).
   */
  fallbacks?: boolean;
}

export interface InitializeResult {
  backend: BackendName;
  /** The backends tried before the chosen one, with why each was skipped. */
  skipped: BackendStatus[];
  detail: string;
  /** webgpu: the GPU it runs on. */
  adapter?: GpuAdapter;
  tfjsVersion: string;
  nodeVersion: string;
  pid: number;
}

/** Starts the session: loads tfjs and picks a backend. Must come first. */
export namespace InitializeRequest {
  export const method = 'kernel/initialize' as const;
  export const type = new RequestType<InitializeParams, InitializeResult, void>(method);
}

export interface ProbeBackendParams {
  backend: BackendName;
  /** Where a notebook would be: native backends are looked for from here. */
  notebookDir: string;
  workspaceDir?: string;
}

/** What loading one backend in a fresh kernel process found (`bmnb doctor`). */
export interface BackendReport {
  name: BackendName;
  /** Whether it loaded and started. */
  loads: boolean;
  /** The package that provides it, and its version (from its package.json). */
  package?: string;
  version?: string;
  /** tfjs-core's version as the backend sees it. */
  tfjsCore?: string;
  /** Where the package was found. */
  path?: string;
  /** Extra facts: `detail` (as the kernel reports the backend), wasm `simd`/`threads`, tensorflow(-gpu) `gpuInUse`. */
  facts: Record<string, string | boolean | number>;
  /** Why it does not load. */
  error?: string;
  /** How to install it. */
  install?: string;
}

/**
 * Loads one backend in a kernel process that has no session, and reports on it. Answered only
 * before kernel/initialize; the process is meant to be shut down after (a loaded native backend
 * cannot be unloaded).
 */
export namespace ProbeBackendRequest {
  export const method = 'kernel/probeBackend' as const;
  export const type = new RequestType<ProbeBackendParams, BackendReport, void>(method);
}

/** Outputs whose static fallbacks a host wants: each output is its items, richest first. */
export interface FallbacksParams {
  outputs: OutputItemPayload[][];
}

/** For each output of `FallbacksParams.outputs`, the items added (MIME types it did not have). */
export interface FallbacksResult {
  added: OutputItemPayload[][];
}

/**
 * The static fallbacks of saved outputs (`text/html` tables, `image/png` images made from bmnb
 * payloads), made by the same code as a Jupyter session's (src/session/outputs/fallbacks.ts), for
 * `bmnb convert` and the exports. Needs no backend: answered before or without kernel/initialize.
 */
export namespace FallbacksRequest {
  export const method = 'kernel/fallbacks' as const;
  export const type = new RequestType<FallbacksParams, FallbacksResult, void>(method);
}

/** Lists every backend and whether it can load here (does not change the session's backend). */
export namespace BackendsRequest {
  export const method = 'kernel/backends' as const;
  export const type = new RequestType<InitializeParams, BackendStatus[], void>(method);
}

export type CellLanguageId = 'typescript' | 'javascript';

export interface ExecuteParams {
  /** Chosen by the host; every stream and display notification of this run carries it. */
  executionId: string;
  /** The cell's id in the notebook (stable across edits). */
  cellId: string;
  /** How errors and stack frames name the cell, e.g. "cell 3". */
  cellLabel: string;
  language: CellLanguageId;
  source: string;
}

/** One frame of an error's stack, mapped back to the cell's own source where it is a cell. */
export interface StackFrame {
  functionName?: string;
  /** Cell label ("cell 3") for cell code, else a file path. */
  file: string;
  cellId?: string;
  line: number;
  column: number;
}

export interface ErrorPayload {
  name: string;
  message: string;
  /** `name: message` followed by frames, internal frames removed, cell positions mapped. */
  stack: string;
  frames: StackFrame[];
  /** Where in a cell it happened (the innermost cell frame), when known. */
  location?: { cellId: string; cellLabel: string; line: number; column: number };
}

export type ExecuteStatus = 'ok' | 'error' | 'interrupted';

export interface ExecuteResult {
  executionId: string;
  status: ExecuteStatus;
  /** 1, 2, 3… per session. */
  order: number;
  durationMs: number;
  /** The value of the cell's last expression, when it is not undefined. */
  result?: OutputItemPayload[];
  error?: ErrorPayload;
  /** How tf.memory() changed over the cell (after minus before). */
  memory?: MemoryDelta;
  /** The top-level tensor bindings the cell declared, with where (for shapes at a glance). */
  tensors?: TensorBinding[];
}

export interface MemoryDelta {
  numTensors: number;
  numBytes: number;
  /** tf.memory() after the cell. */
  after: MemoryInfo;
}

export interface TensorBinding {
  name: string;
  /** 0-based line of the declaration in the cell's source. */
  line: number;
  dtype: string;
  shape: number[];
}

/** Runs one cell in the session. Only one runs at a time; later requests wait their turn. */
export namespace ExecuteRequest {
  export const method = 'session/execute' as const;
  export const type = new RequestType<ExecuteParams, ExecuteResult, void>(method);
}

export interface StreamParams {
  executionId: string;
  name: 'stdout' | 'stderr';
  text: string;
}

/**
 * Text a cell printed (console.*, process.stdout/stderr). Sent on the output channel
 * ({@link OUTPUT_FD}); what a cell prints in a burst is coalesced into chunks of up to
 * {@link STREAM_CHUNK_CHARS} characters, flushed within {@link STREAM_FLUSH_MS} ms.
 */
export namespace StreamNotification {
  export const method = 'session/stream' as const;
  export const type = new NotificationType<StreamParams>(method);
}

export interface InputParams {
  executionId: string;
  /** What to ask. */
  prompt: string;
  /** Typed text is hidden (a password). */
  password: boolean;
}

/**
 * `await input(prompt)` in a cell: the kernel asks its host for a line of text (the editor shows an
 * input box, Jupyter sends input_request, `bmnb run` reads its stdin). Kernel → host; the host
 * answers with the text, or an error when it cannot ask (the cell then fails with it).
 */
export namespace InputRequest {
  export const method = 'session/input' as const;
  export const type = new RequestType<InputParams, { value: string }, void>(method);
}

export interface DisplayParams {
  executionId: string;
  /** One output: the same value in several MIME types, richest first, text/plain last. */
  items: OutputItemPayload[];
  /**
   * Names an output that changes while the cell runs (live training curves). The first
   * notification with an id appends the output; later ones with `update: true` replace its items.
   */
  displayId?: string;
  update?: boolean;
  /**
   * `display.clear()` (Jupyter's clear_output): not an output but the cell's outputs so far
   * cleared (`items` is empty); with `wait`, when the next output comes.
   */
  clear?: { wait: boolean };
}

/** A `display(value)` call in a cell (or a live output): one more output for the running cell, or new items for one it already has. Sent on the output channel. */
export namespace DisplayNotification {
  export const method = 'session/display' as const;
  export const type = new NotificationType<DisplayParams>(method);
}

export interface OutputEndParams {
  executionId: string;
}

/**
 * Sent on the output channel after the last output of an execution and before its
 * `session/execute` answer: the host has every output of the cell once it has read this (the
 * answer travels on the IPC channel, which may overtake the output channel). Output printed later
 * (a timer) still comes, tagged with the execution that printed last.
 */
export namespace OutputEndNotification {
  export const method = 'session/outputEnd' as const;
  export const type = new NotificationType<OutputEndParams>(method);
}

export interface MemoryInfo {
  numTensors: number;
  numBytes: number;
}

/** tf.memory() of the session. */
export namespace MemoryRequest {
  export const method = 'session/memory' as const;
  export const type = new RequestType0<MemoryInfo, void>(method);
}

/** An identifier or dotted path (`xTrain`, `model.layers`, `history.history.loss`, `a[0]`) to look up in the session. */
export interface InspectParams {
  path: string;
  /** Also look the root name up among JavaScript's globals (Math, JSON, process…) when the session has no such variable (Jupyter's inspect does; the editor's hover does not). */
  globals?: boolean;
}

export type ValueKind = 'tensor' | 'model' | 'array' | 'function' | 'class' | 'object' | 'string' | 'number' | 'boolean' | 'bigint' | 'symbol' | 'undefined' | 'null' | 'getter';

/** What a name holds, from the kernel's own bookkeeping and plain data properties only: no user code runs. */
export interface ValueInfo {
  /** The path asked for, or the variable's name. */
  name: string;
  kind: ValueKind;
  /** `Tensor`, `Sequential`, `number[]`, `Map`, `string`… */
  type: string;
  /** One line, e.g. `Tensor float32 [60000, 28, 28, 1] · 179.44 MB · wasm`. */
  preview: string;
  /** Bytes it holds, when known (tensor data, model weights, typed arrays, strings). */
  bytes?: number;
  tensor?: {
    dtype: string;
    shape: number[];
    size: number;
    backend: string;
    /** Left out when the tensor is too large to summarise in time, or disposed. */
    stats?: { min: number | null; max: number | null; mean: number | null; nan: number; inf: number };
    disposed?: boolean;
  };
  model?: {
    className: string;
    inputShapes: (number | null)[][];
    outputShapes: (number | null)[][];
    layers: number;
    params: number;
    trainable: number;
  };
  array?: {
    length: number;
    /** `number`, `string`, `Tensor`, `mixed`… */
    elementType: string;
    /** For nested numeric arrays of regular shape. */
    shape?: number[];
  };
}

export interface InspectResult {
  /** Absent when the path names nothing in the session (or goes through a getter it will not invoke). */
  info?: ValueInfo;
}

/** Looks a name up in the running session, without running user code (hover). Answered between batches while a fit runs. */
export namespace InspectRequest {
  export const method = 'session/inspect' as const;
  export const type = new RequestType<InspectParams, InspectResult, void>(method);
}

export interface VariablesParams {
  /** Paging: the first entry (0-based) and how many (default 500). */
  start?: number;
  count?: number;
}

export interface VariablesResult {
  /** How many top-level variables the session has. */
  total: number;
  /** Sorted by name. */
  variables: ValueInfo[];
}

/** The session's top-level variables (the variables view). */
export namespace VariablesRequest {
  export const method = 'session/variables' as const;
  export const type = new RequestType<VariablesParams, VariablesResult, void>(method);
}

/** Asks the kernel to end cleanly. */
export namespace ShutdownRequest {
  export const method = 'kernel/shutdown' as const;
  export const type = new RequestType0<void, void>(method);
}

/**
 * Interrupts do not travel over JSON-RPC: the kernel's main thread may be busy in user code and
 * unable to read messages. The host writes {@link INTERRUPT_BYTE} on an extra pipe, the kernel
 * process's file descriptor {@link INTERRUPT_FD}, read by a watcher thread in the kernel.
 */
export const INTERRUPT_FD = 4;
export const INTERRUPT_BYTE = 0x03;
/** Set in the kernel's environment to the interrupt descriptor when the host opened one. */
export const INTERRUPT_FD_ENV = 'BMNB_INTERRUPT_FD';

/**
 * Outputs (`session/stream`, `session/display`, `session/outputEnd`) travel on a pipe of their
 * own, the kernel process's file descriptor {@link OUTPUT_FD}, as JSON-RPC notifications in
 * vscode-jsonrpc's stream framing (`Content-Length` headers). The kernel writes them with blocking
 * writes: a cell that prints faster than its host reads waits for the host (backpressure), and
 * nothing piles up in either process. A kernel started without it sends them on the IPC channel.
 */
export const OUTPUT_FD = 5;
/** Set in the kernel's environment to the output descriptor when the host opened one. */
export const OUTPUT_FD_ENV = 'BMNB_OUTPUT_FD';
/** The most characters of printed text in one `session/stream` notification. */
export const STREAM_CHUNK_CHARS = 64 * 1024;
/** The longest printed text waits in the kernel before it is sent. */
export const STREAM_FLUSH_MS = 20;

/** JSON-RPC error codes the kernel answers with. */
export const KernelErrorCodes = {
  /** A request came before kernel/initialize, or initialize came twice. */
  NotInitialized: 1,
  /** The backend asked for cannot load here; `data.statuses` lists every backend. */
  BackendUnavailable: 2,
} as const;
