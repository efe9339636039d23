/**
 * Before a cell that trains runs: do the shapes the kernel holds now fit the model? Finds
 * `model.fit(x, y` calls (plain names) in a cell's source, and compares what the kernel says `x`
 * and `y` are (`session/inspect`: no user code runs) with the model's input and output shapes. A
 * mismatch is found in milliseconds instead of after a long cell starts (or deep in tfjs's error).
 */
import type { ValueInfo } from '../protocol';

export interface FitCall {
  model: string;
  x: string;
  y: string;
  /** Where the call starts and ends in the source (the `model.fit(x, y` part), 0-based line and column. */
  line: number;
  character: number;
  endCharacter: number;
}

/** The `name.fit(a, b` calls of a source whose three parts are plain names. */
export function fitCalls(source: string): FitCall[] {
  const calls: FitCall[] = [];
  const lines = source.split('\n');
  const re = /\b([A-Za-z_$][\w$]*)\s*\.\s*fit\s*\(\s*([A-Za-z_$][\w$]*)\s*,\s*([A-Za-z_$][\w$]*)/g;
  for (const [line, text] of lines.entries()) {
    for (let m = re.exec(text); m; m = re.exec(text)) calls.push({ model: m[1]!, x: m[2]!, y: m[3]!, line, character: m.index, endCharacter: m.index + m[0].length });
    re.lastIndex = 0;
  }
  return calls;
}

const fmt = (shape: readonly (number | null)[]) => `[${shape.map((d) => (d === null ? 'null' : d)).join(', ')}]`;

/** Whether `actual` fits `expected` (null: any size; the batch dimension is not compared). */
function fits(actual: readonly number[], expected: readonly (number | null)[]): boolean {
  if (actual.length !== expected.length) return false;
  return expected.every((d, i) => i === 0 || d === null || d === actual[i]);
}

/**
 * Why `model.fit(x, y)` would fail on the shapes the kernel has now, or undefined when they fit
 * (or when the names are not a model and tensors: nothing to say then).
 *
 * @example
 * fitMismatch(call, { model: { inputShapes: [[null, 32, 32, 3]], … } }, { tensor: { shape: [60000, 28, 28, 1] } }, …)
 * // "model.fit: xTrain is [60000, 28, 28, 1] but model takes [null, 32, 32, 3] (…)"
 */
export function fitMismatch(call: FitCall, model: ValueInfo | undefined, x: ValueInfo | undefined, y: ValueInfo | undefined): string | undefined {
  const m = model?.model;
  if (!m || m.inputShapes.length !== 1 || m.outputShapes.length !== 1) return undefined;
  const problems: string[] = [];
  const input = m.inputShapes[0]!;
  const output = m.outputShapes[0]!;
  if (x?.tensor && !fits(x.tensor.shape, input)) problems.push(`${call.x} is ${fmt(x.tensor.shape)} but ${call.model} takes ${fmt(input)}`);
  if (y?.tensor && !fits(y.tensor.shape, output)) problems.push(`${call.y} is ${fmt(y.tensor.shape)} but ${call.model} gives ${fmt(output)}`);
  if (x?.tensor && y?.tensor && x.tensor.shape[0] !== y.tensor.shape[0]) {
    problems.push(`${call.x} has ${x.tensor.shape[0]} samples and ${call.y} ${y.tensor.shape[0]}`);
  }
  if (problems.length === 0) return undefined;
  return `${call.model}.fit: ${problems.join('; ')} (the shapes the kernel holds now)`;
}
