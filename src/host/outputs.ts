/**
 * Collecting a cell's outputs as they arrive, in the .bmnb shape: consecutive chunks of one stream
 * join one output, `\r` overwrites its line as in a terminal, displays and the result follow in
 * order, and an error ends the list.
 */
import { MIME, type ErrorPayload, type OutputItemPayload } from '../protocol';

export interface CollectedOutput {
  items: OutputItemPayload[];
}

/** Applies terminal semantics to `\r`: what follows a carriage return overwrites its line. */
export function applyCarriageReturns(text: string): string {
  if (!text.includes('\r')) return text;
  return text
    .split('\n')
    .map((line) => {
      const trimmed = line.endsWith('\r') ? line.slice(0, -1) : line;
      const parts = trimmed.split('\r');
      // Later text overwrites earlier text from the start of the line, keeping any longer tail.
      let screen = '';
      for (const part of parts) screen = part + screen.slice(part.length);
      return screen;
    })
    .join('\n');
}

export class OutputCollector {
  readonly outputs: CollectedOutput[] = [];

  stream(name: 'stdout' | 'stderr', text: string): void {
    const mime = name === 'stdout' ? MIME.stdout : MIME.stderr;
    const last = this.outputs[this.outputs.length - 1];
    const item = last?.items.length === 1 && last.items[0]!.mime === mime ? last.items[0]! : undefined;
    if (item) item.data = applyCarriageReturns(String(item.data) + text);
    else this.outputs.push({ items: [{ mime, data: applyCarriageReturns(text) }] });
  }

  private readonly live = new Map<string, CollectedOutput>();

  /** One more output; with a displayId seen before and `update`, new items for that output instead. */
  display(items: OutputItemPayload[], displayId?: string, update?: boolean): void {
    const existing = displayId ? this.live.get(displayId) : undefined;
    if (existing && update) {
      existing.items = items;
      return;
    }
    const output = { items };
    this.outputs.push(output);
    if (displayId) this.live.set(displayId, output);
  }

  error(error: ErrorPayload): void {
    this.outputs.push({ items: [{ mime: MIME.error, data: JSON.stringify({ name: error.name, message: error.message, stack: error.stack }) }] });
  }
}
