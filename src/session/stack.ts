/**
 * Errors as a person should read them: name, message, and stack frames that point at the cell's
 * own TypeScript lines and columns (through each cell's source map), with the kernel's frames and
 * Node's internals left out.
 */
import { TraceMap, originalPositionFor } from '@jridgewell/trace-mapping';
import type { ErrorPayload, StackFrame } from '../protocol';
import { CellSyntaxError } from './transpile';

interface CellScript {
  cellId: string;
  label: string;
  map: TraceMap;
}

/** Source maps of the cells run in this session, by the file name their script was given. */
export class CellRegistry {
  private readonly scripts = new Map<string, CellScript>();
  private count = 0;

  /** Registers a cell's generated code; returns the file name to compile it under. */
  add(cellId: string, label: string, map: string): string {
    const file = `bmnb-cell-${++this.count}.js`;
    this.scripts.set(file, { cellId, label, map: new TraceMap(map) });
    return file;
  }

  get(file: string): CellScript | undefined {
    return this.scripts.get(file);
  }
}

/** `at fn (file:line:col)`, `at file:line:col`, either after `async ` (a frame of an awaiting function). */
const FRAME = /^\s*at (?:async )?(?:(.*?) \()?(.*?):(\d+):(\d+)\)?$/;

/** Files whose frames a user should never see: the kernel itself and Node's internals. */
function isInternal(file: string, kernelFiles: string[]): boolean {
  return file.startsWith('node:') || file.startsWith('internal/') || kernelFiles.some((k) => file === k || file.startsWith(k));
}

export interface FormatOptions {
  /** Files of the kernel itself (its bundle), whose frames are dropped. */
  kernelFiles: string[];
}

function describe(value: unknown): { name: string; message: string; stack?: string } {
  if (value instanceof Error || (typeof value === 'object' && value !== null && 'message' in value && 'stack' in value)) {
    const e = value as Error;
    return { name: e.name || 'Error', message: String(e.message ?? ''), stack: typeof e.stack === 'string' ? e.stack : undefined };
  }
  let text: string;
  try {
    text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return { name: 'Uncaught', message: `a cell threw a non-Error value: ${text}` };
}

/** Turns anything a cell threw into an {@link ErrorPayload}. */
export function formatError(value: unknown, cells: CellRegistry, options: FormatOptions, syntaxCell?: { cellId: string; label: string }): ErrorPayload {
  if (value instanceof CellSyntaxError && syntaxCell) {
    const frame: StackFrame = { file: syntaxCell.label, cellId: syntaxCell.cellId, line: value.line, column: value.column };
    return {
      name: 'SyntaxError',
      message: value.message,
      stack: `SyntaxError: ${value.message}\n    at ${syntaxCell.label}:${value.line}:${value.column}`,
      frames: [frame],
      location: { cellId: syntaxCell.cellId, cellLabel: syntaxCell.label, line: value.line, column: value.column },
    };
  }
  const { name, message, stack } = describe(value);
  const frames: StackFrame[] = [];
  for (const line of (stack ?? '').split('\n')) {
    const m = FRAME.exec(line);
    if (!m) continue;
    let functionName = m[1]?.replace(/^async /, '') || undefined;
    const file = m[2]!;
    const lineNo = Number(m[3]);
    const col = Number(m[4]);
    const cell = cells.get(file);
    if (cell) {
      const pos = originalPositionFor(cell.map, { line: lineNo, column: col - 1 });
      if (pos.line == null) continue; // the wrapper around the cell's code
      // The wrapper function itself is the cell's top level.
      // Session functions are called as properties of the scope object: V8 says "Object.f".
      if (functionName?.startsWith('Object.')) functionName = functionName.slice('Object.'.length);
      if (functionName === '<anonymous>') functionName = undefined;
      frames.push({ functionName, file: cell.label, cellId: cell.cellId, line: pos.line, column: pos.column + 1 });
    } else if (!isInternal(file, options.kernelFiles)) {
      frames.push({ functionName, file, line: lineNo, column: col });
    }
  }
  const cellFrame = frames.find((f) => f.cellId !== undefined);
  const text = [
    `${name}: ${message}`,
    ...frames.map((f) => `    at ${f.functionName ? `${f.functionName} (${f.file}:${f.line}:${f.column})` : `${f.file}:${f.line}:${f.column}`}`),
  ].join('\n');
  return {
    name,
    message,
    stack: text,
    frames,
    location: cellFrame ? { cellId: cellFrame.cellId!, cellLabel: cellFrame.file, line: cellFrame.line, column: cellFrame.column } : undefined,
  };
}
