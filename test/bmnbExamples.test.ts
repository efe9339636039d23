/**
 * Every `@example` in the JSDoc of the bmnb module's declarations (src/cellLibrary/api.ts) runs as
 * a cell in a real kernel process, so
 * the examples cannot rot: each must succeed, print nothing on stderr, print what its
 * `console.log(…)   // …` comments say (spaces aside), and end with the value its last line's
 * comment shows (when that is a plain value). Every function of the module must have one.
 * CIFAR-10 comes from a fixture in $BMNB_DATA_DIR (and a download could only reach a closed port).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { KernelClient } from '../src/host/kernelClient';
import { ROOT, run, startKernel, tempDir } from './helpers/kernel';
import { writeCifarFixture } from './helpers/cifarFixture';

interface Example {
  /** The function the JSDoc belongs to. */
  name: string;
  file: string;
  code: string;
}

const SOURCE_DIR = join(ROOT, 'src', 'cellLibrary');

/** The @example of every JSDoc comment in the module's files, with the function or method it documents. */
function extractExamples(): Example[] {
  const out: Example[] = [];
  for (const file of readdirSync(SOURCE_DIR).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
    const text = readFileSync(join(SOURCE_DIR, file), 'utf8');
    for (const m of text.matchAll(/\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*(?:export\s+)?(?:async\s+)?(?:function\s+)?(\w+)\s*\(/g)) {
      const lines = m[1]!.split('\n').map((l) => l.replace(/^\s*\* ?/, ''));
      const at = lines.findIndex((l) => l.startsWith('@example'));
      if (at < 0) continue;
      const body: string[] = [];
      for (const l of lines.slice(at + 1)) {
        if (l.startsWith('@')) break;
        body.push(l);
      }
      out.push({ name: m[2]!, file, code: body.join('\n').trim() });
    }
  }
  return out;
}

/** A comment that shows a value (not words): `// [1, 2]`, `// 0.75`, `// 'x'`. */
const VALUE_COMMENT = /^\s*(\[|\{|-?\d|'|"|true\b|false\b)/;
const squeeze = (s: string) => s.replace(/\s+/g, '');

const examples = extractExamples();
let kernel: KernelClient;

before(async () => {
  const data = tempDir();
  writeCifarFixture(data, { perBatch: 200, testCount: 200 });
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  kernel = await startKernel({
    env: { HOME: tempDir(), BMNB_DATA_DIR: data, BMNB_CIFAR10_URL: `http://127.0.0.1:${port}/none.tar.gz`, BMNB_CIFAR10_SHA256: '0'.repeat(64) },
  });
});
after(() => kernel.shutdown());

describe('JSDoc examples of the bmnb module', () => {
  test('every function of the module has one', async () => {
    const r = await run(
      kernel,
      "import * as bmnb from 'bmnb';\nconst fns = (o: object, p: string) => Object.entries(o).filter(([k, v]) => typeof v === 'function' && !/^[A-Z]/.test(k)).map(([k]) => p + k);\nJSON.stringify([...fns(bmnb.datasets, ''), ...fns(bmnb.metrics, ''), ...fns(bmnb.augment, ''), 'oneHot', 'toCategorical'].sort())",
    );
    assert.equal(r.status, 'ok', r.error?.stack);
    assert.deepEqual([...new Set(examples.map((e) => e.name))].sort(), JSON.parse(r.text!));
  });

  for (const ex of examples) {
    test(`${ex.name} (${ex.file}) runs and shows what its comments say`, async () => {
      const r = await run(kernel, ex.code, 'typescript', `example ${ex.name}`);
      assert.equal(r.status, 'ok', `${ex.code}\n→ ${r.error?.stack}`);
      assert.equal(r.stderr, '', `stderr of ${ex.name}'s example`);
      const lines = ex.code.split('\n');
      // console.log(…)   // what it prints
      const logs = lines.filter((l) => /^\s*console\.log\(/.test(l));
      const printed = r.stdout.split('\n').filter((l) => l !== '');
      logs.forEach((l, i) => {
        const comment = l.split(/\)\s*;?\s*\/\/ /)[1];
        if (comment !== undefined) assert.equal(squeeze(printed[i] ?? ''), squeeze(comment), `${ex.name}: line "${l.trim()}" printed "${printed[i]}"`);
      });
      // The last line's value, when its comment shows a plain value and the result is plain text.
      const last = lines[lines.length - 1]!;
      const comment = last.includes('// ') ? last.slice(last.indexOf('// ') + 3) : undefined;
      const plain = r.result?.length === 1;
      if (comment !== undefined && VALUE_COMMENT.test(comment) && plain && !/^\s*console\.log/.test(last)) {
        assert.equal(squeeze(r.text ?? ''), squeeze(comment), `${ex.name}: the last line's value`);
      }
    });
  }
});
