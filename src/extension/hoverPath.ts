/**
 * The name under the cursor, read from the cell's text only: the identifier at the position and
 * the dotted path to the left of it (`history.history.loss`, `xs[0].shape`). Nothing that would
 * run code is ever produced: a chain through a call (`foo().bar`), a computed index (`a[i]`) or
 * anything but identifiers, dots and numeric indexes gives no path. Pure (no `vscode`).
 */

/** Words that are never a variable of the session. */
const KEYWORDS = new Set([
  'await', 'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else', 'enum',
  'export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'implements', 'import', 'in', 'instanceof', 'interface',
  'let', 'new', 'null', 'package', 'private', 'protected', 'public', 'return', 'static', 'super', 'switch', 'this', 'throw',
  'true', 'try', 'typeof', 'var', 'void', 'while', 'with', 'yield', 'as', 'async', 'of', 'type', 'declare', 'readonly',
  'keyof', 'satisfies', 'undefined', 'from',
]);

const ID_PART = /[\p{ID_Continue}$\u200c\u200d]/u;
/** An identifier, then `.name`, `?.name` or `[123]` any number of times, ending at the end of the text. */
const CHAIN = /[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*(?:\??\.[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*|\[\d+\])*$/u;
/** How far left a path may reach (a long minified line stays cheap). */
const MAX_PATH = 200;

export interface PathAt {
  /** `history.history.loss`, `xs[0].shape` (`?.` written as `.`). */
  path: string;
  /** Columns of the path in the line: [start, end). */
  start: number;
  end: number;
}

/**
 * The path whose last identifier is at `character` in `line` (or ends just before it), or
 * undefined where there is none to look up.
 *
 * @example
 * pathAt('const n = history.history.loss.length;', 27)  // → { path: 'history.history.loss', start: 10, end: 30 }
 * pathAt('foo().bar', 7)                                // → undefined (it would call foo)
 */
export function pathAt(line: string, character: number): PathAt | undefined {
  let at = character;
  if (!isIdPart(line, at) && isIdPart(line, at - 1)) at -= 1;
  if (!isIdPart(line, at)) return undefined;
  let start = at;
  while (start > 0 && isIdPart(line, start - 1)) start -= 1;
  let end = at + 1;
  while (end < line.length && isIdPart(line, end)) end += 1;
  // A number (`1e3`, `0x10`) or the middle of one.
  if (/^[0-9]/.test(line.slice(start, end))) return undefined;

  const from = Math.max(0, end - MAX_PATH);
  const prefix = line.slice(from, end);
  const m = CHAIN.exec(prefix);
  if (!m) return undefined;
  const pathStart = from + m.index;
  // The chain must start where a name can start: not after a dot (`foo().bar`, `a[i].b`), a
  // closing bracket, or a character of a longer name that the chain could not take (`#x`).
  const before = pathStart > 0 ? line[pathStart - 1]! : '';
  if (before === '.' || before === ')' || before === ']' || before === '#' || (before && ID_PART.test(before))) return undefined;
  if (pathStart === from && from > 0) return undefined; // longer than MAX_PATH
  const path = m[0].replace(/\?\./g, '.');
  const first = /^[^.[]+/.exec(path)![0];
  if (KEYWORDS.has(first)) return undefined;
  // A property key being declared or a label (`{ epochs: 3 }`) is still looked up: the kernel
  // answers "unknown" for names it does not have, and the hover shows nothing.
  return { path, start: pathStart, end };
}

function isIdPart(line: string, i: number): boolean {
  if (i < 0 || i >= line.length) return false;
  // A surrogate pair's second half belongs to the character before it.
  const code = line.codePointAt(i);
  if (code === undefined) return false;
  const low = line.charCodeAt(i);
  if (low >= 0xdc00 && low <= 0xdfff && i > 0) return ID_PART.test(String.fromCodePoint(line.codePointAt(i - 1)!));
  return ID_PART.test(String.fromCodePoint(code));
}
