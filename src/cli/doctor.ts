/**
 * `bmnb doctor [--json]`: which TensorFlow.js backends load here, their versions and where they
 * were found, why the others do not and how to install them, the CUDA/cuDNN libraries that
 * tfjs-node-gpu needs, the Node version, the CPU and which backend `auto` would pick.
 *
 * Each backend is loaded in its own child process (`node dist/cli.js __doctor-probe <name>`), so
 * a native backend never loads into the CLI (or extension host) process, one that crashes cannot
 * take the others down, and each starts from a clean tfjs.
 *
 * @example
 * // bmnb doctor --json | jq '.auto'
 * const report = await runDoctor({ cliPath: 'dist/cli.js', dir: process.cwd() });
 * formatDoctor(report); // 'bmnb doctor …\n  ✔ wasm 4.22.0 …'
 */
import { execFile, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, arch, platform, release } from 'node:os';
import { dirname, join } from 'node:path';
import { AUTO_ORDER, BACKENDS, type BackendName } from '../protocol';

/** What one backend's probe found. */
export interface BackendReport {
  name: BackendName;
  loads: boolean;
  /** The package that provides it and its version (from its package.json). */
  package?: string;
  version?: string;
  /** tfjs-core's version as the backend sees it. */
  tfjsCore?: string;
  /** Where the package was found. */
  path?: string;
  /** Extra facts: wasm SIMD/threads, tensorflow-gpu GPU in use. */
  facts: Record<string, string | boolean | number>;
  /** Why it does not load. */
  error?: string;
  /** How to install it. */
  install?: string;
}

/** One shared library that tfjs-node-gpu needs. */
export interface CudaLibrary {
  name: string;
  what: string;
  found?: string;
  /** Other versions of the same library that are there (e.g. libcudart.so.12 for CUDA 12): not what it needs. */
  otherVersions?: string[];
}

export interface DoctorReport {
  node: string;
  platform: string;
  cpu: { model: string; cores: number; flags: { avx2: boolean; avx512: boolean } | null };
  dir: string;
  tfjsNodePath?: string;
  backends: BackendReport[];
  /** The backend `auto` would pick, if any loads. */
  auto?: BackendName;
  cuda: { required: string; libraries: CudaLibrary[]; missing: string[]; searched: string[] };
}

/**
 * tfjs-node-gpu 4.x links TensorFlow 2.9's libtensorflow, built against CUDA 11.2 and cuDNN 8.1
 * (tfjs-node README, "GPU support"; TensorFlow's tested build configurations).
 */
export const CUDA_REQUIRED = 'CUDA 11.2 and cuDNN 8.1 (tfjs-node-gpu 4.x, libtensorflow 2.9)';
export const CUDA_LIBRARIES: readonly { name: string; what: string }[] = [
  { name: 'libcudart.so.11.0', what: 'CUDA 11 runtime' },
  { name: 'libcublas.so.11', what: 'cuBLAS (CUDA 11)' },
  { name: 'libcufft.so.10', what: 'cuFFT (CUDA 11)' },
  { name: 'libcurand.so.10', what: 'cuRAND (CUDA 11)' },
  { name: 'libcusolver.so.11', what: 'cuSOLVER (CUDA 11)' },
  { name: 'libcusparse.so.11', what: 'cuSPARSE (CUDA 11)' },
  { name: 'libcudnn.so.8', what: 'cuDNN 8' },
];

const PACKAGE: Record<BackendName, string> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
  webgpu: '@tensorflow/tfjs-backend-webgpu',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
};

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

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n').find((l) => l.trim().length > 0)?.trim() ?? msg;
}

/**
 * In the probe child: loads `name` as the kernel would and reports on it. Printed as one JSON line.
 */
export async function probeBackendHere(name: BackendName, dir: string): Promise<BackendReport> {
  // Loaded only here (in the child), so the CLI process itself never pulls tfjs in.
  const { loadBackend, BackendError, findPackage } = await import('../kernel/backends');
  const search = { notebookDir: dir, extraPath: process.env.BMNB_TFJS_NODE_PATH };
  const own = createRequire(__filename);
  const pkg = PACKAGE[name];
  const report: BackendReport = { name, loads: false, package: pkg, facts: {} };
  let resolved: string | undefined;
  if (name === 'tensorflow-gpu' || name === 'tensorflow' || name === 'webgpu') resolved = findPackage(pkg, search);
  else {
    try {
      resolved = own.resolve(pkg);
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
    }
    if (name === 'tensorflow-gpu' || name === 'tensorflow') {
      const using = tf.node?.isUsingGpuDevice?.();
      if (typeof using === 'boolean') report.facts.gpuInUse = using;
    }
  } catch (err) {
    if (err instanceof BackendError) {
      // loadBackend's message is "Backend 'x' cannot load here (x: why).\n…": keep the why.
      const m = /cannot load here \((.*)\)\.\n/s.exec(err.message);
      report.error = m ? m[1].replace(new RegExp(`^${name}: `), '') : firstLine(err);
      report.install = err.statuses.find((s) => s.name === name)?.install;
    } else {
      report.error = `failed while starting: ${firstLine(err)}`;
    }
  }
  return report;
}

function cpuFlags(): { avx2: boolean; avx512: boolean } | null {
  if (platform() !== 'linux') return null;
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const flags = new Set((/^flags\s*:\s*(.*)$/m.exec(info)?.[1] ?? '').split(/\s+/));
    return { avx2: flags.has('avx2'), avx512: [...flags].some((f) => f.startsWith('avx512')) };
  } catch {
    return null;
  }
}

/** Looks for the CUDA/cuDNN libraries with `ldconfig -p`, in LD_LIBRARY_PATH and /usr/local/cuda*\/lib64. */
export function checkCuda(env: NodeJS.ProcessEnv = process.env): DoctorReport['cuda'] {
  const searched: string[] = [];
  const known = new Map<string, string>();
  if (platform() === 'linux') {
    for (const ldconfig of ['ldconfig', '/sbin/ldconfig', '/usr/sbin/ldconfig']) {
      try {
        const out = execFileSync(ldconfig, ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
        for (const m of out.matchAll(/^\s*(\S+) \(.*\) => (\S+)$/gm)) if (!known.has(m[1])) known.set(m[1], m[2]);
        searched.push('ldconfig -p');
        break;
      } catch {
        // try the next place ldconfig may be
      }
    }
  }
  const dirs = (env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  try {
    for (const d of readdirSync('/usr/local')) if (d.startsWith('cuda') && existsSync(join('/usr/local', d, 'lib64'))) dirs.push(join('/usr/local', d, 'lib64'));
  } catch {
    // no /usr/local
  }
  searched.push(...dirs);
  const libraries = CUDA_LIBRARIES.map((lib): CudaLibrary => {
    const inDir = dirs.map((d) => join(d, lib.name)).find((p) => existsSync(p));
    const found = known.get(lib.name) ?? inDir;
    if (found) return { ...lib, found };
    const base = lib.name.replace(/\.so\..*$/, '.so.');
    const names = new Set([...known.keys()].filter((n) => n.startsWith(base)));
    for (const d of dirs) {
      try {
        for (const f of readdirSync(d)) if (f.startsWith(base)) names.add(f);
      } catch {
        // not a folder
      }
    }
    return names.size ? { ...lib, otherVersions: [...names].sort() } : { ...lib };
  });
  return { required: CUDA_REQUIRED, libraries, missing: libraries.filter((l) => !l.found).map((l) => l.name), searched };
}

function runProbe(cliPath: string, name: BackendName, dir: string, env: NodeJS.ProcessEnv): Promise<BackendReport> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cliPath, '__doctor-probe', name, dir],
      { env: { ...env, ELECTRON_RUN_AS_NODE: '1' }, encoding: 'utf8', timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const line = stdout.split('\n').reverse().find((l) => l.startsWith('{"name"'));
        if (line) {
          try {
            resolve(JSON.parse(line) as BackendReport);
            return;
          } catch {
            // fall through
          }
        }
        const why = err?.killed ? 'timed out after 120 s' : firstLine(stderr || err?.message || 'no report');
        resolve({ name, loads: false, package: PACKAGE[name], facts: {}, error: `the probe process failed: ${why}` });
      },
    );
  });
}

export interface DoctorOptions {
  /** dist/cli.js, which runs the probes. */
  cliPath: string;
  /** Where a notebook would be: native backends are looked for in its node_modules. */
  dir: string;
  env?: NodeJS.ProcessEnv;
}

/** Probes every backend (each in its own child process) and the machine. */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const env = options.env ?? process.env;
  const backends = await Promise.all(BACKENDS.map((name) => runProbe(options.cliPath, name, options.dir, env)));
  const cores = cpus();
  return {
    node: process.version,
    platform: `${platform()} ${release()} ${arch()}`,
    cpu: { model: cores[0]?.model.trim() ?? 'unknown', cores: cores.length, flags: cpuFlags() },
    dir: options.dir,
    tfjsNodePath: env.BMNB_TFJS_NODE_PATH || undefined,
    backends,
    auto: AUTO_ORDER.find((n) => backends.find((b) => b.name === n)?.loads),
    cuda: checkCuda(env),
  };
}

/** The report as text for a terminal or an output channel. */
export function formatDoctor(r: DoctorReport): string {
  const out: string[] = [];
  out.push('bmnb doctor');
  out.push(`  Node ${r.node} on ${r.platform}`);
  const flags = r.cpu.flags ? ` (AVX2 ${r.cpu.flags.avx2 ? 'yes' : 'no'}, AVX-512 ${r.cpu.flags.avx512 ? 'yes' : 'no'})` : '';
  out.push(`  CPU: ${r.cpu.model}, ${r.cpu.cores} cores${flags}`);
  out.push(`  Looking for native backends from ${r.dir}${r.tfjsNodePath ? ` and BMNB_TFJS_NODE_PATH=${r.tfjsNodePath}` : ''}`);
  out.push('');
  out.push('Backends:');
  for (const b of r.backends) {
    const version = b.version ? ` ${b.package}@${b.version}` : '';
    if (b.loads) {
      const facts = Object.entries(b.facts)
        .filter(([k]) => k !== 'detail')
        .map(([k, v]) => `${k === 'gpuInUse' ? 'GPU in use' : k}: ${typeof v === 'boolean' ? (v ? 'yes' : 'no') : v}`);
      out.push(`  ✔ ${b.name}: loads —${version}${b.tfjsCore ? ` (tfjs-core ${b.tfjsCore})` : ''}${facts.length ? `; ${facts.join(', ')}` : ''}`);
      if (b.facts.detail) out.push(`      ${b.facts.detail}`);
      if (b.path) out.push(`      at ${b.path}`);
    } else {
      out.push(`  ✘ ${b.name}: does not load —${version ? `${version}:` : ''} ${b.error ?? 'unknown reason'}`);
      if (b.path) out.push(`      at ${b.path}`);
      if (b.install) out.push(`      to install: ${b.install}`);
    }
  }
  out.push('');
  out.push(`auto would pick: ${r.auto ?? 'nothing (no backend loads)'}`);
  out.push('');
  out.push(`CUDA for tensorflow-gpu (needs ${r.cuda.required}):`);
  for (const lib of r.cuda.libraries) out.push(`  ${lib.found ? '✔' : '✘'} ${lib.name} (${lib.what})${lib.found ? ` at ${lib.found}` : ` missing${lib.otherVersions ? ` (found ${lib.otherVersions.join(', ')}: another CUDA version, which tfjs-node-gpu 4.x cannot use)` : ''}`}`);
  out.push(
    r.cuda.missing.length
      ? `  Missing: ${r.cuda.missing.join(', ')}. Install CUDA 11.2 and cuDNN 8.1 and put their lib64 folders on LD_LIBRARY_PATH (or run ldconfig). Searched: ${r.cuda.searched.join(', ') || 'nowhere'}.`
      : '  All found.',
  );
  return `${out.join('\n')}\n`;
}

/** `bmnb doctor`: 0 when at least one backend loads, else 1. */
export async function doctorCommand(options: DoctorOptions & { json: boolean; stdout: NodeJS.WritableStream }): Promise<number> {
  const report = await runDoctor(options);
  options.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatDoctor(report));
  return report.backends.some((b) => b.loads) ? 0 : 1;
}

/** The hidden `__doctor-probe <name> <dir>` of dist/cli.js: one backend, one JSON line on stdout. */
export async function doctorProbeMain(name: string, dir: string): Promise<number> {
  if (!(BACKENDS as readonly string[]).includes(name)) {
    process.stderr.write(`unknown backend '${name}'\n`);
    return 2;
  }
  const report = await probeBackendHere(name as BackendName, dir);
  process.stdout.write(`${JSON.stringify(report)}\n`);
  return 0;
}
