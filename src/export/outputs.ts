/**
 * Which item of an output an export shows: a bmnb payload when there is one (its fallbacks are for
 * viewers without bmnb's renderers), else the richest item the export can show, as VS Code picks.
 */
import type { CellOutput, OutputItem } from '../format';
import { MIME } from '../protocol';

/** bmnb's rich payload types, drawn by the renderers. */
export const PAYLOAD_MIMES: readonly string[] = [MIME.tensor, MIME.modelSummary, MIME.training, MIME.chart];

/** The order in which the HTML export prefers an item of an output that has no bmnb payload. */
const HTML_ORDER = [MIME.error, MIME.stdout, MIME.stderr, 'text/html', 'image/svg+xml', 'image/png', 'image/jpeg', 'image/gif', 'text/markdown', 'application/json', 'text/latex', MIME.text];

export const IMAGE_MIMES: readonly string[] = ['image/png', 'image/jpeg', 'image/gif', 'image/svg+xml'];

export function payloadItem(output: CellOutput): OutputItem | undefined {
  return output.items.find((i) => PAYLOAD_MIMES.includes(i.mime));
}

/** The item the HTML export shows for `output`, or undefined when it has none it knows. */
export function htmlItem(output: CellOutput): OutputItem | undefined {
  const payload = payloadItem(output);
  if (payload) return payload;
  for (const mime of HTML_ORDER) {
    const item = output.items.find((i) => i.mime === mime);
    if (item) return item;
  }
  return output.items.find((i) => i.mime.startsWith('text/'));
}

/** The text of a text item (stored as a string; JSON when a writer stored something else). */
export function itemText(item: OutputItem): string {
  return typeof item.data === 'string' ? item.data : JSON.stringify(item.data, null, 2);
}

/** An error item's text as VS Code shows it: the stack when it names the error, else `name: message` and the stack. */
export function errorText(item: OutputItem): string {
  let error: { name?: unknown; message?: unknown; stack?: unknown };
  try {
    error = (typeof item.data === 'string' ? JSON.parse(item.data) : item.data) as typeof error;
  } catch {
    return itemText(item);
  }
  const name = typeof error?.name === 'string' ? error.name : 'Error';
  const message = typeof error?.message === 'string' ? error.message : '';
  const stack = typeof error?.stack === 'string' ? error.stack : '';
  const head = message ? `${name}: ${message}` : name;
  if (stack && stack.includes(message)) return stack;
  return stack ? `${head}\n${stack}` : head;
}

/** Terminal colour and cursor sequences (tfjs and progress bars print them), which a file shows as noise. */
export function stripAnsi(s: string): string {
  return s.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007]*\u0007/g, '');
}
