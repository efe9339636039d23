// Runs every *.test.ts under src/ and test/ with Node's own test runner (TypeScript through tsx).
// Usage: node scripts/test.mjs [substring filter]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'node_modules' || name === 'fixtures') continue;
    if (statSync(p).isDirectory()) find(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const filter = process.argv[2];
const files = [...find('src'), ...find('test')].filter((f) => !filter || f.includes(filter)).sort();
if (files.length === 0) {
  console.error(`no test files match ${filter ?? ''}`);
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
