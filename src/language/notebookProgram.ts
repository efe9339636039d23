/**
 * A notebook as one TypeScript program, the way the kernel runs it: each code cell is a module of
 * its own (so a later cell may declare `const x` again, as the kernel allows, and top-level `await`
 * is valid), which sees every name that earlier cells declared at top level: the cell's virtual file
 * starts with one line importing each such name from the last earlier cell that declared it, and
 * ends with one line exporting the names it declares itself. The cell's own text sits between them,
 * so a position in a cell is the same position one line down in its file — but for the casts a
 * cell may carry (the type the kernel saw for a tensor binding), whose added text the offset
 * mappings below step over.
 *
 * - The cell tagged `parameters` is typed as `bmnb run --param` may change it: its top-level
 *   `const`s are read as `let`s (same length, so positions hold), so `const epochs = 5` is a
 *   number, not the literal 5.
 * - JavaScript cells are `.js` files (checked only when `checkJs` is on).
 * - The files live in the notebook's folder (as `__bmnb_cell_N__.ts`), so relative imports and
 *   `node_modules` resolve from there, as the kernel resolves them.
 */
import type * as TS from 'typescript';

export interface NotebookCellInput {
  /** Stable id (the .bmnb cell id). */
  id: string;
  language: 'typescript' | 'javascript';
  source: string;
  /** The cell's tags (`parameters`). */
  tags?: readonly string[];
  /**
   * Top-level `const`s to read as the type the kernel saw (`Tensor2D`): the initializer is wrapped
   * in a type assertion (`(…) as unknown as T`, or JSDoc casts in JavaScript), so the binding keeps
   * its declaration (go to definition and rename still work) and gets the kernel's type. A cast
   * holds while the binding's initializer is the text that ran.
   */
  casts?: readonly Cast[];
}

export interface Cast {
  name: string;
  /** The type to read the binding as (`import('@tensorflow/tfjs').Tensor2D`). */
  type: string;
  /** The initializer's text when the cell ran. */
  initializer: string;
}

/** Text the program adds inside a cell (a cast's parentheses), at an offset of the cell's text. */
export interface Insertion {
  at: number;
  text: string;
  /** An opening insertion: the cell's position `at` is after it (in the expression); else before it. */
  opens: boolean;
}

export interface CellFile {
  /** Index of the cell among the code cells given. */
  index: number;
  id: string;
  /** Absolute path of the virtual file. */
  fileName: string;
  /** The whole text of the file: the import line, the cell, the export line. */
  text: string;
  /** Characters before the cell's text (the import line and its newline). */
  offset: number;
  /** Length of the cell's text in the file (with its insertions). */
  length: number;
  /** The cell's text as the user sees it (the parameters cell's `const`s as `let`s: the same length). */
  body: string;
  /** What the program added inside the cell's text, in order. */
  insertions: Insertion[];
  /** Names the cell declares at top level (values and types), in order of first declaration. */
  declared: string[];
}

/** The first line of every cell file holds the imports: a cell's line L is its file's line L + 1. */
export const HEADER_LINES = 1;

/** The virtual file name of the code cell at `index` (0-based among code cells). */
export function cellFileName(notebookDir: string, index: number, language: NotebookCellInput['language']): string {
  const dir = notebookDir.endsWith('/') ? notebookDir.slice(0, -1) : notebookDir;
  return `${dir}/__bmnb_cell_${index + 1}__.${language === 'javascript' ? 'js' : 'ts'}`;
}

function bindingNames(ts: typeof TS, name: TS.BindingName, out: string[]): void {
  if (ts.isIdentifier(name)) out.push(name.text);
  else for (const element of name.elements) if (!ts.isOmittedExpression(element)) bindingNames(ts, element.name, out);
}

/** The names a cell's source declares at top level: variables (destructuring too), functions, classes, enums, types, interfaces, imports. */
export function topLevelNames(ts: typeof TS, source: string, language: NotebookCellInput['language']): string[] {
  const file = ts.createSourceFile(language === 'javascript' ? 'cell.js' : 'cell.ts', source, ts.ScriptTarget.ES2022, false, language === 'javascript' ? ts.ScriptKind.JS : ts.ScriptKind.TS);
  const names: string[] = [];
  for (const statement of file.statements) {
    if (ts.isVariableStatement(statement)) {
      for (const d of statement.declarationList.declarations) bindingNames(ts, d.name, names);
    } else if (
      (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isEnumDeclaration(statement) || ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement)) &&
      statement.name
    ) {
      names.push(statement.name.text);
    } else if (ts.isImportDeclaration(statement) && statement.importClause) {
      const clause = statement.importClause;
      if (clause.name) names.push(clause.name.text);
      const bindings = clause.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) names.push(bindings.name.text);
      else if (bindings) for (const element of bindings.elements) names.push(element.name.text);
    } else if (ts.isImportEqualsDeclaration(statement)) {
      names.push(statement.name.text);
    } else if (ts.isModuleDeclaration(statement) && ts.isIdentifier(statement.name)) {
      names.push(statement.name.text);
    }
  }
  return [...new Set(names)];
}

/** The parameters cell's top-level `const`s as `let`s (the same number of characters). */
function widenParameters(ts: typeof TS, source: string): string {
  const file = ts.createSourceFile('parameters.ts', source, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  let out = source;
  for (const statement of file.statements) {
    if (!ts.isVariableStatement(statement) || !(statement.declarationList.flags & ts.NodeFlags.Const)) continue;
    const start = statement.declarationList.getStart(file);
    if (out.slice(start, start + 5) === 'const') out = `${out.slice(0, start)}let  ${out.slice(start + 5)}`;
  }
  return out;
}

/** The assertion around a cast binding's initializer: TypeScript's `as`, or a JSDoc cast in JavaScript. */
function castInsertions(ts: typeof TS, source: string, language: NotebookCellInput['language'], casts: NotebookCellInput['casts']): Insertion[] {
  if (!casts?.length) return [];
  const wanted = new Map(casts.map((c) => [c.name, c]));
  const file = ts.createSourceFile(language === 'javascript' ? 'cell.js' : 'cell.ts', source, ts.ScriptTarget.ES2022, false, language === 'javascript' ? ts.ScriptKind.JS : ts.ScriptKind.TS);
  const out: Insertion[] = [];
  for (const statement of file.statements) {
    if (!ts.isVariableStatement(statement) || !(statement.declarationList.flags & ts.NodeFlags.Const)) continue;
    for (const d of statement.declarationList.declarations) {
      const cast = ts.isIdentifier(d.name) ? wanted.get(d.name.text) : undefined;
      if (!cast || !d.initializer || d.type) continue;
      const start = d.initializer.getStart(file);
      const end = d.initializer.getEnd();
      // (the initializer changed since the run: the kernel's value is not what this text makes)
      if (source.slice(start, end) !== cast.initializer) continue;
      const type = cast.type;
      // (through unknown, as in TypeScript: the kernel's type must not be the initializer's contextual type, which would infer its generics)
      if (language === 'javascript') out.push({ at: start, text: `/** @type {${type}} */ (/** @type {unknown} */ (`, opens: true }, { at: end, text: '))', opens: false });
      else out.push({ at: start, text: '(', opens: true }, { at: end, text: `) as unknown as ${type}`, opens: false });
    }
  }
  return out;
}

function insert(source: string, insertions: readonly Insertion[]): string {
  let out = '';
  let from = 0;
  for (const i of insertions) {
    out += source.slice(from, i.at) + i.text;
    from = i.at;
  }
  return out + source.slice(from);
}

/** A cell offset as an offset of the cell's text in its file (after the insertions before it). */
export function offsetInFile(file: Pick<CellFile, 'insertions'>, cellOffset: number): number {
  let shift = 0;
  for (const i of file.insertions) if (i.at < cellOffset || (i.at === cellOffset && i.opens)) shift += i.text.length;
  return cellOffset + shift;
}

/** An offset of the cell's text in its file as a cell offset (one inside an insertion is the insertion's place). */
export function offsetInCell(file: Pick<CellFile, 'insertions'>, fileOffset: number): number {
  let shift = 0;
  for (const i of file.insertions) {
    const start = i.at + shift;
    if (fileOffset < start) break;
    if (fileOffset < start + i.text.length) return i.at;
    shift += i.text.length;
  }
  return fileOffset - shift;
}

/** Where each line of a text starts, lines broken as the editor breaks them (`\r\n`, `\r`, `\n`). */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
    if (c === 13 || c === 10) starts.push(i + 1);
  }
  return starts;
}

/** The offset of a line and character (clamped to the text). */
export function offsetAt(starts: readonly number[], textLength: number, at: { line: number; character: number }): number {
  const line = Math.max(0, Math.min(at.line, starts.length - 1));
  const end = line + 1 < starts.length ? starts[line + 1] : textLength;
  return Math.min(starts[line] + Math.max(0, at.character), end);
}

/** The line and character of an offset. */
export function positionAt(starts: readonly number[], offset: number): { line: number; character: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, character: offset - starts[lo] };
}

/** The virtual files of a notebook's code cells, in order. */
export function notebookProgram(ts: typeof TS, notebookDir: string, cells: readonly NotebookCellInput[]): CellFile[] {
  /** For each name, the file of the last cell so far that declared it. */
  const latest = new Map<string, string>();
  const files: CellFile[] = [];
  for (const [index, cell] of cells.entries()) {
    const fileName = cellFileName(notebookDir, index, cell.language);
    const declared = topLevelNames(ts, cell.source, cell.language);
    const own = new Set(declared);
    const byFile = new Map<string, string[]>();
    for (const [name, from] of latest) {
      if (own.has(name)) continue;
      byFile.set(from, [...(byFile.get(from) ?? []), name]);
    }
    const header = [...byFile].map(([from, names]) => `import { ${names.join(', ')} } from './${baseName(from)}';`).join(' ');
    const body = cell.tags?.includes('parameters') && cell.language === 'typescript' ? widenParameters(ts, cell.source) : cell.source;
    const insertions = castInsertions(ts, body, cell.language, cell.casts);
    const inFile = insert(body, insertions);
    const footer = declared.length ? `export { ${declared.join(', ')} };` : 'export {};';
    const text = `${header}\n${inFile}\n${footer}\n`;
    files.push({ index, id: cell.id, fileName, text, offset: header.length + 1, length: inFile.length, body, insertions, declared });
    for (const name of declared) latest.set(name, fileName);
  }
  return files;
}

/** `__bmnb_cell_3__` (no folder, no extension): how one cell file imports another. */
function baseName(fileName: string): string {
  return fileName.slice(fileName.lastIndexOf('/') + 1).replace(/\.(ts|js)$/, '');
}
