/**
 * Finding and loading a TensorFlow.js backend. `auto` takes the first that loads of
 * tensorflow-gpu, tensorflow, webgpu (on a hardware GPU only: see webgpu.ts), wasm, cpu. The native ones (tfjs-node, tfjs-node-gpu) are never
 * our dependencies: they are looked for where a user installed them.
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { BackendName, BackendReport, BackendStatus, GpuAdapter } from '../protocol';
import { AUTO_ORDER, BACKEND_PACKAGES, BACKENDS } from '../protocol';
import { registerOps } from './ops/register';
import { simdBuilt, simdSettingsError } from './simd';
import { registerThreadedWasm, threadedWasmFailure, threadedWasmPerKernel, wantedThreadMinFlops, wantedWasmThreads, wasmThreadsInUse } from './wasmThreads';
import type { Tfjs } from './tfjs';
import { registerFileIO } from './fileIO';
import { createTfNode } from './tfNode';
import { adapterLine, findAdapter, formatBytes, registerWebgpu, WebgpuUnavailable } from './webgpu';

export interface LoadedBackend {
  name: BackendName;
  tf: Tfjs;
  detail: string;
  skipped: BackendStatus[];
  /** webgpu: the GPU it runs on. */
  adapter?: GpuAdapter;
}

export interface BackendSearch {
  notebookDir: string;
  workspaceDir?: string;
  /** `BMNB_TFJS_NODE_PATH`: a folder holding node_modules, a node_modules folder, or the package itself. */
  extraPath?: string;
}

/** The backends whose package is looked for where the user installed it, never among bmnb's own dependencies. */
const NATIVE = new Set<BackendName>(['tensorflow-gpu', 'tensorflow']);

const INSTALL: Record<BackendName, string> = {
  'tensorflow-gpu':
    'run `npm install @tensorflow/tfjs-node-gpu` in the notebook\'s folder (Linux, CUDA 11.2 + cuDNN 8.1), or set BMNB_TFJS_NODE_PATH to where it is installed',
  tensorflow:
    'run `npm install @tensorflow/tfjs-node` in the notebook\'s folder, or set BMNB_TFJS_NODE_PATH to where it is installed',
  webgpu:
    'install your GPU\'s driver with Vulkan (Linux, Windows), Metal (macOS) or D3D12 (Windows); without a GPU, Mesa\'s lavapipe (mesa-vulkan-drivers 25 or newer) runs it in software, for checks only',
  wasm: 'reinstall bmnb: @tensorflow/tfjs-backend-wasm ships with it',
  cpu: 'reinstall bmnb: @tensorflow/tfjs ships with it',
};

/** The kernel's own require: resolves from the kernel's dependencies. */
const ownRequire = createRequire(__filename);

function searchDirs(search: BackendSearch): string[] {
  const dirs = [search.notebookDir];
  if (search.workspaceDir) dirs.push(search.workspaceDir);
  if (search.extraPath) {
    dirs.push(search.extraPath);
    if (!search.extraPath.endsWith('node_modules')) dirs.push(join(search.extraPath, 'node_modules'));
  }
  return dirs;
}

/** Where `pkg` resolves from the notebook's folder, the workspace or the extra path; undefined if nowhere. */
export function findPackage(pkg: string, search: BackendSearch): string | undefined {
  for (const dir of searchDirs(search)) {
    try {
      return createRequire(join(dir, '__bmnb__.js')).resolve(pkg);
    } catch {
      // look further
    }
    // `extraPath` may be node_modules itself: node_modules/<pkg>
    const direct = join(dir, pkg);
    if (dir.endsWith('node_modules') && existsSync(join(direct, 'package.json'))) {
      try {
        return ownRequire.resolve(direct);
      } catch {
        // not loadable
      }
    }
  }
  return undefined;
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n').find((l) => l.trim().length > 0)?.trim() ?? msg;
}

class BackendUnavailable extends Error {}

async function loadNative(name: BackendName, search: BackendSearch): Promise<{ tf: Tfjs; detail: string }> {
  const pkg = BACKEND_PACKAGES[name];
  const path = findPackage(pkg, search);
  if (!path) {
    throw new BackendUnavailable(
      `${pkg} is not installed where the notebook can see it (node_modules of ${searchDirs(search).join(', ')} and their parents)`,
    );
  }
  let tf: Tfjs;
  try {
    tf = ownRequire(path) as Tfjs;
  } catch (err) {
    throw new BackendUnavailable(`${pkg} is installed but failed to load: ${firstLine(err)}`);
  }
  if (!(await tf.setBackend('tensorflow'))) throw new BackendUnavailable(`${pkg} loaded but its backend did not start`);
  return { tf, detail: `${pkg} from ${path}` };
}

async function loadWebgpu(auto: boolean): Promise<{ tf: Tfjs; detail: string; adapter: GpuAdapter }> {
  const tf = ownRequire('@tensorflow/tfjs') as Tfjs;
  let found: Awaited<ReturnType<typeof findAdapter>>;
  try {
    found = await findAdapter();
  } catch (err) {
    if (err instanceof WebgpuUnavailable) throw new BackendUnavailable(err.message);
    throw err;
  }
  const { adapter, info } = found;
  if (auto && info.software) {
    throw new BackendUnavailable(
      `the only GPU adapter is ${info.name} (${info.vendor}), a software renderer slower than wasm; name --backend webgpu to use it anyway`,
    );
  }
  try {
    registerWebgpu(tf, adapter);
  } catch (err) {
    throw new BackendUnavailable(`@tensorflow/tfjs-backend-webgpu failed to load: ${firstLine(err)}`);
  }
  let started: boolean;
  try {
    started = await tf.setBackend('webgpu');
  } catch (err) {
    throw new BackendUnavailable(`the ${info.name} device did not start: ${firstLine(err)}`);
  }
  if (!started) throw new BackendUnavailable(`the ${info.name} device did not start (see the kernel log)`);
  return { tf, detail: adapterLine(info), adapter: info };
}

async function loadWasm(): Promise<{ tf: Tfjs; detail: string }> {
  const tf = ownRequire('@tensorflow/tfjs') as Tfjs;
  try {
    ownRequire('@tensorflow/tfjs-backend-wasm');
  } catch (err) {
    throw new BackendUnavailable(`@tensorflow/tfjs-backend-wasm failed to load: ${firstLine(err)}`);
  }
  registerOps(tf, 'wasm');
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const wanted = wantedWasmThreads();
  if (typeof wanted !== 'number') throw new BackendError(wanted.error, []);
  const minFlops = wantedThreadMinFlops();
  if (typeof minFlops !== 'number') throw new BackendError(minFlops.error, []);
  const simdError = simdSettingsError();
  if (simdError) throw new BackendError(simdError, []);
  let why = '';
  if (wanted > 1 && tf.findBackend('wasm') == null) {
    if (!simd) why = '; threads need SIMD, which this runtime lacks';
    else {
      try {
        registerThreadedWasm(tf, wanted, minFlops);
      } catch (err) {
        why = `; threads unavailable: ${firstLine(err)}`;
      }
    }
  }
  if (!(await tf.setBackend('wasm'))) throw new BackendUnavailable('the wasm backend did not start');
  const failure = threadedWasmFailure();
  if (failure) why = `; the threaded build failed to start: ${failure}`;
  const threads = Math.max(1, wasmThreadsInUse());
  if (threads > 1 && !failure) {
    const { minFlops: from, failure: noSwitch } = threadedWasmPerKernel();
    if (from !== undefined) why = ` for kernels of ${from / 1e6}+ MFLOP, 1 for smaller ones`;
    else if (noSwitch) why = ` for every kernel (${noSwitch})`;
  }
  return { tf, detail: `${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'}${why}` };
}

async function loadCpu(): Promise<{ tf: Tfjs; detail: string }> {
  const tf = ownRequire('@tensorflow/tfjs') as Tfjs;
  registerOps(tf, 'cpu');
  if (!(await tf.setBackend('cpu'))) throw new BackendUnavailable('the cpu backend did not start');
  return { tf, detail: 'plain JavaScript (slow: for checks, not training)' };
}

async function loadOne(name: BackendName, search: BackendSearch, auto: boolean): Promise<{ tf: Tfjs; detail: string; adapter?: GpuAdapter }> {
  switch (name) {
    case 'tensorflow-gpu':
    case 'tensorflow':
      return loadNative(name, search);
    case 'webgpu':
      return loadWebgpu(auto);
    case 'wasm':
      return loadWasm();
    case 'cpu':
      return loadCpu();
  }
}

/** An error for a named backend that cannot load: says why, what is available and how to install the rest. */
export class BackendError extends Error {
  constructor(
    message: string,
    /** Every backend: whether it could load here, and how to install it. */
    readonly statuses: BackendStatus[],
    /** The backends tried, each with why it did not load. */
    readonly tried: BackendStatus[] = [],
  ) {
    super(message);
    this.name = 'BackendError';
  }
}

/** Whether each backend could load here, without changing anything (natives are only located, not loaded). */
export function probeBackends(search: BackendSearch): BackendStatus[] {
  return BACKENDS.map((name): BackendStatus => {
    const pkg = BACKEND_PACKAGES[name];
    if (NATIVE.has(name)) {
      const path = findPackage(pkg, search);
      return path
        ? { name, available: true, detail: `${pkg} found at ${path}` }
        : { name, available: false, detail: `${pkg} is not installed`, install: INSTALL[name] };
    }
    if (name === 'webgpu') return { name, available: true, detail: 'WebGPU through Dawn (listBackends looks for the adapter)' };
    try {
      ownRequire.resolve(name === 'wasm' ? '@tensorflow/tfjs-backend-wasm' : '@tensorflow/tfjs');
      return { name, available: true, detail: name === 'wasm' ? 'WebAssembly (SIMD)' : 'plain JavaScript' };
    } catch {
      return { name, available: false, detail: 'missing from the installation', install: INSTALL[name] };
    }
  });
}

/** {@link probeBackends}, with the GPU adapter webgpu would run on (Dawn is loaded to ask for it). */
export async function listBackends(search: BackendSearch): Promise<BackendStatus[]> {
  let webgpu: BackendStatus;
  try {
    const { info } = await findAdapter();
    webgpu = { name: 'webgpu', available: true, detail: `${adapterLine(info)}${info.software ? ' — software: auto skips it' : ''}` };
  } catch (err) {
    webgpu = { name: 'webgpu', available: false, detail: firstLine(err), install: INSTALL.webgpu };
  }
  return probeBackends(search).map((s) => (s.name === 'webgpu' ? webgpu : s));
}

/**
 * Loads `requested` (or, for `auto`, the first of tensorflow-gpu, tensorflow, webgpu on a
 * hardware adapter, wasm, cpu that loads) and returns its tfjs instance, with one line per skipped backend on why.
 */
export async function loadBackend(requested: BackendName | 'auto', search: BackendSearch): Promise<LoadedBackend> {
  const order = requested === 'auto' ? AUTO_ORDER : [requested];
  const skipped: BackendStatus[] = [];
  for (const name of order) {
    try {
      const { tf, detail, adapter } = await loadOne(name, search, requested === 'auto');
      // Code written for tfjs-node runs: file:// models, and tf.node (tfjs-node's own when it is the backend).
      registerFileIO(tf, search.notebookDir);
      const withNode = tf as Tfjs & { node?: unknown };
      if (withNode.node === undefined) withNode.node = createTfNode(tf, { notebookDir: search.notebookDir });
      return { name, tf, detail, skipped, ...(adapter ? { adapter } : {}) };
    } catch (err) {
      if (!(err instanceof BackendUnavailable)) throw err;
      skipped.push({ name, available: false, detail: err.message, install: INSTALL[name] });
    }
  }
  const statuses = probeBackends(search);
  const available = statuses.filter((s) => s.available).map((s) => s.name);
  const why = skipped.map((s) => `${s.name}: ${s.detail}`).join('; ');
  const howTo = statuses
    .filter((s) => !s.available)
    .map((s) => `  ${s.name}: ${s.install}`)
    .join('\n');
  throw new BackendError(
    `Backend '${requested}' cannot load here (${why}).\n` +
      `Available: ${available.join(', ') || 'none'}. Choose one of those with --backend (or the bmnb.backend setting), or install:\n${howTo}`,
    statuses,
    skipped,
  );
}

/** The package.json of `pkg` above a file it resolved to. */
function packageJsonAbove(file: string, pkg: string): { dir: string; version?: string } | undefined {
  let dir = dirname(file);
  for (;;) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) {
      try {
        const json = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
        if (json.name === pkg) return { dir, version: json.version };
      } catch {
        // keep looking
      }
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/**
 * Loads `name` as a session would and reports on it: the package, its version and where it is,
 * and either facts about the running backend or why it does not load and how to install it. Meant
 * for a process of its own (a native backend stays loaded).
 */
export async function probeBackend(name: BackendName, search: BackendSearch): Promise<BackendReport> {
  const pkg = BACKEND_PACKAGES[name];
  const report: BackendReport = { name, loads: false, package: pkg, facts: {} };
  let resolved: string | undefined;
  if (NATIVE.has(name)) resolved = findPackage(pkg, search);
  else {
    try {
      resolved = ownRequire.resolve(pkg);
    } catch {
      resolved = undefined;
    }
  }
  if (resolved) {
    const found = packageJsonAbove(resolved, pkg);
    report.path = found?.dir ?? resolved;
    report.version = found?.version;
  }
  try {
    const loaded = await loadBackend(name, search);
    const tf = loaded.tf as unknown as {
      version?: Record<string, string>;
      env(): { getAsync(flag: string): Promise<unknown> };
      node?: { isUsingGpuDevice?: () => boolean };
    };
    report.loads = true;
    report.tfjsCore = tf.version?.['tfjs-core'];
    report.facts.detail = loaded.detail;
    if (name === 'wasm') {
      report.facts.simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
      report.facts.threads = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
      report.facts['bmnb SIMD kernels'] = simdBuilt() ? 'built' : 'not built (no clang when bmnb was built: bash scripts/simd-setup.sh, then npm run build)';
    }
    if (loaded.adapter) {
      const a = loaded.adapter;
      Object.assign(report.facts, {
        adapter: a.name,
        vendor: a.vendor,
        kind: a.software ? 'software' : 'hardware',
        ...(a.driver ? { driver: a.driver } : {}),
        'largest buffer': formatBytes(a.limits.maxBufferSize),
        'largest tensor (storage binding)': formatBytes(a.limits.maxStorageBufferBindingSize),
        ...(a.software ? { auto: 'skips it (software)' } : {}),
      });
    }
    if (NATIVE.has(name)) {
      const using = tf.node?.isUsingGpuDevice?.();
      if (typeof using === 'boolean') report.facts.gpuInUse = using;
    }
  } catch (err) {
    if (err instanceof BackendError) {
      const why = err.tried.find((s) => s.name === name);
      report.error = why?.detail ?? firstLine(err);
      report.install = err.statuses.find((s) => s.name === name)?.install ?? why?.install;
    } else {
      report.error = `failed while starting: ${firstLine(err)}`;
    }
  }
  return report;
}
