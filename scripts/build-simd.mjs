// Builds bmnb's SIMD kernels (src/backends/simd/kernels.c) for wasm32 with clang and lld, as
// dist/simd.wasm (for the single-threaded tfjs-backend-wasm's memory) and dist/simd-shared.wasm
// (the threaded build's shared memory). Called by esbuild.mjs. Without a clang that targets
// wasm32 it says so and builds nothing: the ops then use their JS versions or tfjs's own kernels.
// `bash scripts/simd-setup.sh` installs the toolchain (Debian's clang and lld).
import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';

const SOURCE = 'src/backends/simd/kernels.c';
const CANDIDATES = ['clang', 'clang-19', 'clang-18', 'clang-17', 'clang-16', 'clang-15', 'clang-14'];
const COMMON = ['--target=wasm32', '-O3', '-msimd128', '-mbulk-memory', '-nostdlib', '-Wl,--no-entry', '-Wl,--import-memory', '-Wl,--max-memory=4294967296'];
const VARIANTS = { 'dist/simd.wasm': [], 'dist/simd-shared.wasm': ['-matomics', '-Wl,--shared-memory'] };

function findClang() {
  for (const name of [process.env.BMNB_CLANG, ...CANDIDATES].filter(Boolean)) {
    const r = spawnSync(name, ['--target=wasm32', '-msimd128', '-nostdlib', '-Wl,--no-entry', '-o', '/dev/null', '-x', 'c', '-'], { input: 'int f(void){return 0;}', encoding: 'utf8' });
    if (r.status === 0) return name;
  }
  return undefined;
}

/** The kernels must use no memory of their own (no shadow stack, no data): they live in tfjs's heap. */
function checkOwnMemoryUnused(clang, file) {
  const objdump = execFileSync(clang, ['-print-prog-name=llvm-objdump'], { encoding: 'utf8' }).trim();
  const r = spawnSync(objdump, ['-d', '-h', file], { encoding: 'utf8' });
  if (r.status !== 0) return; // no disassembler beside this clang: the loader still checks the imports
  if (/\bglobal\.(get|set)\b/.test(r.stdout) || /\bDATA\b/.test(r.stdout)) {
    rmSync(file, { force: true });
    throw new Error(`${file} uses a stack or data of its own, which would write into tfjs's heap: keep ${SOURCE} to scalars and vectors (no arrays, no statics)`);
  }
}

export function buildSimd() {
  const clang = findClang();
  if (!clang) {
    for (const out of Object.keys(VARIANTS)) rmSync(out, { force: true });
    console.warn('bmnb build: no clang with a wasm32 target and lld (bash scripts/simd-setup.sh installs them): the SIMD kernels are not built, their ops use slower versions');
    return false;
  }
  for (const [out, extra] of Object.entries(VARIANTS)) {
    execFileSync(clang, [...COMMON, ...extra, '-o', out, SOURCE], { stdio: 'inherit' });
    checkOwnMemoryUnused(clang, out);
  }
  return true;
}
