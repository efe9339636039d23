import type { FormatProblem } from './errors';

/**
 * The problem for text that `JSON.parse` rejected: path `$`, "not valid JSON", the line and
 * column where parsing stopped when they can be found, and the parser's reason.
 * Understands Node 20's "at position N", newer "(line L column C)", and V8's position-less
 * "Unexpected token" messages.
 *
 * @example
 * try { JSON.parse(text); } catch (e) { jsonSyntaxProblem(text, e); }
 * // → { path: '$', message: "not valid JSON at line 3, column 5: expected ',' or '}' after property value" }
 */
export function jsonSyntaxProblem(text: string, error: unknown): FormatProblem {
  if (text.trim() === '') return { path: '$', message: 'not valid JSON: the file is empty' };
  const raw = error instanceof Error ? error.message : String(error);
  let where: { line: number; column: number } | undefined;
  const lineColumn = /\(line (\d+) column (\d+)\)/.exec(raw);
  const position = /at position (\d+)/.exec(raw);
  if (lineColumn) {
    where = { line: Number(lineColumn[1]), column: Number(lineColumn[2]) };
  } else if (position) {
    where = positionToLineColumn(text, Number(position[1]));
  } else if (/unexpected end of JSON input/i.test(raw)) {
    where = positionToLineColumn(text, text.length);
  } else {
    const found = unexpectedTokenPosition(text, raw);
    if (found !== undefined) where = positionToLineColumn(text, found);
  }
  let reason = raw
    .replace(/\s*in JSON at position \d+.*$/s, '')
    .replace(/\s*at position \d+.*$/s, '')
    .replace(/,\s*(?:\.\.\.)?".*$/s, '')
    .replace(/^Unexpected end of JSON input$/i, 'the text ends before the JSON value is complete')
    .trim();
  reason = reason.charAt(0).toLowerCase() + reason.slice(1);
  const at = where ? ` at line ${where.line}, column ${where.column}` : '';
  return { path: '$', message: `not valid JSON${at}${reason ? `: ${reason}` : ''}` };
}

/** Characters of context V8 quotes on each side of an unexpected token. */
const V8_CONTEXT = 10;

/**
 * V8 reports some errors without a position, only a quoted piece of the text:
 * `Unexpected token ']', ..."    1,\n  ]\n}" is not valid JSON`. The token sits 10 characters into
 * a piece that starts with `...`, or 10 before the end of one that only ends with `...`; a
 * short text is quoted whole, and then the token is found only when it occurs once. The result
 * is used only if the token really is at that position.
 */
function unexpectedTokenPosition(text: string, raw: string): number | undefined {
  const m = /^Unexpected token '(.+?)', (\.\.\.)?"(.*)"(\.\.\.)? is not valid JSON$/su.exec(raw);
  if (!m) return undefined;
  const [, token, leading, snippet, trailing] = m;
  let position: number | undefined;
  if (leading) {
    const start = text.indexOf(snippet);
    if (start !== -1 && text.indexOf(snippet, start + 1) === -1) position = start + V8_CONTEXT;
  } else if (trailing) {
    if (text.startsWith(snippet)) position = snippet.length - V8_CONTEXT;
  } else {
    const first = text.indexOf(token);
    if (first !== -1 && text.indexOf(token, first + 1) === -1) position = first;
  }
  return position !== undefined && text.startsWith(token, position) ? position : undefined;
}

/** 1-based line and column of a character offset. */
function positionToLineColumn(text: string, position: number): { line: number; column: number } {
  const before = text.slice(0, Math.min(position, text.length));
  const lastNewline = before.lastIndexOf('\n');
  let line = 1;
  for (let i = before.indexOf('\n'); i !== -1; i = before.indexOf('\n', i + 1)) line++;
  return { line, column: position - lastNewline };
}
