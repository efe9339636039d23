/**
 * The session: one scope of top-level bindings shared by every cell, one tfjs instance, and the
 * execution of cells one at a time with their order numbers, durations, results and errors.
 */
import { Script } from 'node:vm';
import { join } from 'node:path';
import type { ExecuteParams, ExecuteResult, InspectResult, MemoryDelta, OutputItemPayload, TensorBinding, VariablesParams, VariablesResult } from '../protocol';
import type { Tfjs } from '../backends/tfjs';
import { transpileCell, HOOKS } from './transpile';
import { CellRegistry, formatError } from './stack';
import { ModuleLoader } from './modules';
import { makeDisplay, Outputs } from './display';
import { hookTraining, InterruptError } from './training';
import { hookSummary } from './summary';
import { makeBmnbModule, type Display } from '../cellLibrary';
import { Describer } from './describe';
import { Inspector } from './inspect';

export interface SessionOptions {
  tf: Tfjs;
  notebookDir: string;
  /** Files of the kernel itself, left out of stack traces. */
  kernelFiles: string[];
  /**
   * Sends one more output of the running cell (from `display(value)`), or, with a displayId
   * already sent, new items for that output (live training curves).
   */
  display(executionId: string, items: OutputItemPayload[], displayId?: string, update?: boolean, clear?: { wait: boolean }): void;
  /** Called with true when user code starts running and false when it stops. */
  executing(on: boolean): number | void;
  /** The execution a forced termination stopped since the last call (see InterruptWatcher.takeTermination). */
  takeTermination?(): number | undefined;
  /** Called with +1/-1 when a `fit` starts or ends. */
  training(delta: 1 | -1): void;
  /** Asks the host for a line of text (`await input(prompt)`). */
  input?(executionId: string, prompt: string, password: boolean): Promise<string>;
}

interface Execution {
  id: string;
  interrupted: boolean;
  /** Rejects when the execution is interrupted (and no training is winding down). */
  interruptSignal: Promise<never>;
  rejectInterrupt(err: Error): void;
  /** Histories whose curves this execution already showed live: not shown again as its value. */
  shownHistories: WeakSet<object>;
  /** Aborted on interrupt, for work that can stop early (the bmnb module's downloads). */
  abort: AbortController;
  /** The interrupt watcher's number for this execution (0 until its user code starts). */
  seq: number;
}

/** What cells can reach beyond their own bindings: `require`, `display`, `__dirname`. */
function makeBuiltins(loader: ModuleLoader, notebookDir: string, display: Display, input: (prompt?: unknown, options?: { password?: boolean }) => Promise<string>): object {
  const builtins = Object.create(null) as Record<string, unknown>;
  builtins.require = loader.require;
  builtins.display = display;
  builtins.input = input;
  builtins.__dirname = notebookDir;
  builtins.__filename = join(notebookDir, '__notebook__');
  return builtins;
}

export class Session {
  /** Top-level bindings of every cell; `with (scope)` makes them visible to later cells. */
  readonly scope: Record<string, unknown>;
  readonly tf: Tfjs;
  private readonly cells = new CellRegistry();
  private readonly loader: ModuleLoader;
  private order = 0;
  private current?: Execution;
  /** The last execution started: output made between cells (a timer) belongs to it. */
  private lastId?: string;
  private trainingDepth = 0;
  /** Executions wait for the one before them. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly outputs: Outputs;
  private liveOutputs = 0;
  private readonly describer: Describer;
  private readonly inspector: Inspector;

  constructor(private readonly options: SessionOptions) {
    this.tf = options.tf;
    this.outputs = new Outputs(options.tf);
    const helpers = makeBmnbModule({
      tf: options.tf,
      display: makeDisplay(
        (value) => this.display(value),
        (wait) => this.clearOutputs(wait),
      ),
      notebookDir: options.notebookDir,
      signal: () => this.current?.abort.signal,
      write: (text) => process.stdout.write(text),
    });
    this.loader = new ModuleLoader({ notebookDir: options.notebookDir, tf: options.tf, helpers });
    this.scope = Object.create(makeBuiltins(this.loader, options.notebookDir, helpers.display, (prompt, opts) => this.input(prompt, opts))) as Record<string, unknown>;
    this.describer = new Describer(options.tf);
    this.inspector = new Inspector(this.scope, this.describer);
    hookSummary(options.tf, (model) => {
      if (!this.current) return false;
      this.display(model);
      return true;
    });
    hookTraining(options.tf, {
      live: () => this.liveOutput(),
      interrupted: () => this.current?.interrupted ?? false,
      training: (delta) => {
        this.trainingDepth += delta;
        options.training(delta);
      },
      shown: (history) => this.current?.shownHistories.add(history as object),
    });
  }

  /** The execution whose output streams belong to, if a cell is running. */
  get currentExecutionId(): string | undefined {
    return this.current?.id;
  }

  /** `display(value)` in a cell: one more output now (from a timer after its cell ended: for the last cell run). */
  display(value: unknown): void {
    const id = this.current?.id ?? this.lastId;
    if (id) this.options.display(id, this.outputs.toOutput(value));
  }

  /** `await input(prompt)`: a line of text from whoever runs the notebook (the host asks). */
  async input(prompt: unknown = '', options: { password?: boolean } = {}): Promise<string> {
    const id = this.current?.id;
    if (!id) throw new Error('input() works while a cell runs: await it in the cell');
    if (!this.options.input) throw new Error('this kernel has no host to ask for input');
    try {
      return await this.options.input(id, String(prompt), Boolean(options?.password));
    } catch (err) {
      // The host's reason, without JSON-RPC's wrapping.
      throw new Error(String((err as Error).message).replace(/^Request session\/input failed with message: /, ''));
    }
  }

  /** `display.clear()`: the running cell's outputs so far are cleared (with `wait`, at its next output). */
  clearOutputs(wait: boolean): void {
    const id = this.current?.id ?? this.lastId;
    if (id) this.options.display(id, [], undefined, undefined, { wait });
  }

  /**
   * An output of the running cell that changes in place (training curves): `show` appends it the
   * first time and replaces its items after. Undefined when no cell is running.
   */
  liveOutput(): ((items: OutputItemPayload[]) => void) | undefined {
    const id = this.current?.id;
    if (!id) return undefined;
    const displayId = `${id}/live-${++this.liveOutputs}`;
    let sent = false;
    return (items) => {
      this.options.display(id, items, displayId, sent);
      sent = true;
    };
  }

  /** What a name or path (`model.layers`, `h.history.loss`) holds, without running user code (hover). */
  inspect(path: string, globals = false): InspectResult {
    return this.inspector.inspect(path, globals);
  }

  /** The session's top-level variables, sorted by name, one page of them. */
  variables(params?: VariablesParams): VariablesResult {
    return this.inspector.variables(params);
  }

  /** Runs a cell after the ones already queued. */
  execute(params: ExecuteParams): Promise<ExecuteResult> {
    const run = this.queue.then(() => this.run(params));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Asks the running cell to stop: a pending await rejects; a fit stops after its batch. */
  interrupt(): void {
    const exec = this.current;
    if (!exec || exec.interrupted) return;
    exec.interrupted = true;
    exec.abort.abort();
    // A fit in progress finishes its batch and throws by itself; anything else stops now.
    if (this.trainingDepth === 0) exec.rejectInterrupt(new InterruptError());
  }

  /**
   * Running JavaScript of execution `seq` was ended by force: tfjs may have been stopped
   * mid-operation. The notice can come late, once a later cell runs: that one is left alone (its
   * start already cleaned up, see run).
   */
  afterTermination(seq?: number): void {
    const exec = this.current;
    if (seq !== undefined && (!exec || exec.seq !== seq)) return;
    this.resetEngineState();
    this.options.takeTermination?.();
    exec?.abort.abort();
    exec?.rejectInterrupt(new InterruptError('The cell was interrupted (its code was stopped by force).'));
  }

  /** Scopes and tapes left open by terminated code would capture every later tensor. */
  private resetEngineState(): void {
    const state = (this.tf.engine() as unknown as { state: Record<string, unknown> }).state;
    // Scopes and tapes left open by the terminated code would capture every later tensor.
    state.scopeStack = [];
    state.activeScope = null;
    state.activeTape = null;
    state.gradientDepth = 0;
    state.kernelDepth = 0;
    this.trainingDepth = 0;
  }

  private async run(params: ExecuteParams): Promise<ExecuteResult> {
    const order = ++this.order;
    const started = performance.now();
    let rejectInterrupt!: (err: Error) => void;
    const interruptSignal = new Promise<never>((_, reject) => (rejectInterrupt = reject));
    interruptSignal.catch(() => undefined);
    const exec: Execution = { id: params.executionId, interrupted: false, interruptSignal, rejectInterrupt, shownHistories: new WeakSet(), abort: new AbortController(), seq: 0 };
    // A cell stopped by force before this one: clean up after it now, before any tfjs call.
    if (this.options.takeTermination?.() !== undefined) this.resetEngineState();
    this.current = exec;
    this.lastId = exec.id;
    const memoryBefore = this.tf.memory();
    let bindings: { name: string; line: number }[] = [];
    const done = (partial: Omit<ExecuteResult, 'executionId' | 'order' | 'durationMs'>): ExecuteResult => ({
      executionId: params.executionId,
      order,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
      ...partial,
      memory: this.memoryDelta(memoryBefore),
      tensors: this.tensorBindings(bindings),
    });
    try {
      let fn: (hooks: unknown) => Promise<unknown>;
      try {
        const cell = transpileCell(params.source, params.language, params.cellLabel);
        bindings = cell.bindings;
        for (const name of cell.declared) {
          if (!Object.prototype.hasOwnProperty.call(this.scope, name)) this.scope[name] = undefined;
        }
        const filename = this.cells.add(params.cellId, params.cellLabel, cell.map);
        fn = new Script(cell.code, { filename }).runInThisContext() as typeof fn;
      } catch (err) {
        return done({ status: 'error', error: this.errorPayload(err, params) });
      }
      const hooks = this.hooks;
      // User code starts in a microtask of a later turn of the event loop, by itself: never
      // inside a Node callback, and after this turn's promise jobs (ours) have all run. A forced
      // interrupt then unwinds only user code, and drops no promise job of the kernel's
      // (V8 drops the pending ones when it terminates a microtask; see interrupt.ts).
      const cellPromise = new Promise<unknown>((resolve, reject) => {
        setImmediate(() =>
          queueMicrotask(() => {
            try {
              fn(hooks).then(resolve, reject);
            } catch (err) {
              reject(err);
            }
          }),
        );
      });
      exec.seq = this.options.executing(true) ?? 0;
      try {
        const value = await Promise.race([cellPromise, interruptSignal]);
        if (exec.interrupted) throw new InterruptError();
        const shown = value === undefined || (typeof value === 'object' && value !== null && exec.shownHistories.has(value));
        return done({ status: 'ok', result: shown ? undefined : this.outputs.toOutput(value) });
      } catch (err) {
        if (exec.interrupted || err instanceof InterruptError) {
          const e = err instanceof InterruptError ? err : new InterruptError();
          return done({ status: 'interrupted', error: this.errorPayload(e, params) });
        }
        return done({ status: 'error', error: this.errorPayload(err, params) });
      } finally {
        this.options.executing(false);
      }
    } finally {
      if (this.current === exec) this.current = undefined;
    }
  }

  /** How tf.memory() changed since `before`. */
  private memoryDelta(before: { numTensors: number; numBytes: number }): MemoryDelta {
    const after = this.tf.memory();
    return {
      numTensors: after.numTensors - before.numTensors,
      numBytes: after.numBytes - before.numBytes,
      after: { numTensors: after.numTensors, numBytes: after.numBytes },
    };
  }

  /** The bindings a cell declared that hold a tensor now, with their lines (read by descriptor: no getter runs). */
  private tensorBindings(bindings: { name: string; line: number }[]): TensorBinding[] {
    const out: TensorBinding[] = [];
    const seen = new Set<string>();
    for (const { name, line } of bindings) {
      if (seen.has(name)) continue;
      seen.add(name);
      const d = Object.getOwnPropertyDescriptor(this.scope, name);
      if (!d || !('value' in d) || !this.describer.isTensor(d.value)) continue;
      const t = d.value;
      out.push({ name, line, dtype: t.dtype, shape: [...t.shape] });
    }
    return out;
  }

  /** The stack of an error thrown outside any cell's run (a timer, a forgotten promise). */
  describeError(err: unknown): string {
    return formatError(err, this.cells, { kernelFiles: this.options.kernelFiles }).stack;
  }

  private errorPayload(err: unknown, params: ExecuteParams) {
    return formatError(err, this.cells, { kernelFiles: this.options.kernelFiles }, { cellId: params.cellId, label: params.cellLabel });
  }

  /**
   * What the generated code of a cell calls (see transpile.ts). One object for the session:
   * functions a cell defined keep it, and later run for whichever cell is current.
   */
  private readonly hooks = this.makeHooks();

  private makeHooks() {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    return {
      get scope() {
        return self.scope;
      },
      import: (spec: string) => self.loader.import(spec),
      importDefault: (m: unknown) => {
        if (m && typeof m === 'object' && (m as { __esModule?: boolean }).__esModule && 'default' in m) return (m as { default: unknown }).default;
        if (m && typeof m === 'object' && Symbol.toStringTag in m && (m as Record<symbol, unknown>)[Symbol.toStringTag] === 'Module') {
          return (m as { default?: unknown }).default;
        }
        return m;
      },
      importNamed: (m: unknown, name: string) => (m as Record<string, unknown> | null | undefined)?.[name],
      /** `await x` in a cell: the wait ends early when the cell is interrupted. */
      wait: (x: unknown) => {
        const exec = self.current;
        if (!exec) return x;
        if (exec.interrupted && self.trainingDepth === 0) throw new InterruptError();
        if (x !== null && (typeof x === 'object' || typeof x === 'function') && typeof (x as { then?: unknown }).then === 'function') {
          return Promise.race([x as Promise<unknown>, exec.interruptSignal]);
        }
        return x;
      },
    };
  }
}

export { HOOKS };
