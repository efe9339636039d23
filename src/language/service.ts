/**
 * A TypeScript language service for one notebook (notebookProgram.ts): the cells as one program,
 * with the types the kernel gives them — every tfjs package name is the session's tfjs, `bmnb` the
 * cells' library, `display` a global, Node's own types — and positions in and out given per cell.
 *
 * TypeScript is handed in (`ts`), so the same code runs in the language server process and in tests.
 */
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type * as TS from 'typescript';
import { HEADER_LINES, notebookProgram, type CellFile, type NotebookCellInput } from './notebookProgram';

/** Package names that all mean the session's tfjs (as src/session/modules.ts maps them). */
const TFJS_ALIASES = /^@tensorflow\/tfjs(-node|-node-gpu|-core|-layers|-converter|-data)?$/;

export interface LanguageServiceOptions {
  notebookDir: string;
  /** The folder of bmnb.d.ts and cellGlobals.d.ts. */
  typesDir: string;
  /** Where the kernel's own packages are (tfjs, @types/node): modules not in the notebook's folder resolve from there. */
  kernelModulesFrom: string;
}

/** A problem in a cell, positions 0-based within the cell's own text. */
export interface CellDiagnostic {
  cellIndex: number;
  cellId: string;
  line: number;
  character: number;
  endLine: number;
  endCharacter: number;
  message: string;
  code: number;
  category: 'error' | 'warning' | 'suggestion' | 'message';
}

export interface CellPosition {
  cellIndex: number;
  line: number;
  character: number;
}

export const COMPILER_OPTIONS = (ts: typeof TS, typeRoots: string[]): TS.CompilerOptions => ({
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ['lib.es2022.d.ts'],
  types: ['node'],
  typeRoots,
  allowJs: true,
  checkJs: false,
  strict: true,
  noImplicitAny: false,
  skipLibCheck: true,
  esModuleInterop: true,
  allowSyntheticDefaultImports: true,
  resolveJsonModule: true,
  noEmit: true,
  allowUnreachableCode: true,
});

export class NotebookLanguageService {
  private files: CellFile[] = [];
  private readonly versions = new Map<string, number>();
  private readonly texts = new Map<string, string>();
  private readonly service: TS.LanguageService;
  private readonly options: TS.CompilerOptions;
  private readonly tfjsTypes: string;
  private readonly kernelRequire: NodeJS.Require;
  private readonly roots: string[];

  constructor(
    private readonly ts: typeof TS,
    private readonly config: LanguageServiceOptions,
  ) {
    this.kernelRequire = createRequire(join(resolve(config.kernelModulesFrom), '__bmnb__.js'));
    this.tfjsTypes = join(dirname(this.kernelRequire.resolve('@tensorflow/tfjs/package.json')), 'dist', 'index.d.ts');
    const nodeTypes = dirname(this.kernelRequire.resolve('@types/node/package.json'));
    this.options = COMPILER_OPTIONS(ts, [dirname(nodeTypes)]);
    this.roots = [join(config.typesDir, 'cellGlobals.d.ts')];
    const host: TS.LanguageServiceHost = {
      getCompilationSettings: () => this.options,
      getScriptFileNames: () => [...this.roots, ...this.files.map((f) => f.fileName)],
      getScriptVersion: (fileName) => String(this.versions.get(fileName) ?? 0),
      getScriptSnapshot: (fileName) => {
        const text = this.texts.get(fileName) ?? ts.sys.readFile(fileName);
        return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
      },
      getCurrentDirectory: () => config.notebookDir,
      getDefaultLibFileName: (options) => ts.getDefaultLibFilePath(options),
      fileExists: (fileName) => this.texts.has(fileName) || ts.sys.fileExists(fileName),
      readFile: (fileName) => this.texts.get(fileName) ?? ts.sys.readFile(fileName),
      readDirectory: ts.sys.readDirectory,
      directoryExists: ts.sys.directoryExists,
      getDirectories: ts.sys.getDirectories,
      resolveModuleNameLiterals: (literals, containingFile, _redirect, options) =>
        literals.map((literal) => ({ resolvedModule: this.resolveModule(literal.text, containingFile, options) })),
    };
    this.service = ts.createLanguageService(host, ts.createDocumentRegistry());
  }

  /** How a cell's (or a notebook file's) import resolves: tfjs and bmnb as the kernel gives them, then the notebook's folder, then the kernel's own packages. */
  private resolveModule(name: string, containingFile: string, options: TS.CompilerOptions): TS.ResolvedModuleFull | undefined {
    const ts = this.ts;
    // (tfjs's own declarations keep importing each other as they are.)
    const inTfjs = containingFile.includes('/node_modules/@tensorflow/');
    if (TFJS_ALIASES.test(name) && !inTfjs) return { resolvedFileName: this.tfjsTypes, extension: ts.Extension.Dts, isExternalLibraryImport: true };
    if (name === 'bmnb') return { resolvedFileName: join(this.config.typesDir, 'bmnb.d.ts'), extension: ts.Extension.Dts, isExternalLibraryImport: true };
    const hostLike = { fileExists: (f: string) => this.texts.has(f) || ts.sys.fileExists(f), readFile: (f: string) => this.texts.get(f) ?? ts.sys.readFile(f) };
    const here = ts.resolveModuleName(name, containingFile, options, hostLike).resolvedModule;
    if (here) return here;
    if (name.startsWith('.') || name.startsWith('/')) return undefined;
    return ts.resolveModuleName(name, join(resolve(this.config.kernelModulesFrom), '__bmnb__.ts'), options, hostLike).resolvedModule;
  }

  /** The notebook's code cells now (call after every edit). */
  update(cells: readonly NotebookCellInput[]): void {
    this.files = notebookProgram(this.ts, this.config.notebookDir, cells);
    const seen = new Set<string>();
    for (const f of this.files) {
      seen.add(f.fileName);
      if (this.texts.get(f.fileName) !== f.text) {
        this.texts.set(f.fileName, f.text);
        this.versions.set(f.fileName, (this.versions.get(f.fileName) ?? 0) + 1);
      }
    }
    for (const name of [...this.texts.keys()]) if (!seen.has(name)) this.texts.delete(name);
  }

  /** Every problem of every cell, in cell order (syntax and types). */
  diagnostics(): CellDiagnostic[] {
    const out: CellDiagnostic[] = [];
    for (const file of this.files) {
      const all = [...this.service.getSyntacticDiagnostics(file.fileName), ...this.service.getSemanticDiagnostics(file.fileName)];
      for (const d of all) {
        const mapped = this.toCell(file, d.start ?? file.offset, d.length ?? 0);
        if (!mapped) continue;
        out.push({ ...mapped, cellIndex: file.index, cellId: file.id, message: this.ts.flattenDiagnosticMessageText(d.messageText, '\n'), code: d.code, category: this.category(d.category) });
      }
    }
    return out;
  }

  /** Completions at a position in a cell. */
  completions(at: CellPosition): { name: string; kind: string; sortText: string }[] {
    const file = this.files[at.cellIndex];
    if (!file) return [];
    const info = this.service.getCompletionsAtPosition(file.fileName, this.toFile(file, at), {});
    return (info?.entries ?? []).map((e) => ({ name: e.name, kind: e.kind, sortText: e.sortText }));
  }

  /** The static type at a position in a cell, as a hover shows it. */
  quickInfo(at: CellPosition): string | undefined {
    const file = this.files[at.cellIndex];
    if (!file) return undefined;
    const info = this.service.getQuickInfoAtPosition(file.fileName, this.toFile(file, at));
    return info ? this.ts.displayPartsToString(info.displayParts) : undefined;
  }

  /** Where the name at a position in a cell is declared, as cell positions (declarations outside the cells are left out). */
  definition(at: CellPosition): CellPosition[] {
    const file = this.files[at.cellIndex];
    if (!file) return [];
    const defs = this.service.getDefinitionAtPosition(file.fileName, this.toFile(file, at)) ?? [];
    return defs.flatMap((d) => {
      const target = this.files.find((f) => f.fileName === d.fileName);
      const mapped = target && this.toCell(target, d.textSpan.start, d.textSpan.length);
      return mapped ? [{ cellIndex: target.index, line: mapped.line, character: mapped.character }] : [];
    });
  }

  private toFile(file: CellFile, at: CellPosition): number {
    const source = this.service.getProgram()?.getSourceFile(file.fileName);
    if (!source) return file.offset;
    return this.ts.getPositionOfLineAndCharacter(source, at.line + HEADER_LINES, at.character);
  }

  /** A span of a cell file as positions in the cell; undefined when it lies outside the cell's text (the import or export line). */
  private toCell(file: CellFile, start: number, length: number): Omit<CellDiagnostic, 'cellIndex' | 'cellId' | 'message' | 'code' | 'category'> | undefined {
    if (start < file.offset || start > file.offset + file.length) return undefined;
    const source = this.service.getProgram()?.getSourceFile(file.fileName);
    if (!source) return undefined;
    const a = this.ts.getLineAndCharacterOfPosition(source, start);
    const b = this.ts.getLineAndCharacterOfPosition(source, Math.min(start + length, file.offset + file.length));
    return { line: a.line - HEADER_LINES, character: a.character, endLine: b.line - HEADER_LINES, endCharacter: b.character };
  }

  private category(c: TS.DiagnosticCategory): CellDiagnostic['category'] {
    const ts = this.ts;
    return c === ts.DiagnosticCategory.Error ? 'error' : c === ts.DiagnosticCategory.Warning ? 'warning' : c === ts.DiagnosticCategory.Suggestion ? 'suggestion' : 'message';
  }
}
