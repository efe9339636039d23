/**
 * Running one cell of `bmnb run`: the execute request, its outputs collected in the .bmnb shape
 * as they arrive, within the cell's output limits (and passed, all of them, to the terminal report), `--timeout` (an interrupt, then a forced
 * stop if the cell does not end), and what came of it.
 */
import { KernelDiedError, newExecutionId, type KernelClient } from '../host/kernelClient';
import { CellOutputs, type OutputLimits } from '../host/outputs';
import { askStdin } from './stdinInput';
import type { CellLanguageId, ErrorPayload, ExecuteResult, OutputItemPayload } from '../protocol';

/** Who sees a cell's outputs as they arrive (the terminal report). */
export interface CellWatcher {
  stream(name: 'stdout' | 'stderr', text: string): void;
  display(items: OutputItemPayload[], displayId?: string): void;
}

export interface CellToRun {
  id: string;
  /** How errors name the cell, e.g. "cell 3". */
  label: string;
  language: CellLanguageId;
  source: string;
}

export interface CellOutcome {
  /** The execute request's id (output printed after the cell ended comes tagged with it). */
  executionId: string;
  /** The kernel's answer; absent when the kernel died first. */
  result?: ExecuteResult;
  /** Why the cell did not succeed (its error, a timeout, the kernel's death); absent when it did. */
  error?: ErrorPayload;
  /** Set when the kernel ended while the cell ran. */
  died?: KernelDiedError;
  durationMs: number;
  /** Everything the cell output, in order, the error last (within the cell's output limits). */
  outputs: CellOutputs;
}

export interface CellTimeouts {
  /** Per cell, in seconds. */
  timeoutSeconds?: number;
  /** How long an interrupt may take before the kernel is stopped by force, in seconds. */
  interruptTimeoutSeconds: number;
}

export async function runCell(
  client: KernelClient,
  cell: CellToRun,
  timeouts: CellTimeouts,
  report: CellWatcher,
  limits?: Partial<OutputLimits>,
): Promise<CellOutcome> {
  const collector = new CellOutputs(limits);
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  if (timeouts.timeoutSeconds) {
    timer = setTimeout(() => {
      timedOut = true;
      client.interrupt();
      killTimer = setTimeout(
        () => client.kill(`it did not stop within ${timeouts.interruptTimeoutSeconds} s of the interrupt for --timeout`),
        timeouts.interruptTimeoutSeconds * 1000,
      );
    }, timeouts.timeoutSeconds * 1000);
  }
  const started = Date.now();
  const executionId = newExecutionId();
  let result: ExecuteResult | undefined;
  let died: KernelDiedError | undefined;
  try {
    result = await client.execute(
      { executionId, cellId: cell.id, cellLabel: cell.label, language: cell.language, source: cell.source },
      {
        onStream: ({ name, text }) => {
          report.stream(name, text);
          collector.stream(name, text);
        },
        onDisplay: ({ items, displayId, update, clear }) => {
          // A clear cannot take back what the terminal shows; the written notebook loses it.
          if (clear) return collector.clear(clear.wait);
          collector.display(items, displayId, update);
          report.display(items, displayId);
        },
        onInput: ({ prompt, password }) => askStdin(prompt, password),
      },
    );
  } catch (err) {
    if (!(err instanceof KernelDiedError)) throw err;
    died = err;
  } finally {
    clearTimeout(timer);
    clearTimeout(killTimer);
  }
  if (result?.result) collector.display(result.result);
  const outcome: CellOutcome = { executionId, result, died, durationMs: result?.durationMs ?? Date.now() - started, outputs: collector };
  if (result?.status !== 'ok') {
    const error: ErrorPayload = result?.error ?? {
      name: 'KernelDiedError',
      message: died ? died.message : 'the kernel stopped',
      stack: `KernelDiedError: ${died?.message ?? 'the kernel stopped'}`,
      frames: [],
    };
    if (timedOut) {
      error.message = `timed out after ${timeouts.timeoutSeconds} s (--timeout): ${error.message}`;
      const firstLineEnd = error.stack.indexOf('\n');
      error.stack = `${error.name}: ${error.message}${firstLineEnd >= 0 ? error.stack.slice(firstLineEnd) : ''}`;
    }
    collector.error(error);
    outcome.error = error;
  }
  return outcome;
}
