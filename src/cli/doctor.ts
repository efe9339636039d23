/**
 * `bmnb doctor [--json]`: which TensorFlow.js backends load here, their versions and where they
 * were found, why the others do not and how to install them, the CUDA/cuDNN libraries that
 * tfjs-node-gpu needs, the Node version, the CPU and which backend `auto` would pick.
 *
 * Each backend is loaded in a kernel process of its own (dist/kernel.js, asked with the protocol's
 * kernel/probeBackend request), so a native backend never loads into the CLI (or extension host)
 * process, one that crashes cannot take the others down, and each starts from a clean tfjs. The
 * kernel answers with typed fields; nothing here reads its error text.
 *
 * @example
 * // bmnb doctor --json | jq '.auto'
 * const report = await runDoctor({ kernelPath: 'dist/kernel.js', dir: process.cwd() });
 * formatDoctor(report); // 'bmnb doctor …\n  ✔ wasm 4.22.0 …'
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, arch, platform, release } from 'node:os';
import { join } from 'node:path';
import { probeBackend } from '../host/kernelClient';
import { AUTO_ORDER, BACKENDS, type BackendName, type BackendReport } from '../protocol';

export type { BackendReport };

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

export interface DoctorOptions {
  /** dist/kernel.js: each backend is probed in a kernel process of its own. */
  kernelPath: string;
  /** Where a notebook would be: native backends are looked for in its node_modules. */
  dir: string;
  env?: NodeJS.ProcessEnv;
}

/** Probes every backend (each in its own child process) and the machine. */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const env = options.env ?? process.env;
  const backends = await Promise.all(
    BACKENDS.map((backend) =>
      probeBackend({ kernelPath: options.kernelPath, backend, notebookDir: options.dir, nodePath: process.execPath, env: { ...env, ELECTRON_RUN_AS_NODE: '1' } }),
    ),
  );
  const cores = cpus();
  return {
    node: process.version,
    platform: `${platform()} ${release()} ${arch()}`,
    cpu: { model: cores[0]?.model.trim() ?? 'unknown', cores: cores.length, flags: cpuFlags() },
    dir: options.dir,
    tfjsNodePath: env.BMNB_TFJS_NODE_PATH || undefined,
    backends,
    // auto takes webgpu only on a hardware GPU (src/backends/load.ts).
    auto: AUTO_ORDER.find((n) => {
      const b = backends.find((x) => x.name === n);
      return b?.loads && !(n === 'webgpu' && b.facts.kind === 'software');
    }),
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
