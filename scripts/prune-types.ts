/**
 * Keeps in dist/types only the declaration and lib files a notebook's program can reach, so the
 * .vsix does not ship the rest (tfjs's tests' declarations, its backends' internals, lib.dom.d.ts):
 * the language server is run, as main.ts runs it, on a notebook that imports every module a cell
 * can name — each tfjs package name, bmnb, Node's modules (all of @types/node is reached through
 * `types: ["node"]`) — and every file its program did not read is deleted.
 *
 *   node --import tsx scripts/prune-types.ts        (esbuild.mjs --production runs it)
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { NotebookLanguageService } from '../src/language/service';

const TYPES = resolve(__dirname, '..', 'dist', 'types');
const service = new NotebookLanguageService(ts, {
  notebookDir: mkdtempSync(join(tmpdir(), 'bmnb-prune-')),
  typesDir: join(TYPES, 'src', 'language', 'types'),
  kernelModulesFrom: TYPES,
  libDir: join(TYPES, 'typescript-lib'),
});
const tfjsNames = ['', '-node', '-node-gpu', '-core', '-layers', '-converter', '-data'].map((s, i) => `import * as tf${i} from '@tensorflow/tfjs${s}';`);
service.update([
  { id: 'ts', language: 'typescript', source: [...tfjsNames, "import * as bmnb from 'bmnb';", "import * as fs from 'node:fs';", 'display(tf0.zeros([1]));'].join('\n') },
  { id: 'js', language: 'javascript', source: "const tf = require('@tensorflow/tfjs');" },
]);
const problems = service.diagnostics().filter((d) => d.category === 'error');
if (problems.length) throw new Error(`prune-types: the probe notebook does not type-check, so dist/types may lack files:\n${problems.map((d) => d.message).join('\n')}`);
const loaded = new Set(service.loadedFiles().map((f) => resolve(f)));

let kept = 0;
let removed = 0;
let keptBytes = 0;
let removedBytes = 0;
/** Deletes what the program did not read; says whether the folder is empty afterwards. */
function prune(dir: string): boolean {
  let left = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    if (stat.isDirectory()) {
      if (prune(path)) rmSync(path, { recursive: true });
      else left++;
    } else if (loaded.has(path) || name === 'package.json') {
      // (package.json files stay: module resolution reads their "types")
      kept++;
      keptBytes += stat.size;
      left++;
    } else {
      rmSync(path);
      removed++;
      removedBytes += stat.size;
    }
  }
  return left === 0;
}
prune(TYPES);
const mb = (n: number) => (n / 1e6).toFixed(1);
console.log(`dist/types: kept ${kept} files (${mb(keptBytes)} MB), left out ${removed} that no notebook reaches (${mb(removedBytes)} MB)`);
