/**
 * `bmnb run`: runs every code cell of a notebook in order in one kernel (runCell.ts), showing its
 * progress and outputs in the terminal (report.ts); optionally writes the executed notebook
 * (atomically) with every cell's outputs and execution record.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { linesToSource, NotebookFormatError, parseNotebook, serializeNotebook, type NotebookCell, type NotebookFile } from '../format';
import { KernelClient, KernelStartError } from '../host/kernelClient';
import type { BackendName } from '../protocol';
import { writeFileAtomic } from './atomicWrite';
import { closeStdinInput } from './stdinInput';
import { applyParams, ParamError } from './params';
import { TerminalReport } from './report';
import { runCell, type CellOutcome } from './runCell';

export interface RunOptions {
  file: string;
  out?: string;
  inplace: boolean;
  /** Writes the run notebook to `--out` (default: as .bmnb); `bmnb run --out report.html` exports. */
  writeOut?(notebook: NotebookFile, file: string): Promise<void>;
  backend: BackendName | 'auto';
  params: [string, string][];
  /** Per cell, in seconds. */
  timeoutSeconds?: number;
  /** How long an interrupt may take before the kernel is stopped by force, in seconds. */
  interruptTimeoutSeconds: number;
  kernelPath: string;
  maxMemoryMB?: number;
  /** The most output a cell keeps in the written notebook, in MB (stdout still gets all of it). */
  maxOutputMB?: number;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** Exit codes of the CLI (docs/architecture.md, "CLI"). */
export const EXIT = { ok: 0, cellFailed: 1, badInput: 2 } as const;

export class BadInputError extends Error {}

/** Reads and parses a notebook file; a missing, unreadable or malformed one is a BadInputError naming it. */
export function readNotebookFile<T>(file: string, parse: (text: string) => T): T {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new BadInputError(code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read it (${(err as Error).message})`);
  }
  try {
    return parse(text);
  } catch (err) {
    if (err instanceof NotebookFormatError) throw new BadInputError(`${file}: ${err.message}`);
    throw err;
  }
}

const loadNotebook = (file: string): NotebookFile => readNotebookFile(file, parseNotebook);

/**
 * The code each cell runs: its own, except the cell tagged `parameters` with `--param` values
 * applied (the notebook keeps the source its author wrote, and records the values in that cell's
 * `metadata.injectedParameters`).
 */
function applyParameters(notebook: NotebookFile, params: [string, string][], file: string): Map<NotebookCell, string> {
  const overrides = new Map<NotebookCell, string>();
  if (params.length === 0) return overrides;
  const paramCell = notebook.cells.find((c) => c.kind === 'code' && c.metadata?.tags?.includes('parameters'));
  if (!paramCell) throw new BadInputError(`${file}: --param needs a code cell tagged "parameters", and this notebook has none`);
  try {
    overrides.set(paramCell, applyParams(linesToSource(paramCell.source), params));
  } catch (err) {
    if (err instanceof ParamError) throw new BadInputError(err.message);
    throw err;
  }
  paramCell.metadata = { ...paramCell.metadata, injectedParameters: Object.fromEntries(params.map(([k, v]) => [k, JSON.parse(v)])) };
  return overrides;
}

/** What a cell's run leaves in the notebook: its outputs and its execution record. */
function record(cell: NotebookCell, outcome: CellOutcome): void {
  cell.outputs = outcome.outputs.outputs.map((o) => ({ items: o.items.map((it) => ({ mime: it.mime, data: it.data })) }));
  const { result } = outcome;
  cell.execution = {
    ...cell.execution,
    order: result?.order ?? null,
    success: !outcome.error,
    durationMs: Math.round(outcome.durationMs),
    ...(result?.memory ? { memory: { tensors: result.memory.numTensors, bytes: result.memory.numBytes } } : {}),
  };
}

/** Runs the notebook; resolves to the process exit code. Throws {@link BadInputError} for bad input. */
export async function runNotebook(options: RunOptions): Promise<number> {
  const file = resolve(options.file);
  const notebook = loadNotebook(file);
  const codeCells = notebook.cells.map((cell, index) => ({ cell, index })).filter(({ cell }) => cell.kind === 'code');
  const overrides = applyParameters(notebook, options.params, options.file);
  const outFile = options.inplace ? file : options.out ? resolve(options.out) : undefined;
  const report = new TerminalReport(options.stdout, options.stderr);

  let client: KernelClient;
  try {
    client = await KernelClient.start({ kernelPath: options.kernelPath, notebookDir: dirname(file), backend: options.backend, maxMemoryMB: options.maxMemoryMB });
  } catch (err) {
    if (err instanceof KernelStartError && err.reason === 'backend') throw new BadInputError(err.message);
    if (err instanceof KernelStartError) {
      options.stderr.write(`bmnb: the kernel did not start: ${err.message}\n`);
      return EXIT.cellFailed;
    }
    throw err;
  }
  report.kernelStarted(options.file, client.info);
  const limits = options.maxOutputMB ? { maxBytes: options.maxOutputMB * 1024 * 1024 } : {};
  // What each cell ran: recorded in the notebook once the kernel is gone, so that output a cell
  // printed after it ended (a timer that fired during a later cell) is kept with it too.
  const ran: [NotebookCell, CellOutcome][] = [];
  client.onLateOutput((late) => {
    const outputs = ran.find(([, o]) => o.executionId === late.executionId)?.[1].outputs;
    if (late.kind === 'stream') {
      report.stream(late.name, late.text);
      outputs?.stream(late.name, late.text);
    } else if (late.clear) {
      outputs?.clear(late.clear.wait);
    } else {
      report.display(late.items, late.displayId);
      outputs?.display(late.items, late.displayId, late.update);
    }
  });

  // Ctrl-C interrupts the running cell; a second one stops the kernel.
  let interrupts = 0;
  const onSigint = () => {
    if (++interrupts === 1) {
      report.interrupting();
      client.interrupt();
    } else client.kill('a second Ctrl-C');
  };
  process.on('SIGINT', onSigint);

  let exitCode: number = EXIT.ok;
  try {
    for (const [i, { cell, index }] of codeCells.entries()) {
      const label = `cell ${index + 1}`;
      report.cellStarted(i + 1, codeCells.length, label);
      const language = cell.language === 'javascript' ? 'javascript' : 'typescript';
      const outcome = await runCell(client, { id: cell.id, label, language, source: overrides.get(cell) ?? linesToSource(cell.source) }, options, report, limits);
      report.cellEnded(label, outcome, client.log);
      ran.push([cell, outcome]);
      if (outcome.error) {
        exitCode = EXIT.cellFailed;
        report.stoppedAt(label, codeCells.length - i - 1);
        break;
      }
    }
  } finally {
    closeStdinInput();
    process.off('SIGINT', onSigint);
    await client.shutdown();
  }

  for (const [cell, outcome] of ran) record(cell, outcome);
  // Written after the kernel is gone, atomically: a failed run still keeps every output up to its error.
  if (outFile) {
    try {
      await (options.writeOut ?? ((nb, f) => writeFileAtomic(f, serializeNotebook(nb))))(notebook, outFile);
    } catch (err) {
      options.stderr.write(`bmnb: could not write ${outFile}: ${err instanceof Error ? err.message : String(err)}\n`);
      return EXIT.cellFailed;
    }
  }
  report.finished(outFile, exitCode === EXIT.ok ? codeCells.length : undefined);
  return exitCode;
}

/** Where dist/kernel.js is, next to this bundle (dist/cli.js). */
export function defaultKernelPath(): string {
  return join(__dirname, 'kernel.js');
}

