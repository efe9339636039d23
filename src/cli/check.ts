/**
 * `bmnb check FILE…`: type-checks notebooks without running them, with the types the kernel gives
 * cells (src/language), and `bmnb run --typecheck`, which checks first. Errors name the notebook,
 * the cell (numbered as `bmnb run` numbers them), the line and the column.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { linesToSource, NotebookFormatError, parseNotebook } from '../format';
import { NotebookLanguageService, type CellDiagnostic } from '../language/service';

/** A type error, where a person finds it. */
export interface NotebookTypeError extends CellDiagnostic {
  file: string;
  /** How `bmnb run` names the cell: `cell N`, N counting every cell of the notebook. */
  cellLabel: string;
}

export class CheckInputError extends Error {}

/** Where the cells' declarations are: next to the bundle (dist/) in the repository. */
function typesDir(): string {
  return join(__dirname, '..', 'src', 'language', 'types');
}

/** TypeScript, loaded when a check is asked for (`bmnb run` alone never loads it). */
function loadTypeScript(): typeof import('typescript') {
  try {
    return createRequire(__filename)('typescript') as typeof import('typescript');
  } catch {
    throw new CheckInputError('type checks need the typescript package, which is not installed next to bmnb; run npm install in bmnb\'s folder');
  }
}

/** The type errors of one notebook file. Throws {@link CheckInputError} when the file cannot be read or is not a notebook. */
export function checkNotebook(file: string): NotebookTypeError[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CheckInputError(code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read it (${(err as Error).message})`);
  }
  let notebook;
  try {
    notebook = parseNotebook(text);
  } catch (err) {
    if (err instanceof NotebookFormatError) throw new CheckInputError(`${file}: ${err.message}`);
    throw err;
  }
  const code = notebook.cells.map((cell, index) => ({ cell, index })).filter(({ cell }) => cell.kind === 'code');
  const service = new NotebookLanguageService(loadTypeScript(), { notebookDir: dirname(resolve(file)), typesDir: typesDir(), kernelModulesFrom: join(__dirname, '..') });
  service.update(
    code.map(({ cell }) => ({
      id: cell.id,
      language: cell.language === 'javascript' ? 'javascript' : 'typescript',
      source: linesToSource(cell.source),
      tags: Array.isArray(cell.metadata?.tags) ? (cell.metadata.tags as string[]) : undefined,
    })),
  );
  return service
    .diagnostics()
    .filter((d) => d.category === 'error')
    .map((d) => ({ ...d, file, cellLabel: `cell ${code[d.cellIndex]!.index + 1}` }));
}

/** One line per error: `nb.bmnb: cell 3, line 2, column 7: error TS2322: …`. */
export function formatTypeError(e: NotebookTypeError): string {
  return `${e.file}: ${e.cellLabel}, line ${e.line + 1}, column ${e.character + 1}: error TS${e.code}: ${e.message.replace(/\n/g, '\n    ')}`;
}

/** `bmnb check FILE…`: exit 0 clean, 1 type errors, 2 bad input. */
export function checkCommand(files: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): number {
  if (files.length === 0) {
    err.write('bmnb: bmnb check needs notebook files: bmnb check <file.bmnb>…\n');
    return 2;
  }
  let errors = 0;
  let checked = 0;
  for (const file of files) {
    try {
      const found = checkNotebook(file);
      for (const e of found) out.write(`${formatTypeError(e)}\n`);
      errors += found.length;
      checked++;
    } catch (e) {
      if (!(e instanceof CheckInputError)) throw e;
      err.write(`bmnb: ${e.message}\n`);
    }
  }
  const bad = files.length - checked;
  err.write(
    `bmnb: ${errors ? `${errors} type error(s)` : 'no type errors'} in ${checked} notebook(s)` + (bad ? `; ${bad} could not be checked` : '') + '\n',
  );
  return bad ? 2 : errors ? 1 : 0;
}
