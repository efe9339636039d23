/**
 * bmnb's Jupyter kernelspec: `bmnb jupyter install | uninstall | list`. A kernelspec is a folder
 * `kernels/<name>/` under a Jupyter data directory holding `kernel.json` (how to start the kernel:
 * absolute paths to Node and to dist/jupyterKernel.js), and logos. Where it goes follows Jupyter:
 * `--user` (the default: $JUPYTER_DATA_DIR, else the platform's user data dir), `--sys-prefix` (the
 * Python environment Jupyter runs in: <sys.prefix>/share/jupyter), `--prefix DIR`
 * (DIR/share/jupyter). `list` also reads $JUPYTER_PATH and the system directories.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import { BACKENDS, type BackendName } from '../protocol';

export class KernelspecError extends Error {}

export type Place = { kind: 'user' } | { kind: 'sys-prefix' } | { kind: 'prefix'; dir: string };

export interface InstallOptions {
  place: Place;
  name: string;
  displayName: string;
  /** Written into the spec's env as BMNB_BACKEND (default: auto, left out). */
  backend?: BackendName | 'auto';
  force: boolean;
  /** Absolute path of dist/jupyterKernel.js. */
  kernelEntry: string;
  /** The Node that runs it (default: this process's). */
  nodePath?: string;
  env?: NodeJS.ProcessEnv;
}

/** Jupyter's user data directory, as jupyter_core computes it. */
export function userDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.JUPYTER_DATA_DIR) return resolve(env.JUPYTER_DATA_DIR);
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Jupyter');
  if (process.platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'jupyter');
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'jupyter');
}

/** The Python prefix Jupyter runs in (from the `jupyter` command's own interpreter, else python3). */
function sysPrefix(env: NodeJS.ProcessEnv): string {
  for (const python of [env.PYTHON, 'python3', 'python'].filter(Boolean) as string[]) {
    const r = spawnSync(python, ['-c', 'import sys; print(sys.prefix)'], { encoding: 'utf8', env });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  throw new KernelspecError('--sys-prefix needs the Python that runs Jupyter (python3 on PATH, or $PYTHON): none was found. Use --user or --prefix DIR instead.');
}

/** The `kernels` folder a place means. */
export function kernelsDir(place: Place, env: NodeJS.ProcessEnv = process.env): string {
  switch (place.kind) {
    case 'user':
      return join(userDataDir(env), 'kernels');
    case 'sys-prefix':
      return join(sysPrefix(env), 'share', 'jupyter', 'kernels');
    case 'prefix':
      return join(resolve(place.dir), 'share', 'jupyter', 'kernels');
  }
}

/** Every folder Jupyter looks in for kernelspecs, in its order. */
export function searchDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs = [
    ...(env.JUPYTER_PATH ?? '').split(delimiter).filter(Boolean).map((d) => resolve(d)),
    userDataDir(env),
    ...(process.platform === 'win32' ? [join(env.PROGRAMDATA ?? 'C:\\ProgramData', 'jupyter')] : ['/usr/local/share/jupyter', '/usr/share/jupyter']),
  ];
  return [...new Set(dirs)].map((d) => join(d, 'kernels'));
}

/** A square logo: a 4×4 grid of tensor cells in bmnb's orange and blue. */
export function logoPng(size: number): Buffer {
  const png = new PNG({ width: size, height: size });
  const cell = size / 4;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 4;
      const cx = Math.floor(x / cell);
      const cy = Math.floor(y / cell);
      const gap = x % cell < 1 || y % cell < 1;
      const warm = (cx + cy) % 2 === 0;
      const shade = 1 - ((cx + cy * 4) / 16) * 0.45;
      png.data[i] = gap ? 255 : Math.round((warm ? 255 : 49) * shade);
      png.data[i + 1] = gap ? 255 : Math.round((warm ? 143 : 120) * shade);
      png.data[i + 2] = gap ? 255 : Math.round((warm ? 0 : 198) * shade);
      png.data[i + 3] = gap ? 0 : 255;
    }
  }
  return PNG.sync.write(png);
}

export interface KernelJson {
  argv: string[];
  display_name: string;
  language: string;
  interrupt_mode: 'message' | 'signal';
  env?: Record<string, string>;
  metadata?: Record<string, unknown>;
}

export function kernelJson(o: Pick<InstallOptions, 'displayName' | 'backend' | 'kernelEntry' | 'nodePath'>): KernelJson {
  return {
    argv: [o.nodePath ?? process.execPath, o.kernelEntry, '-f', '{connection_file}'],
    display_name: o.displayName,
    language: 'typescript',
    interrupt_mode: 'message',
    ...(o.backend && o.backend !== 'auto' ? { env: { BMNB_BACKEND: o.backend } } : {}),
    metadata: { bmnb: { kernel: 'bmnb' } },
  };
}

/** Writes the kernelspec; returns its folder. */
export function install(o: InstallOptions): string {
  if (!/^[A-Za-z0-9._-]+$/.test(o.name)) throw new KernelspecError(`--name '${o.name}': a kernelspec name may hold letters, digits, '.', '_' and '-' only`);
  if (o.backend && o.backend !== 'auto' && !BACKENDS.includes(o.backend)) throw new KernelspecError(`unknown backend '${o.backend}'; valid backends: auto, ${BACKENDS.join(', ')}`);
  if (!existsSync(o.kernelEntry)) throw new KernelspecError(`${o.kernelEntry} is missing: build bmnb first (npm run build)`);
  const parent = kernelsDir(o.place, o.env);
  const dir = join(parent, o.name);
  if (existsSync(dir) && !o.force) throw new KernelspecError(`a kernelspec '${o.name}' already exists at ${dir}; pass --force to replace it, or --name to install beside it`);
  try {
    mkdirSync(parent, { recursive: true });
    accessSync(parent, constants.W_OK);
  } catch (err) {
    throw new KernelspecError(`cannot write Jupyter's kernels folder ${parent} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); install with --user, or --prefix DIR for a folder you can write`);
  }
  // Written beside, then moved into place: a failed install leaves no half spec.
  const staging = join(parent, `.${o.name}.bmnb-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging);
  writeFileSync(join(staging, 'kernel.json'), `${JSON.stringify(kernelJson(o), null, 2)}\n`);
  writeFileSync(join(staging, 'logo-32x32.png'), logoPng(32));
  writeFileSync(join(staging, 'logo-64x64.png'), logoPng(64));
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  return dir;
}

export interface InstalledSpec {
  name: string;
  dir: string;
  displayName: string;
  /** BMNB_BACKEND of the spec, or auto. */
  backend: string;
  /** Whether the Node and the kernel entry it names still exist. */
  ok: boolean;
}

/** bmnb's kernelspecs in every folder Jupyter searches (the first of a name wins, as in Jupyter). */
export function list(env: NodeJS.ProcessEnv = process.env): InstalledSpec[] {
  const seen = new Set<string>();
  const out: InstalledSpec[] = [];
  for (const parent of searchDirs(env)) {
    let names: string[];
    try {
      names = readdirSync(parent);
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      if (seen.has(name)) continue;
      let spec: KernelJson;
      try {
        spec = JSON.parse(readFileSync(join(parent, name, 'kernel.json'), 'utf8')) as KernelJson;
      } catch {
        continue;
      }
      seen.add(name);
      if (!(spec.metadata as { bmnb?: unknown } | undefined)?.bmnb) continue;
      out.push({
        name,
        dir: join(parent, name),
        displayName: spec.display_name,
        backend: spec.env?.BMNB_BACKEND ?? 'auto',
        ok: existsSync(spec.argv[0] ?? '') && existsSync(spec.argv[1] ?? ''),
      });
    }
  }
  return out;
}

/** Removes bmnb's kernelspec `name` from a place; returns its folder. */
export function uninstall(place: Place, name: string, env: NodeJS.ProcessEnv = process.env): string {
  const dir = join(kernelsDir(place, env), name);
  const file = join(dir, 'kernel.json');
  if (!existsSync(file)) throw new KernelspecError(`no kernelspec '${name}' at ${dirname(file)}; \`bmnb jupyter list\` shows where bmnb's are`);
  let spec: KernelJson;
  try {
    spec = JSON.parse(readFileSync(file, 'utf8')) as KernelJson;
  } catch {
    throw new KernelspecError(`${file} is not valid JSON: not removing a kernelspec bmnb cannot read`);
  }
  if (!(spec.metadata as { bmnb?: unknown } | undefined)?.bmnb) throw new KernelspecError(`the kernelspec '${name}' at ${dir} is not bmnb's: not removing it`);
  rmSync(dir, { recursive: true, force: true });
  return dir;
}
