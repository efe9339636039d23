/**
 * `bmnb run`: runs every code cell of a notebook in order in one kernel, printing a progress line
 * per cell and each cell's text outputs; optionally writes the executed notebook (atomically).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { linesToSource, NotebookFormatError, parseNotebook, serializeNotebook, type NotebookCell, type NotebookFile } from '../format';
import { KernelClient, KernelDiedError, KernelStartError, newExecutionId } from '../host/kernelClient';
import { OutputCollector } from '../host/outputs';
import { MIME, type BackendName, type ExecuteResult } from '../protocol';
import { writeFileAtomic } from './atomicWrite';
import { applyParams, ParamError } from './params';

export interface RunOptions {
  file: string;
  out?: string;
  inplace: boolean;
  backend: BackendName | 'auto';
  params: [string, string][];
  /** Per cell, in seconds. */
  timeoutSeconds?: number;
  /** How long an interrupt may take before the kernel is stopped by force, in seconds. */
  interruptTimeoutSeconds: number;
  kernelPath: string;
  maxMemoryMB?: number;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** Exit codes of the CLI (DESIGN.md). */
export const EXIT = { ok: 0, cellFailed: 1, badInput: 2 } as const;

export class BadInputError extends Error {}

function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function loadNotebook(file: string): NotebookFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new BadInputError(code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read it (${(err as Error).message})`);
  }
  try {
    return parseNotebook(text);
  } catch (err) {
    if (err instanceof NotebookFormatError) throw new BadInputError(`${file}: ${err.message}`);
    throw err;
  }
}

/** Runs the notebook; resolves to the process exit code. Throws {@link BadInputError} for bad input. */
export async function runNotebook(options: RunOptions): Promise<number> {
  const { stdout, stderr } = options;
  const file = resolve(options.file);
  const notebook = loadNotebook(file);
  const codeCells = notebook.cells.map((cell, index) => ({ cell, index })).filter(({ cell }) => cell.kind === 'code');

  // Parameters apply to this run's code; the notebook keeps the source its author wrote.
  const overrides = new Map<NotebookCell, string>();
  if (options.params.length > 0) {
    const paramCell = notebook.cells.find((c) => c.kind === 'code' && c.metadata?.tags?.includes('parameters'));
    if (!paramCell) throw new BadInputError(`${options.file}: --param needs a code cell tagged "parameters", and this notebook has none`);
    try {
      overrides.set(paramCell, applyParams(linesToSource(paramCell.source), options.params));
    } catch (err) {
      if (err instanceof ParamError) throw new BadInputError(err.message);
      throw err;
    }
    paramCell.metadata = { ...paramCell.metadata, injectedParameters: Object.fromEntries(options.params.map(([k, v]) => [k, JSON.parse(v)])) };
  }

  const outFile = options.inplace ? file : options.out ? resolve(options.out) : undefined;
  const save = () => {
    if (outFile) writeFileAtomic(outFile, serializeNotebook(notebook));
  };

  let client: KernelClient;
  try {
    client = await KernelClient.start({
      kernelPath: options.kernelPath,
      notebookDir: dirname(file),
      backend: options.backend,
      maxMemoryMB: options.maxMemoryMB,
    });
  } catch (err) {
    if (err instanceof KernelStartError && err.reason === 'backend') throw new BadInputError(err.message);
    if (err instanceof KernelStartError) {
      stderr.write(`bmnb: the kernel did not start: ${err.message}\n`);
      return EXIT.cellFailed;
    }
    throw err;
  }
  const info = client.info;
  stderr.write(`bmnb: ${options.file} on ${info.backend} (${info.detail}), tfjs ${info.tfjsVersion}, Node ${info.nodeVersion}\n`);
  for (const s of info.skipped) stderr.write(`bmnb:   skipped ${s.name}: ${s.detail}\n`);

  // Ctrl-C interrupts the running cell; a second one stops the kernel.
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      stderr.write('\nbmnb: interrupting the running cell (Ctrl-C again to stop the kernel)\n');
      client.interrupt();
    } else client.kill();
  };
  process.on('SIGINT', onSigint);

  let exitCode: number = EXIT.ok;
  try {
    for (const [i, { cell, index }] of codeCells.entries()) {
      const label = `cell ${index + 1}`;
      const progress = `[${i + 1}/${codeCells.length}] ${label}`;
      stderr.write(`${progress} …`);
      let printedSince = false;
      const breakLine = () => {
        if (!printedSince) stderr.write('\n');
        printedSince = true;
      };
      const collector = new OutputCollector();
      const live = new Map<string, { printed: number; last: string }>();
      const executionId = newExecutionId();
      let timedOut = false;
      let timer: NodeJS.Timeout | undefined;
      let killTimer: NodeJS.Timeout | undefined;
      if (options.timeoutSeconds) {
        timer = setTimeout(() => {
          timedOut = true;
          client.interrupt();
          killTimer = setTimeout(() => client.kill(), options.interruptTimeoutSeconds * 1000);
        }, options.timeoutSeconds * 1000);
      }
      const started = Date.now();
      let result: ExecuteResult | undefined;
      let died: KernelDiedError | undefined;
      try {
        result = await client.execute(
          {
            executionId,
            cellId: cell.id,
            cellLabel: label,
            language: cell.language === 'javascript' ? 'javascript' : 'typescript',
            source: overrides.get(cell) ?? linesToSource(cell.source),
          },
          {
            onStream: ({ name, text }) => {
              breakLine();
              (name === 'stdout' ? stdout : stderr).write(text);
              collector.stream(name, text);
            },
            onDisplay: ({ items, displayId, update }) => {
              const text = items.find((it) => it.mime === MIME.text)?.data;
              collector.display(items, displayId, update);
              if (displayId) {
                // A live output (training curves): print each line as it becomes final (finished
                // epochs); its last line, the progress line, is printed once the cell ends.
                const lines = typeof text === 'string' ? text.split('\n') : [];
                const printed = live.get(displayId)?.printed ?? 0;
                const done = lines.slice(printed, -1);
                if (done.length) {
                  breakLine();
                  stdout.write(`${done.join('\n')}\n`);
                }
                live.set(displayId, { printed: printed + done.length, last: lines[lines.length - 1] ?? '' });
                return;
              }
              breakLine();
              if (typeof text === 'string') stdout.write(text.endsWith('\n') ? text : `${text}\n`);
            },
          },
        );
      } catch (err) {
        if (!(err instanceof KernelDiedError)) throw err;
        died = err;
      } finally {
        clearTimeout(timer);
        clearTimeout(killTimer);
      }

      for (const { last } of live.values()) {
        breakLine();
        stdout.write(`${last}\n`);
      }
      const durationMs = result?.durationMs ?? Date.now() - started;
      if (result?.result) {
        breakLine();
        collector.display(result.result);
        const text = result.result.find((it) => it.mime === MIME.text)?.data;
        if (typeof text === 'string') stdout.write(text.endsWith('\n') ? text : `${text}\n`);
      }
      const ok = result?.status === 'ok';
      if (!ok) {
        const error = result?.error ?? {
          name: 'KernelDiedError',
          message: died ? died.message : 'the kernel stopped',
          stack: `KernelDiedError: ${died?.message ?? 'the kernel stopped'}`,
          frames: [],
        };
        if (timedOut) {
          error.message = `timed out after ${options.timeoutSeconds} s (--timeout): ${error.message}`;
          error.stack = `${error.name}: ${error.message}${error.stack.slice(error.stack.indexOf('\n') >= 0 ? error.stack.indexOf('\n') : error.stack.length)}`;
        }
        collector.error(error);
        breakLine();
        const where = error.location ? `, line ${error.location.line}, column ${error.location.column}` : '';
        stderr.write(`${progress} ✗ failed after ${formatDuration(durationMs)} (${label}${where})\n${error.stack}\n`);
        if (died) {
          const tail = client.log.trim().split('\n').slice(-5).join('\n');
          if (tail) stderr.write(`bmnb: last lines of the kernel log:\n${tail}\n`);
        }
      } else if (printedSince) {
        stderr.write(`${progress} ✓ ${formatDuration(durationMs)}\n`);
      } else {
        stderr.write(` ✓ ${formatDuration(durationMs)}\n`);
      }

      cell.outputs = collector.outputs.map((o) => ({ items: o.items.map((it) => ({ mime: it.mime, data: it.data })) }));
      cell.execution = {
        ...cell.execution,
        order: result?.order ?? null,
        success: ok,
        durationMs: Math.round(durationMs),
        ...(result?.memory ? { memory: { tensors: result.memory.numTensors, bytes: result.memory.numBytes } } : {}),
      };
      if (!ok) {
        exitCode = EXIT.cellFailed;
        const rest = codeCells.length - i - 1;
        if (rest > 0) stderr.write(`bmnb: stopped at ${label}; ${rest} later cell(s) not run\n`);
        break;
      }
    }
  } finally {
    process.off('SIGINT', onSigint);
    await client.shutdown();
  }

  save();
  if (outFile) stderr.write(`bmnb: wrote ${outFile}\n`);
  if (exitCode === EXIT.ok) stderr.write(`bmnb: all ${codeCells.length} code cells ran\n`);
  return exitCode;
}

/** Where dist/kernel.js is, next to this bundle (dist/cli.js). */
export function defaultKernelPath(): string {
  return join(__dirname, 'kernel.js');
}

