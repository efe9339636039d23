/**
 * How cells (and the notebook's own .js/.ts files) find modules:
 * - every TensorFlow.js package name gives the session's one tfjs instance;
 * - `bmnb` gives the kernel's helpers for cells;
 * - other modules resolve from the notebook's folder first, then from the kernel's own dependencies;
 * - the notebook folder's own `.ts` files, and `.js` files that use `import`/`export` (alone or
 *   mixed with `require`, as babel-node runs them), are transpiled by esbuild when required, and
 *   are loaded afresh by each cell that imports them, so edits take effect on the next run.
 */
import Module, { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { transformSync } from 'esbuild';
import { TFJS_PACKAGE_NAMES } from '../protocol';

/** A tfjs package name, or a file of one (`@tensorflow/tfjs-core/dist/…`): the session's tfjs. */
const isTfjs = (request: string) => TFJS_PACKAGE_NAMES.test(request.replace(/\/dist\/.*$/, ''));

/** A real dynamic import (esbuild would turn `import()` into `require` in our CommonJS bundle). */
const dynamicImport = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<unknown>;

type ModuleInternals = typeof Module & {
  _load(request: string, parent: unknown, isMain: boolean): unknown;
  _resolveFilename(request: string, parent: { filename?: string | null } | undefined, ...rest: unknown[]): string;
  _extensions: Record<string, (module: { _compile(code: string, filename: string): void }, filename: string) => void>;
};

const M = Module as ModuleInternals;
const ownRequire = createRequire(__filename);

function isRelative(spec: string): boolean {
  return spec.startsWith('./') || spec.startsWith('../') || spec === '.' || spec === '..' || isAbsolute(spec);
}

export interface ModuleLoaderOptions {
  notebookDir: string;
  tf: unknown;
  /** The `bmnb` module cells import. */
  helpers: unknown;
}

/** Loads modules for cells. One per session; installs its hooks into Node's module loader once. */
export class ModuleLoader {
  private readonly cellRequire: NodeJS.Require;
  private readonly notebookDir: string;

  constructor(private readonly options: ModuleLoaderOptions) {
    this.notebookDir = resolve(options.notebookDir);
    this.cellRequire = createRequire(join(this.notebookDir, '__bmnb_cell__.js'));
    installHooks(this);
  }

  /** The module a request names, when it is one we answer ourselves. */
  special(request: string, parentFile: string | undefined): { value: unknown } | undefined {
    // tfjs's own files must keep requiring each other as they are.
    if (parentFile && parentFile.includes(`${sep}@tensorflow${sep}`)) return undefined;
    if (isTfjs(request)) return { value: this.options.tf };
    if (request === 'bmnb') return { value: this.options.helpers };
    return undefined;
  }

  /** Whether a file belongs to the notebook's own code (not a dependency). */
  isNotebookFile(file: string): boolean {
    return file.startsWith(this.notebookDir + sep) && !file.includes(`${sep}node_modules${sep}`);
  }

  /** `require` as cells see it. */
  require = (spec: string): unknown => {
    const special = this.special(spec, undefined);
    if (special) return special.value;
    return this.cellRequire(spec);
  };

  /** What `import … from spec` (and `import(spec)`) gives a cell. */
  async import(spec: string): Promise<unknown> {
    const special = this.special(spec, undefined);
    if (special) return special.value;
    if (isRelative(spec)) this.forgetNotebookFiles();
    let resolved: string;
    try {
      resolved = this.cellRequire.resolve(spec);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' || (err as NodeJS.ErrnoException).code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') {
        // ESM-only packages have no `require` entry: let Node's ESM resolver try from the notebook's folder.
        try {
          return await dynamicImport(new URL(spec, pathToFileURL(join(this.notebookDir, '__bmnb_cell__.mjs'))).href);
        } catch {
          throw notFound(spec, this.notebookDir);
        }
      }
      throw err;
    }
    if (resolved.endsWith('.mjs')) return dynamicImport(pathToFileURL(resolved).href);
    try {
      return this.cellRequire(resolved);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_REQUIRE_ESM') return dynamicImport(pathToFileURL(resolved).href);
      throw err;
    }
  }

  /** Drops the notebook's own files from Node's cache so an edited helper file is read again. */
  private forgetNotebookFiles(): void {
    for (const key of Object.keys(ownRequire.cache)) {
      if (this.isNotebookFile(key)) delete ownRequire.cache[key];
    }
  }
}

function notFound(spec: string, dir: string): Error {
  const err = new Error(
    `Cannot find module '${spec}' from the notebook's folder (${dir}) or bmnb's own modules.` +
      (isRelative(spec) ? ' Check the path: it is relative to the notebook file.' : ` Install it with \`npm install ${spec}\` in ${dir}.`),
  );
  (err as NodeJS.ErrnoException).code = 'MODULE_NOT_FOUND';
  return err;
}

let hooked: ModuleLoader | undefined;

function installHooks(loader: ModuleLoader): void {
  const first = hooked === undefined;
  hooked = loader;
  if (!first) return;

  const originalLoad = M._load;
  M._load = function (request: string, parent: unknown, isMain: boolean) {
    const parentFile = (parent as { filename?: string } | undefined)?.filename ?? undefined;
    const special = hooked?.special(request, parentFile);
    if (special) return special.value;
    return originalLoad.call(this, request, parent, isMain);
  };

  // The notebook's own files may import what only the kernel has installed (tfjs is handled above).
  const originalResolve = M._resolveFilename;
  M._resolveFilename = function (request: string, parent, ...rest: unknown[]) {
    try {
      return originalResolve.call(this, request, parent, ...rest);
    } catch (err) {
      const fromNotebook = parent?.filename && (hooked?.isNotebookFile(parent.filename) || parent.filename.endsWith('__bmnb_cell__.js'));
      if (fromNotebook && !isRelative(request)) {
        try {
          return ownRequire.resolve(request);
        } catch {
          throw notFound(request, hooked ? (hooked as unknown as { notebookDir: string }).notebookDir : '');
        }
      }
      throw err;
    }
  };

  // The notebook's own JavaScript files written as babel-node runs them (tfjs-examples' programs):
  // \`import\`/\`export\` mixed with \`require\`. esbuild makes them CommonJS; plain CommonJS files,
  // dependencies, and ES modules esbuild cannot make CommonJS (top-level await) load as Node loads them.
  const originalJs = M._extensions['.js']!;
  M._extensions['.js'] = (module, filename) => {
    if (!hooked?.isNotebookFile(filename)) return originalJs(module, filename);
    const source = readFileSync(filename, 'utf8');
    if (!/^\s*(import|export)\b/m.test(source)) return originalJs(module, filename);
    let code: string;
    try {
      code = transformSync(source, { loader: 'js', format: 'cjs', target: 'es2022', sourcemap: 'inline', sourcefile: filename, logLevel: 'silent' }).code;
    } catch {
      return originalJs(module, filename);
    }
    module._compile(code, filename);
  };

  // The notebook's own TypeScript files: types stripped by esbuild, CommonJS, inline source map.
  M._extensions['.ts'] = (module, filename) => {
    const source = readFileSync(filename, 'utf8');
    const out = transformSync(source, {
      loader: 'ts',
      format: 'cjs',
      target: 'es2022',
      sourcemap: 'inline',
      sourcefile: filename,
      logLevel: 'silent',
    });
    module._compile(out.code, filename);
  };
}
