/**
 * Splits cell text into the lines stored in a `.bmnb` file: every line keeps its `\n`
 * (a `\r\n` ending stays whole) except the last, and empty text gives no lines.
 * `linesToSource(sourceToLines(text)) === text` for any text.
 *
 * @example
 * sourceToLines('const x = 1;\nx');   // → ['const x = 1;\n', 'x']
 * sourceToLines('a\r\nb\n');          // → ['a\r\n', 'b\n']
 * sourceToLines('');                  // → []
 */
export function sourceToLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  while (start < text.length) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline + 1;
    lines.push(text.slice(start, end));
    start = end;
  }
  return lines;
}

/**
 * Joins stored source lines back into cell text (the inverse of `sourceToLines`).
 *
 * @example
 * linesToSource(['const x = 1;\n', 'x']);  // → 'const x = 1;\nx'
 */
export function linesToSource(lines: readonly string[]): string {
  return lines.join('');
}
