// Builds the .vsix for one VS Code platform target, as extensions with native modules do
// (`vsce package --target`): Dawn (the webgpu package) holds a binary for five platforms, 132 MB;
// each .vsix carries its own platform's only, and esbuild's binary for that platform.
//
// Usage: node scripts/package.mjs [--target <vscode target>]   (default: this machine's)
// This machine's target is written to bmnb-<version>.vsix (what the editor tests install); another
// target to bmnb-<target>-<version>.vsix, and needs that platform's esbuild binary installed first:
//   npm install --no-save --force @esbuild/<platform-arch>@<esbuild version>
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** VS Code's targets that bmnb can be packaged for, with Dawn's folder and esbuild's package for each. */
const TARGETS = {
  'linux-x64': { dawn: 'linux-x64', esbuild: 'linux-x64' },
  'linux-arm64': { dawn: 'linux-arm64', esbuild: 'linux-arm64' },
  'win32-x64': { dawn: 'win32-x64', esbuild: 'win32-x64' },
  'win32-arm64': { dawn: 'win32-arm64', esbuild: 'win32-arm64' },
  'darwin-x64': { dawn: 'darwin-universal', esbuild: 'darwin-x64' },
  'darwin-arm64': { dawn: 'darwin-universal', esbuild: 'darwin-arm64' },
};

function fail(message) {
  process.stderr.write(`package: ${message}\n`);
  process.exit(1);
}

const args = process.argv.slice(2);
const i = args.indexOf('--target');
const host = `${process.platform}-${process.arch}`;
const target = i >= 0 ? args[i + 1] : host;
if (!TARGETS[target]) fail(`unknown target '${target}'; valid targets: ${Object.keys(TARGETS).join(', ')}`);
const { dawn, esbuild } = TARGETS[target];

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
if (!existsSync(join('node_modules/webgpu/dist', dawn))) fail(`node_modules/webgpu/dist/${dawn} is missing: run npm ci`);
if (!existsSync(join('node_modules/@esbuild', esbuild))) {
  const version = JSON.parse(readFileSync('node_modules/esbuild/package.json', 'utf8')).version;
  fail(`esbuild's binary for ${target} is not installed (the kernel transpiles cells with it): run npm install --no-save --force @esbuild/${esbuild}@${version}`);
}

// The project's .vscodeignore, plus: every other platform's Dawn and esbuild binary left out.
const ignore = [readFileSync('.vscodeignore', 'utf8'), `# ${target} only (scripts/package.mjs)`];
for (const d of readdirSync('node_modules/webgpu/dist')) if (d !== dawn) ignore.push(`node_modules/webgpu/dist/${d}/**`);
for (const e of readdirSync('node_modules/@esbuild')) if (e !== esbuild) ignore.push(`node_modules/@esbuild/${e}/**`);
const dir = mkdtempSync(join(tmpdir(), 'bmnb-package-'));
const ignoreFile = join(dir, '.vscodeignore');
writeFileSync(ignoreFile, `${ignore.join('\n')}\n`);

const out = target === host ? `bmnb-${pkg.version}.vsix` : `bmnb-${target}-${pkg.version}.vsix`;
const r = spawnSync('npx', ['vsce', 'package', '--follow-symlinks', '--target', target, '--ignoreFile', ignoreFile, '--out', out], { stdio: 'inherit' });
rmSync(dir, { recursive: true, force: true });
process.exit(r.status ?? 1);
