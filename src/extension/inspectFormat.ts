/**
 * Words for what the kernel says a name holds: hover Markdown, variables view descriptions, shape
 * hints and per-cell memory lines. Pure functions (no `vscode`), so they are tested in plain Node.
 * Every string that comes from the session (names, types, previews) is escaped or put in a code
 * span: a value cannot inject links, images or HTML into a hover.
 */
import type { MemoryDelta, TensorBinding, ValueInfo } from '../protocol';
import type { MemoryRecord } from './metadata';

/** `512 B`, `4.1 KB`, `179.4 MB`, `1.25 GB` (binary units, as the status bar shows them). */
export function formatBytes(bytes: number): string {
  const abs = Math.abs(bytes);
  const sign = bytes < 0 ? '-' : '';
  if (abs < 1024) return `${sign}${abs} B`;
  if (abs < 1024 ** 2) return `${sign}${(abs / 1024).toFixed(1)} KB`;
  if (abs < 1024 ** 3) return `${sign}${(abs / 1024 ** 2).toFixed(1)} MB`;
  return `${sign}${(abs / 1024 ** 3).toFixed(2)} GB`;
}

/** `1,234,567` */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** `[60000, 28, 28, 1]`; `null` dimensions (a model's batch size) as `null`. */
export function formatShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? 'null' : String(d))).join(', ')}]`;
}

/** A statistic: four significant digits, `—` when there is none (an empty tensor, or all NaN). */
export function formatStat(n: number | null | undefined): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '—';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  if (Number.isInteger(n) && Math.abs(n) < 1e15) return String(n);
  return String(Number(n.toPrecision(4)));
}

/** Backslash-escapes every ASCII punctuation character, so that text shows as itself in Markdown. */
export function escapeMarkdown(text: string): string {
  return oneLine(text).replace(/[\\`*_{}[\]()#+\-.!|<>~&"'=:;,?$%^@/]/g, '\\$&');
}

/** Text as one Markdown code span, whatever backticks it holds (CommonMark: a longer fence). */
export function codeSpan(text: string): string {
  const t = oneLine(text);
  const longest = Math.max(0, ...[...t.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = t.startsWith('`') || t.endsWith('`') || (t.startsWith(' ') && t.endsWith(' ') && t.trim() !== '') ? ' ' : '';
  return `${fence}${pad}${t}${pad}${fence}`;
}

function oneLine(text: string): string {
  const flat = text.replace(/\r\n|\r|\n/g, ' ⏎ ');
  return flat.length > 300 ? `${flat.slice(0, 299)}…` : flat;
}

/** `Tensor float32 [60000, 28, 28, 1]` */
export function tensorSignature(info: ValueInfo): string {
  const t = info.tensor;
  return t ? `${info.type || 'Tensor'} ${t.dtype} ${formatShape(t.shape)}` : info.type;
}

/** What a value is, in one short line: the variables view's description. */
export function describeValue(info: ValueInfo): string {
  const parts: string[] = [];
  if (info.tensor) {
    parts.push(tensorSignature(info));
    if (info.tensor.disposed) parts.push('disposed');
  } else if (info.model) {
    parts.push(info.model.className || info.type, `${formatCount(info.model.params)} params`);
  } else if (info.array) {
    parts.push(info.type, `length ${formatCount(info.array.length)}`);
    if (info.array.shape) parts.push(formatShape(info.array.shape));
  } else {
    parts.push(info.type);
    const preview = oneLine(info.preview);
    if (preview && preview !== info.type) parts.push(preview);
  }
  if (info.bytes !== undefined && !(info.tensor?.disposed)) parts.push(formatBytes(info.bytes));
  return parts.join(' · ');
}

/**
 * The hover (and the variables view's tooltip) for a value, as Markdown: for a tensor its
 * signature, size and backend, then min / max / mean and the NaN/Inf counts; for a model its
 * input and output shapes, layers and params; for an array its length, element type and shape;
 * for anything else its type and a one-line preview.
 */
export function valueMarkdown(info: ValueInfo): string {
  const lines: string[] = [];
  if (info.tensor) {
    const t = info.tensor;
    const head = [codeSpan(`${info.name}: ${tensorSignature(info)}`)];
    if (info.bytes !== undefined) head.push(escapeMarkdown(formatBytes(info.bytes)));
    if (t.backend) head.push(escapeMarkdown(t.backend));
    lines.push(head.join(' · '));
    if (t.disposed) {
      lines.push('*disposed*: its data is gone (dispose() or tf.tidy freed it)');
    } else if (t.stats) {
      const s = t.stats;
      lines.push(`min ${codeSpan(formatStat(s.min))} · max ${codeSpan(formatStat(s.max))} · mean ${codeSpan(formatStat(s.mean))}`);
      const warn = (n: number) => (n > 0 ? ` ⚠` : '');
      lines.push(`NaN ${codeSpan(formatCount(s.nan))}${warn(s.nan)} · Inf ${codeSpan(formatCount(s.inf))}${warn(s.inf)}`);
    } else {
      lines.push(`${escapeMarkdown(formatCount(t.size))} values: too many to summarise while hovering`);
    }
  } else if (info.model) {
    const m = info.model;
    const head = [codeSpan(`${info.name}: ${m.className || info.type}`)];
    if (info.bytes !== undefined) head.push(escapeMarkdown(formatBytes(info.bytes)));
    lines.push(head.join(' · '));
    const shapes = (list: (number | null)[][]) => (list.length ? list.map((s) => codeSpan(formatShape(s))).join(', ') : '—');
    lines.push(`input ${shapes(m.inputShapes)} → output ${shapes(m.outputShapes)}`);
    lines.push(
      `${escapeMarkdown(formatCount(m.layers))} layer${m.layers === 1 ? '' : 's'} · ${escapeMarkdown(formatCount(m.params))} params (${escapeMarkdown(formatCount(m.trainable))} trainable)`,
    );
  } else if (info.array) {
    const a = info.array;
    const head = [codeSpan(`${info.name}: ${info.type}`)];
    if (info.bytes !== undefined) head.push(escapeMarkdown(formatBytes(info.bytes)));
    lines.push(head.join(' · '));
    const parts = [`length ${codeSpan(formatCount(a.length))}`, `elements ${codeSpan(a.elementType)}`];
    if (a.shape) parts.push(`shape ${codeSpan(formatShape(a.shape))}`);
    lines.push(parts.join(' · '));
  } else {
    const head = [codeSpan(`${info.name}: ${info.type}`)];
    if (info.bytes !== undefined) head.push(escapeMarkdown(formatBytes(info.bytes)));
    lines.push(head.join(' · '));
    if (info.preview) lines.push(codeSpan(info.preview));
  }
  return lines.join('\n\n');
}


export function memoryRecord(delta: MemoryDelta): MemoryRecord {
  return { tensors: delta.numTensors, bytes: delta.numBytes };
}

/** `+3 tensors · +4.1 MB`, `-1 tensor · -400 B`, or `no new tensors`. */
export function memoryText(m: MemoryRecord): string {
  if (m.tensors === 0) return 'no new tensors';
  const sign = m.tensors > 0 ? '+' : '-';
  const n = Math.abs(m.tensors);
  const bytes = m.bytes === 0 ? '' : ` · ${m.bytes > 0 ? '+' : ''}${formatBytes(m.bytes)}`;
  return `${sign}${formatCount(n)} tensor${n === 1 ? '' : 's'}${bytes}`;
}

/** The end-of-line shape hint for the tensor bindings declared on one line. */
export function shapeHintLabel(bindings: readonly TensorBinding[]): string {
  if (bindings.length === 1) return `▸ ${formatShape(bindings[0]!.shape)}`;
  return `▸ ${bindings.map((b) => `${b.name} ${formatShape(b.shape)}`).join(' · ')}`;
}

/** The hint's tooltip: `xTrain: Tensor float32 [60000, 28, 28, 1]`, one line per binding. */
export function shapeHintTooltip(bindings: readonly TensorBinding[]): string {
  return bindings.map((b) => `${b.name}: Tensor ${b.dtype} ${formatShape(b.shape)}`).join('\n');
}
