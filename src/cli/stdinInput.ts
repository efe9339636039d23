/**
 * `await input(prompt)` in a cell run by `bmnb run`: the prompt goes to stderr (stdout carries the
 * cells' output) and the answer is the next line of stdin, typed at a terminal or piped in
 * (`printf 'Ada\n' | bmnb run nb.bmnb`). bmnb run reads lines: a password is shown as typed, and
 * the prompt says so.
 */
import { createInterface, type Interface } from 'node:readline';

let lines: Interface | undefined;
const queued: string[] = [];
const waiting: { resolve(line: string): void; reject(err: Error): void }[] = [];
let ended = false;

function reader(): Interface {
  if (lines) return lines;
  lines = createInterface({ input: process.stdin, terminal: false });
  lines.on('line', (line) => {
    const next = waiting.shift();
    if (next) next.resolve(line);
    else queued.push(line);
  });
  lines.on('close', () => {
    ended = true;
    for (const w of waiting.splice(0)) w.reject(new Error('input(): stdin has no more lines (pipe the answers in, or run bmnb at a terminal)'));
  });
  return lines;
}

export function askStdin(prompt: string, password: boolean): Promise<string> {
  process.stderr.write(prompt);
  const tty = process.stdin.isTTY === true;
  if (password && tty) process.stderr.write('(typed text is shown) ');
  reader();
  const line = queued.shift();
  if (line !== undefined) return Promise.resolve(line);
  if (ended) return Promise.reject(new Error('input(): stdin has no more lines (pipe the answers in, or run bmnb at a terminal)'));
  return new Promise<string>((resolve, reject) => waiting.push({ resolve, reject })).finally(() => {
    if (!tty) process.stderr.write('\n');
  });
}

/** Lets go of stdin once the run is over (an open reader would keep the process alive). */
export function closeStdinInput(): void {
  lines?.close();
  lines = undefined;
}
