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
import { TFJS_PACKAGE_NAMES } from '../protocol/payloads';
import type { CellPosition, CellRange, KernelTensor, CompletionDetails, FileLocation, LanguageCompletion, LanguageDiagnostic, LanguageHover, RenameResult, SignatureHelpResult } from '../protocol/language';
import { lineStarts, notebookProgram, offsetAt, offsetInCell, offsetInFile, positionAt, type Cast, type CellFile, type NotebookCellInput } from './notebookProgram';

export type { CellPosition };


export interface LanguageServiceOptions {
  notebookDir: string;
  /** The folder of bmnb.d.ts and cellGlobals.d.ts. */
  typesDir: string;
  /** Where the kernel's own packages are (tfjs, @types/node): modules not in the notebook's folder resolve from there. */
  kernelModulesFrom: string;
  /** The folder of TypeScript's lib files, when not TypeScript's own (a bundled server ships them apart). */
  libDir?: string;
}

/** A problem in a cell, positions 0-based within the cell's own text. */
export type CellDiagnostic = LanguageDiagnostic;

/** tfjs's type for a tensor of each rank it names. */
const TFJS_TYPE = "import('@tensorflow/tfjs')";
const RANK_TYPES = ['Scalar', 'Tensor1D', 'Tensor2D', 'Tensor3D', 'Tensor4D', 'Tensor5D', 'Tensor6D'];

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
  private readonly resolutionCache: TS.ModuleResolutionCache;
  private readonly snapshots = new Map<string, { version: number | undefined; snapshot: TS.IScriptSnapshot }>();
  private readonly bodies = new WeakMap<CellFile, number[]>();
  /** The cells as last given (update()). */
  private cells: readonly NotebookCellInput[] = [];
  /** What the kernel saw, by cell id: the tensors a run of the cell's `source` declared, and the casts they give (worked out once). */
  private readonly kernelTensors = new Map<string, { source: string; tensors: readonly KernelTensor[]; casts?: Cast[]; pending?: boolean }>();
  /** Changes whenever a cell file changes (TypeScript skips its checks of every file when it has not). */
  private projectVersion = 0;

  constructor(
    private readonly ts: typeof TS,
    private readonly config: LanguageServiceOptions,
  ) {
    this.kernelRequire = createRequire(join(resolve(config.kernelModulesFrom), '__bmnb__.js'));
    this.tfjsTypes = join(dirname(this.kernelRequire.resolve('@tensorflow/tfjs/package.json')), 'dist', 'index.d.ts');
    const nodeTypes = dirname(this.kernelRequire.resolve('@types/node/package.json'));
    this.options = COMPILER_OPTIONS(ts, [dirname(nodeTypes)]);
    this.roots = [join(config.typesDir, 'cellGlobals.d.ts')];
    this.resolutionCache = ts.createModuleResolutionCache(config.notebookDir, (f) => (ts.sys.useCaseSensitiveFileNames ? f : f.toLowerCase()), this.options);
    const host: TS.LanguageServiceHost = {
      getCompilationSettings: () => this.options,
      getScriptFileNames: () => [...this.roots, ...this.files.map((f) => f.fileName)],
      getScriptVersion: (fileName) => String(this.versions.get(fileName) ?? 0),
      getProjectVersion: () => String(this.projectVersion),
      getScriptSnapshot: (fileName) => {
        // (declaration files on disk never change while the server runs: read once)
        const cached = this.snapshots.get(fileName);
        if (cached && cached.version === this.versions.get(fileName)) return cached.snapshot;
        const text = this.texts.get(fileName) ?? ts.sys.readFile(fileName);
        if (text === undefined) return undefined;
        const snapshot = ts.ScriptSnapshot.fromString(text);
        this.snapshots.set(fileName, { version: this.versions.get(fileName), snapshot });
        return snapshot;
      },
      getCurrentDirectory: () => config.notebookDir,
      getDefaultLibFileName: (options) => (config.libDir ? join(config.libDir, ts.getDefaultLibFileName(options)) : ts.getDefaultLibFilePath(options)),
      fileExists: (fileName) => this.texts.has(fileName) || ts.sys.fileExists(fileName),
      readFile: (fileName) => this.texts.get(fileName) ?? ts.sys.readFile(fileName),
      readDirectory: ts.sys.readDirectory,
      directoryExists: ts.sys.directoryExists,
      getDirectories: ts.sys.getDirectories,
      useCaseSensitiveFileNames: () => ts.sys.useCaseSensitiveFileNames,
      resolveModuleNameLiterals: (literals, containingFile, _redirect, options) =>
        literals.map((literal) => ({ resolvedModule: this.resolveModule(literal.text, containingFile, options) })),
    };
    // TypeScript asks its host for this cache (not in the public type): without it every program
    // update reads and parses the package.json files above every declaration file again.
    Object.assign(host, { getModuleResolutionCache: () => this.resolutionCache });
    this.service = ts.createLanguageService(host, ts.createDocumentRegistry());
  }

  /** How a cell's (or a notebook file's) import resolves: tfjs and bmnb as the kernel gives them, then the notebook's folder, then the kernel's own packages. */
  private resolveModule(name: string, containingFile: string, options: TS.CompilerOptions): TS.ResolvedModuleFull | undefined {
    const ts = this.ts;
    // (tfjs's own declarations keep importing each other as they are.)
    const inTfjs = containingFile.includes('/node_modules/@tensorflow/');
    if (TFJS_PACKAGE_NAMES.test(name) && !inTfjs) return { resolvedFileName: this.tfjsTypes, extension: ts.Extension.Dts, isExternalLibraryImport: true };
    if (name === 'bmnb') return { resolvedFileName: join(this.config.typesDir, 'bmnb.d.ts'), extension: ts.Extension.Dts, isExternalLibraryImport: true };
    const hostLike = { fileExists: (f: string) => this.texts.has(f) || ts.sys.fileExists(f), readFile: (f: string) => this.texts.get(f) ?? ts.sys.readFile(f) };
    const here = ts.resolveModuleName(name, containingFile, options, hostLike, this.resolutionCache).resolvedModule;
    if (here) return here;
    if (name.startsWith('.') || name.startsWith('/')) return undefined;
    return ts.resolveModuleName(name, join(resolve(this.config.kernelModulesFrom), '__bmnb__.ts'), options, hostLike, this.resolutionCache).resolvedModule;
  }

  /** The notebook's code cells now (call after every edit). */
  update(cells: readonly NotebookCellInput[]): void {
    this.cells = cells;
    this.apply();
    // A run the kernel answered, for the text the cell has now, whose casts are not worked out yet:
    // the program as it stands says which bindings TypeScript types as any tensor (the types of the
    // initializers as written: the casts of an earlier run, still in place, are looked through, so
    // no program is built without them and a run that gives the same casts changes nothing).
    let changed = false;
    for (const file of this.files) {
      const seen = this.kernelTensors.get(file.id);
      if (!seen?.pending || seen.source !== cells[file.index]?.source) continue;
      const casts = this.castsFor(file, seen.tensors);
      changed ||= JSON.stringify(casts) !== JSON.stringify(seen.casts ?? []);
      this.kernelTensors.set(file.id, { source: seen.source, tensors: seen.tensors, casts });
    }
    if (changed) this.apply();
  }

  /**
   * What the kernel saw when it ran a cell whose text was `source`: the tensors its top-level
   * bindings hold, by name and rank. A `const` TypeScript types as a tensor of any rank
   * (`tf.Tensor`, or `tf.Tensor | tf.Tensor[]` from `predict`) is read as the rank the kernel saw
   * (`tf.Tensor2D`), in this cell and in the cells after it, while the binding's initializer keeps
   * the text that ran, until the cell runs again or the kernel goes (kernelGone()).
   */
  setKernelTensors(cellId: string, source: string, tensors: readonly KernelTensor[]): void {
    this.kernelTensors.set(cellId, { source, tensors, casts: this.kernelTensors.get(cellId)?.casts, pending: true });
    this.update(this.cells);
  }

  /** The kernel restarted or ended: no binding is read as what it saw any more. */
  kernelGone(): void {
    if (!this.kernelTensors.size) return;
    this.kernelTensors.clear();
    this.update(this.cells);
  }

  /** The cell files from the cells and the casts that hold for their text now. */
  private apply(): void {
    const cells = this.cells.map((c) => {
      const seen = this.kernelTensors.get(c.id);
      return seen?.casts?.length ? { ...c, casts: seen.casts } : c;
    });
    this.files = notebookProgram(this.ts, this.config.notebookDir, cells);
    const seen = new Set<string>();
    for (const f of this.files) {
      seen.add(f.fileName);
      if (this.texts.get(f.fileName) !== f.text) {
        this.texts.set(f.fileName, f.text);
        this.versions.set(f.fileName, (this.versions.get(f.fileName) ?? 0) + 1);
        this.projectVersion++;
      }
    }
    for (const name of [...this.texts.keys()]) {
      if (seen.has(name)) continue;
      this.texts.delete(name);
      this.projectVersion++;
    }
  }

  /** The casts for a cell's tensor bindings: its top-level `const`s, not annotated, that TypeScript types as a tensor of any rank. */
  private castsFor(file: CellFile, tensors: readonly KernelTensor[]): Cast[] {
    const ts = this.ts;
    const program = this.service.getProgram();
    const source = program?.getSourceFile(file.fileName);
    if (!program || !source) return [];
    const checker = program.getTypeChecker();
    const rankOf = new Map(tensors.map((t) => [t.name, t.rank]));
    const anyRank = (t: TS.Type): boolean => {
      if (t.getSymbol()?.getName() !== 'Tensor' || !(t.flags & ts.TypeFlags.Object)) return false;
      const args = checker.getTypeArguments(t as TS.TypeReference);
      return args.length === 1 && (args[0].flags & ts.TypeFlags.Union) !== 0;
    };
    const narrowable = (t: TS.Type): boolean =>
      anyRank(t) || (t.isUnion() && t.types.some(anyRank) && t.types.every((m) => m.getSymbol()?.getName() === 'Tensor' || checker.isArrayType(m)));
    /** The initializer as the cell has it: inside the cast an earlier run's types put around it. */
    const written = (e: TS.Expression): TS.Expression => {
      if (ts.isAsExpression(e) && e.type.getText(source).startsWith(TFJS_TYPE) && ts.isAsExpression(e.expression) && e.expression.type.kind === ts.SyntaxKind.UnknownKeyword && ts.isParenthesizedExpression(e.expression.expression)) {
        return e.expression.expression.expression;
      }
      if (
        ts.isParenthesizedExpression(e) &&
        ts.getJSDocTypeTag(e)?.typeExpression.type.getText(source).startsWith(TFJS_TYPE) &&
        ts.isParenthesizedExpression(e.expression) &&
        ts.getJSDocTypeTag(e.expression)?.typeExpression.type.kind === ts.SyntaxKind.UnknownKeyword
      ) {
        return e.expression.expression;
      }
      return e;
    };
    const casts: Cast[] = [];
    for (const statement of source.statements) {
      if (!ts.isVariableStatement(statement) || !(statement.declarationList.flags & ts.NodeFlags.Const)) continue;
      for (const d of statement.declarationList.declarations) {
        const rank = ts.isIdentifier(d.name) ? rankOf.get(d.name.text) : undefined;
        if (rank === undefined || !RANK_TYPES[rank] || !d.initializer || d.type || !ts.isIdentifier(d.name)) continue;
        const initializer = written(d.initializer);
        if (!narrowable(checker.getTypeAtLocation(initializer))) continue;
        casts.push({ name: d.name.text, type: `${TFJS_TYPE}.${RANK_TYPES[rank]}`, initializer: initializer.getText(source) });
      }
    }
    return casts;
  }

  /** Every file the program reads now: the cell files, and the declarations and lib files they reach. */
  loadedFiles(): string[] {
    return (this.service.getProgram()?.getSourceFiles() ?? []).map((f) => f.fileName);
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
  completions(at: CellPosition): LanguageCompletion[] {
    const file = this.files[at.cellIndex];
    if (!file) return [];
    const info = this.service.getCompletionsAtPosition(file.fileName, this.toFile(file, at), { includeCompletionsWithInsertText: true });
    return (info?.entries ?? []).map((e) => ({ name: e.name, kind: e.kind, sortText: e.sortText, ...(e.insertText ? { insertText: e.insertText } : {}) }));
  }

  /** The signature and documentation of one completion entry. */
  completionDetails(at: CellPosition, name: string): CompletionDetails | undefined {
    const file = this.files[at.cellIndex];
    if (!file) return undefined;
    const d = this.service.getCompletionEntryDetails(file.fileName, this.toFile(file, at), name, {}, undefined, undefined, undefined);
    return d ? { detail: this.ts.displayPartsToString(d.displayParts), documentation: this.docs(d.documentation, d.tags) } : undefined;
  }

  /** The static type at a position in a cell, as a hover shows it. */
  quickInfo(at: CellPosition): string | undefined {
    return this.hover(at)?.type;
  }

  /** The static type and documentation at a position in a cell. */
  hover(at: CellPosition): LanguageHover | undefined {
    const file = this.files[at.cellIndex];
    if (!file) return undefined;
    const info = this.service.getQuickInfoAtPosition(file.fileName, this.toFile(file, at));
    if (!info) return undefined;
    const range = this.toCell(file, info.textSpan.start, info.textSpan.length);
    return { type: this.ts.displayPartsToString(info.displayParts), documentation: this.docs(info.documentation, info.tags), ...(range ? { range: { cellIndex: file.index, ...range } } : {}) };
  }

  /** Signature help inside a call's parentheses. */
  signatureHelp(at: CellPosition): SignatureHelpResult | undefined {
    const file = this.files[at.cellIndex];
    if (!file) return undefined;
    const help = this.service.getSignatureHelpItems(file.fileName, this.toFile(file, at), {});
    if (!help) return undefined;
    const text = (parts: TS.SymbolDisplayPart[]) => this.ts.displayPartsToString(parts);
    return {
      signatures: help.items.map((item) => ({
        label: text(item.prefixDisplayParts) + item.parameters.map((p) => text(p.displayParts)).join(text(item.separatorDisplayParts)) + text(item.suffixDisplayParts),
        documentation: this.docs(item.documentation, item.tags),
        parameters: item.parameters.map((p) => ({ label: text(p.displayParts), documentation: text(p.documentation) })),
      })),
      activeSignature: help.selectedItemIndex,
      activeParameter: help.argumentIndex,
    };
  }

  /** Where the name at a position in a cell is declared: cell ranges, and places in files (tfjs's types). */
  definitions(at: CellPosition): { cells: CellRange[]; files: FileLocation[] } {
    const file = this.files[at.cellIndex];
    const result = { cells: [] as CellRange[], files: [] as FileLocation[] };
    if (!file) return result;
    for (const d of this.service.getDefinitionAtPosition(file.fileName, this.toFile(file, at)) ?? []) {
      const target = this.files.find((f) => f.fileName === d.fileName);
      if (target) {
        const mapped = this.toCell(target, d.textSpan.start, d.textSpan.length);
        // (a definition on a cell file's import line is the earlier cell's export: skipped)
        if (mapped) result.cells.push({ cellIndex: target.index, ...mapped });
        continue;
      }
      const source = this.service.getProgram()?.getSourceFile(d.fileName);
      if (!source) continue;
      const pos = this.ts.getLineAndCharacterOfPosition(source, d.textSpan.start);
      result.files.push({ file: d.fileName, line: pos.line, character: pos.character });
    }
    return result;
  }

  /** Cell positions where the name is declared (definitions() without files). */
  definition(at: CellPosition): CellPosition[] {
    return this.definitions(at).cells.map(({ cellIndex, line, character }) => ({ cellIndex, line, character }));
  }

  /** Every use of the name at a position, across cells. */
  references(at: CellPosition): CellRange[] {
    const file = this.files[at.cellIndex];
    if (!file) return [];
    return (this.service.getReferencesAtPosition(file.fileName, this.toFile(file, at)) ?? []).flatMap((r) => this.cellRange(r.fileName, r.textSpan));
  }

  /** The uses of the name at a position within its cell (writes marked). */
  highlights(at: CellPosition): (CellRange & { write: boolean })[] {
    const file = this.files[at.cellIndex];
    if (!file) return [];
    const groups = this.service.getDocumentHighlights(file.fileName, this.toFile(file, at), [file.fileName]) ?? [];
    return groups.flatMap((g) => g.highlightSpans.flatMap((h) => this.cellRange(g.fileName, h.textSpan).map((r) => ({ ...r, write: h.kind === this.ts.HighlightSpanKind.writtenReference }))));
  }

  /** The edits that rename the name at a position in every cell that uses it. */
  rename(at: CellPosition, newName: string): RenameResult {
    const file = this.files[at.cellIndex];
    if (!file) return { error: 'no such cell', edits: [] };
    const pos = this.toFile(file, at);
    const info = this.service.getRenameInfo(file.fileName, pos, { allowRenameOfImportPath: false });
    if (!info.canRename) return { error: info.localizedErrorMessage, edits: [] };
    const locations = this.service.findRenameLocations(file.fileName, pos, false, false, { providePrefixAndSuffixTextForRename: false }) ?? [];
    const outside = locations.find((l) => !this.files.some((f) => f.fileName === l.fileName));
    if (outside) return { error: `'${info.displayName}' is declared outside the notebook (${outside.fileName}); it cannot be renamed here`, edits: [] };
    // The import and export lines of the cell files are ours: only edits inside cells are the user's.
    const edits = locations.flatMap((l) => this.cellRange(l.fileName, l.textSpan).map((r) => ({ ...r, newText: newName })));
    return { edits };
  }

  private cellRange(fileName: string, span: TS.TextSpan): CellRange[] {
    const target = this.files.find((f) => f.fileName === fileName);
    const mapped = target && this.toCell(target, span.start, span.length);
    return mapped ? [{ cellIndex: target.index, ...mapped }] : [];
  }

  private docs(documentation: TS.SymbolDisplayPart[] | undefined, tags: TS.JSDocTagInfo[] | undefined): string {
    const text = this.ts.displayPartsToString(documentation ?? []);
    const tagText = (tags ?? []).map((t) => `@${t.name}${t.text ? ` ${this.ts.displayPartsToString(t.text)}` : ''}`).join('\n\n');
    return [text, tagText].filter(Boolean).join('\n\n');
  }

  /** Where the lines of the cell's own text start (worked out once per text). */
  private lineStarts(file: CellFile): number[] {
    let starts = this.bodies.get(file);
    if (!starts) this.bodies.set(file, (starts = lineStarts(file.body)));
    return starts;
  }

  private toFile(file: CellFile, at: CellPosition): number {
    return file.offset + offsetInFile(file, offsetAt(this.lineStarts(file), file.body.length, at));
  }

  /** A span of a cell file as positions in the cell; undefined when it lies outside the cell's text (the import or export line). */
  private toCell(file: CellFile, start: number, length: number): Omit<CellRange, 'cellIndex'> | undefined {
    if (start < file.offset || start > file.offset + file.length) return undefined;
    const starts = this.lineStarts(file);
    const a = positionAt(starts, offsetInCell(file, start - file.offset));
    const b = positionAt(starts, offsetInCell(file, Math.min(start + length, file.offset + file.length) - file.offset));
    return { line: a.line, character: a.character, endLine: b.line, endCharacter: b.character };
  }

  private category(c: TS.DiagnosticCategory): CellDiagnostic['category'] {
    const ts = this.ts;
    return c === ts.DiagnosticCategory.Error ? 'error' : c === ts.DiagnosticCategory.Warning ? 'warning' : c === ts.DiagnosticCategory.Suggestion ? 'suggestion' : 'message';
  }
}
