/**
 * Turns a cell's TypeScript or JavaScript into a function the session can run again and again:
 *
 * - types are stripped by esbuild (imports are kept even when a cell does not use them, since a
 *   later cell may);
 * - top-level `const`/`let`/`var`/`function`/`class` become bindings of the session's scope
 *   object, so later cells see them and re-running a cell that declares `const x` rebinds `x`;
 * - `import` declarations become calls to the session's module loader;
 * - top-level `await` works (the cell is an async function);
 * - every `await` is routed through the session so an interrupt can end the wait;
 * - the last expression statement is the cell's result.
 *
 * A source map from the generated code back to the cell's own source comes with the code, so
 * stack frames can name the cell's lines and columns.
 */
import { transformSync, type Message } from 'esbuild';
import { parse, type Node } from 'acorn';
import { LEAST_UPPER_BOUND, TraceMap, originalPositionFor } from '@jridgewell/trace-mapping';
import MagicString from 'magic-string';
import remapping from '@ampproject/remapping';
import type { CellLanguageId } from '../protocol';

/** Name of the wrapper function's parameter: the session's hooks for the generated code. */
export const HOOKS = '__bmnb_k';

export interface TranspiledCell {
  /** A function expression: `(async function (hooks) { with (hooks.scope) { … } })`. */
  code: string;
  /** Source map (v3, JSON) from `code` to the cell's source. */
  map: string;
  /** Names the cell binds at top level; the session must define them on its scope first. */
  declared: string[];
  /**
   * The names bound by top-level `const`/`let`/`var` (destructuring included), each with the
   * 0-based line of its identifier in the cell's own source: where a tensor binding is declared.
   */
  bindings: { name: string; line: number }[];
}

/** A syntax error in a cell, with its position in the cell's own source (1-based line and column). */
export class CellSyntaxError extends SyntaxError {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
    this.name = 'SyntaxError';
  }
}

interface AnyNode extends Node {
  [key: string]: unknown;
}

function isNode(value: unknown): value is AnyNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/** Visits every node below `node` (not `node` itself), parents before children. */
function walk(node: AnyNode, visit: (n: AnyNode) => void): void {
  for (const key of Object.keys(node)) {
    if (key === 'type' || key === 'start' || key === 'end') continue;
    const value = node[key];
    if (Array.isArray(value)) {
      for (const child of value) {
        if (isNode(child)) {
          visit(child);
          walk(child, visit);
        }
      }
    } else if (isNode(value)) {
      visit(value);
      walk(value, visit);
    }
  }
}

/** Identifiers bound by a declaration pattern (`x`, `{ a, b: [c] }`, `...rest`, `d = 1`). */
function patternIdentifiers(pattern: AnyNode, out: AnyNode[]): void {
  switch (pattern.type) {
    case 'Identifier':
      out.push(pattern);
      break;
    case 'ObjectPattern':
      for (const p of pattern.properties as AnyNode[]) {
        patternIdentifiers(p.type === 'RestElement' ? (p.argument as AnyNode) : (p.value as AnyNode), out);
      }
      break;
    case 'ArrayPattern':
      for (const e of pattern.elements as (AnyNode | null)[]) if (e) patternIdentifiers(e, out);
      break;
    case 'RestElement':
      patternIdentifiers(pattern.argument as AnyNode, out);
      break;
    case 'AssignmentPattern':
      patternIdentifiers(pattern.left as AnyNode, out);
      break;
  }
}

/** Where a node of esbuild's output starts in the cell's own source (0-based line), through esbuild's map. */
function sourceLine(map: TraceMap, node: AnyNode): number {
  const loc = node.loc as { start: { line: number; column: number } } | undefined;
  if (!loc) return 0;
  const pos = originalPositionFor(map, { line: loc.start.line, column: loc.start.column });
  if (pos.line !== null) return pos.line - 1;
  // Nothing mapped at or before that column: the nearest mapping after it on the line.
  const after = originalPositionFor(map, { line: loc.start.line, column: loc.start.column, bias: LEAST_UPPER_BOUND });
  return after.line !== null ? after.line - 1 : loc.start.line - 1;
}

function esbuildError(errors: Message[], source: string): CellSyntaxError {
  const first = errors[0];
  const loc = first?.location;
  const line = loc?.line ?? 1;
  const lineText = source.split('\n')[line - 1] ?? '';
  // esbuild counts the column in UTF-8 bytes; a person counts characters.
  const column = Buffer.from(lineText).subarray(0, loc?.column ?? 0).toString('utf8').length + 1;
  const caret = `${lineText}\n${' '.repeat(Math.max(0, column - 1))}^`;
  return new CellSyntaxError(`${first?.text ?? 'invalid syntax'} (line ${line}, column ${column})\n${caret}`, line, column);
}

/** Cells transpiled lately, most recent last: re-running a cell unchanged skips esbuild. */
const recent = new Map<string, Readonly<TranspiledCell>>();
const RECENT_CELLS = 64;

/**
 * Transpiles one cell. Throws {@link CellSyntaxError} for code that does not parse. The result is
 * a pure function of the arguments and is remembered for the last {@link RECENT_CELLS} cells:
 * esbuild runs in a process of its own, and its round trip (0.8-1.3 ms on a 2-vCPU machine) is
 * most of a trivial cell's time.
 *
 * @example
 * const t = transpileCell('const x: number = 1;\nx + 1', 'typescript', 'cell 1');
 * // t.declared is ['x']; running t.code's function returns 2.
 */
export function transpileCell(source: string, language: CellLanguageId, label: string): Readonly<TranspiledCell> {
  const key = `${language}\0${label}\0${source}`;
  const known = recent.get(key);
  if (known) {
    recent.delete(key);
    recent.set(key, known);
    return known;
  }
  const cell = Object.freeze(transpileUncached(source, language, label));
  Object.freeze(cell.declared);
  Object.freeze(cell.bindings);
  recent.set(key, cell);
  if (recent.size > RECENT_CELLS) recent.delete(recent.keys().next().value as string);
  return cell;
}

function transpileUncached(source: string, language: CellLanguageId, label: string): TranspiledCell {
  let js: string;
  let jsMap: string;
  try {
    const out = transformSync(source, {
      loader: language === 'typescript' ? 'ts' : 'js',
      format: 'esm',
      target: 'es2022',
      sourcemap: 'external',
      sourcefile: label,
      sourcesContent: false,
      // Keep every import: a cell often imports what only later cells use.
      tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
      logLevel: 'silent',
    });
    js = out.code;
    jsMap = out.map;
  } catch (err) {
    const errors = (err as { errors?: Message[] }).errors;
    if (errors?.length) throw esbuildError(errors, source);
    throw err;
  }

  let program: AnyNode;
  try {
    program = parse(js, {
      ecmaVersion: 'latest',
      sourceType: 'module',
      allowAwaitOutsideFunction: true,
      allowHashBang: true,
      locations: true,
    }) as unknown as AnyNode;
  } catch (err) {
    // esbuild accepted it, so this is rare (syntax acorn does not know yet).
    throw new CellSyntaxError(`cannot parse the cell: ${(err as Error).message}`, 1, 1);
  }

  const s = new MagicString(js);
  const declared: string[] = [];
  const bindings: { name: string; line: number }[] = [];
  let esbuildMap: TraceMap | undefined;
  const hoisted: string[] = [];
  const body = program.body as AnyNode[];
  let importCount = 0;

  const rewriteDeclaration = (decl: AnyNode, start: number) => {
    if (decl.type === 'VariableDeclaration') {
      const declarators = decl.declarations as AnyNode[];
      const ids: AnyNode[] = [];
      for (const d of declarators) patternIdentifiers(d.id as AnyNode, ids);
      esbuildMap ??= new TraceMap(jsMap);
      for (const id of ids) {
        declared.push(id.name as string);
        bindings.push({ name: id.name as string, line: sourceLine(esbuildMap, id) });
      }
      // `const a = 1, { b } = o;` -> `;(a = 1, { b } = o);`
      s.overwrite(start, declarators[0]!.start, ';(');
      for (const d of declarators) {
        if (!d.init && decl.kind !== 'var') s.appendLeft(d.end, ' = void 0');
      }
      s.appendLeft(declarators[declarators.length - 1]!.end, ')');
    } else if (decl.type === 'FunctionDeclaration') {
      const name = (decl.id as AnyNode).name as string;
      declared.push(name);
      hoisted.push(name);
      if (start !== decl.start) s.remove(start, decl.start);
    } else if (decl.type === 'ClassDeclaration') {
      const name = (decl.id as AnyNode).name as string;
      declared.push(name);
      if (start !== decl.start) s.remove(start, decl.start);
      s.prependRight(decl.start, `${name} = `);
      s.appendLeft(decl.end, ';');
    }
  };

  for (const stmt of body) {
    switch (stmt.type) {
      case 'ImportDeclaration': {
        const spec = JSON.stringify((stmt.source as AnyNode).value);
        const specifiers = stmt.specifiers as AnyNode[];
        if (specifiers.length === 0) {
          s.overwrite(stmt.start, stmt.end, `await ${HOOKS}.import(${spec});`);
          break;
        }
        const tmp = `__bmnb_import${importCount++}`;
        const parts = [`var ${tmp} = await ${HOOKS}.import(${spec});`];
        for (const sp of specifiers) {
          const local = (sp.local as AnyNode).name as string;
          declared.push(local);
          if (sp.type === 'ImportDefaultSpecifier') parts.push(`${local} = ${HOOKS}.importDefault(${tmp});`);
          else if (sp.type === 'ImportNamespaceSpecifier') parts.push(`${local} = ${tmp};`);
          else {
            const imported = sp.imported as AnyNode;
            const name = imported.type === 'Identifier' ? (imported.name as string) : String(imported.value);
            parts.push(`${local} = ${HOOKS}.importNamed(${tmp}, ${JSON.stringify(name)}, ${spec});`);
          }
        }
        s.overwrite(stmt.start, stmt.end, parts.join(' '));
        break;
      }
      case 'ExportNamedDeclaration':
        if (stmt.declaration) rewriteDeclaration(stmt.declaration as AnyNode, stmt.start);
        else s.remove(stmt.start, stmt.end);
        break;
      case 'ExportDefaultDeclaration':
        s.remove(stmt.start, (stmt.declaration as AnyNode).start);
        if ((stmt.declaration as AnyNode).type.endsWith('Declaration') && (stmt.declaration as AnyNode).id) {
          rewriteDeclaration(stmt.declaration as AnyNode, (stmt.declaration as AnyNode).start);
        }
        break;
      case 'ExportAllDeclaration':
        s.remove(stmt.start, stmt.end);
        break;
      case 'VariableDeclaration':
      case 'FunctionDeclaration':
      case 'ClassDeclaration':
        rewriteDeclaration(stmt, stmt.start);
        break;
    }
  }

  // Route every await through the session, so an interrupt ends the wait where it is.
  walk(program, (n) => {
    if (n.type === 'AwaitExpression') {
      const arg = n.argument as AnyNode;
      s.prependRight(arg.start, `${HOOKS}.wait(`);
      s.appendLeft(arg.end, ')');
    } else if (n.type === 'ImportExpression') {
      // contentOnly: keep what was inserted at the same place (the `wait(` of `await import(…)`).
      s.overwrite(n.start, (n.source as AnyNode).start, `${HOOKS}.import(`, { contentOnly: true });
    }
  });

  // The last expression statement is the cell's value.
  // (esbuild moves `export` lists to the end; they are removed above and are not the value.)
  const valued = body.filter((n) => !(n.type === 'ExportNamedDeclaration' && !n.declaration) && n.type !== 'ExportAllDeclaration');
  const last = valued[valued.length - 1];
  if (last && last.type === 'ExpressionStatement') {
    // From the statement's start: an expression in parentheses (`({ a: 1 })`) starts after them.
    const expr = last.expression as AnyNode;
    s.prependRight(last.start, 'return (');
    s.appendLeft(expr.end, ')');
  }

  const hoist = hoisted.map((name) => `${HOOKS}.scope.${name} = ${name};`).join(' ');
  s.prepend(`(async function (${HOOKS}) { with (${HOOKS}.scope) { ${hoist}\n`);
  s.append(`\n}})`);

  const ownMap = s.generateMap({ hires: true, source: label, includeContent: false });
  const composed = remapping([ownMap.toString(), jsMap], () => null);
  return { code: s.toString(), map: composed.toString(), declared: [...new Set(declared)], bindings };
}
