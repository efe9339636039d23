/**
 * The notebook as one TypeScript program, with the kernel's types: what a person typing in cells
 * would see — names of earlier cells known, `const` declared again in a later cell allowed, tfjs
 * types (not `any`), `bmnb` and `display`, errors at the right cell, line and column.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { readFileSync } from 'node:fs';
import { notebookProgram, type NotebookCellInput } from './notebookProgram';
import { NotebookLanguageService } from './service';
import { tempDir } from '../../test/helpers/kernel';

const ROOT = resolve(__dirname, '..', '..');

function service(cells: (string | Partial<NotebookCellInput>)[], dir = tempDir()): NotebookLanguageService {
  const s = new NotebookLanguageService(ts, { notebookDir: dir, typesDir: join(ROOT, 'src', 'language', 'types'), kernelModulesFrom: ROOT });
  s.update(cells.map((c, i) => ({ id: `c${i}`, language: 'typescript', ...(typeof c === 'string' ? { source: c } : { source: '', ...c }) })));
  return s;
}

const errors = (s: NotebookLanguageService) => s.diagnostics().filter((d) => d.category === 'error');
const messages = (s: NotebookLanguageService) => errors(s).map((d) => `cell ${d.cellIndex + 1} ${d.line + 1}:${d.character + 1} ${d.message.split('\n')[0]}`);

describe('the notebook as one TypeScript program', () => {
  test('a later cell knows the names and types of earlier ones; tfjs values are typed, not any', () => {
    const s = service([
      "import * as tf from '@tensorflow/tfjs';\nconst xs = tf.zeros([2, 3]);\nfunction area(w: number, h: number) { return w * h; }",
      'const ys = xs.add(1);\nconst a = area(2, 3);\nys',
    ]);
    assert.deepEqual(messages(s), []);
    assert.match(s.quickInfo({ cellIndex: 1, line: 0, character: 7 })!, /const ys: tf\.Tensor<tf\.Rank>/);
    assert.match(s.quickInfo({ cellIndex: 0, line: 1, character: 7 })!, /const xs: tf\.Tensor<tf\.Rank>/);
    assert.match(s.quickInfo({ cellIndex: 1, line: 1, character: 7 })!, /const a: number/);
  });

  test('declaring const again in a later cell is not an error (the kernel allows it); twice in one cell is', () => {
    const s = service(['const x = 1;', 'const x = "two";\nx.toUpperCase()', 'const y = 1;\nconst y = 2;']);
    assert.deepEqual(
      messages(s).map((m) => m.replace(/'y'/g, 'y')),
      ['cell 3 1:7 Cannot redeclare block-scoped variable y.', 'cell 3 2:7 Cannot redeclare block-scoped variable y.'],
    );
    assert.match(s.quickInfo({ cellIndex: 1, line: 1, character: 0 })!, /const x: "two"/, 'the latest declaration wins');
  });

  test('a type error is reported in its cell, at its line and column; top-level await is fine', () => {
    const s = service(['const n: number = 1;', 'await Promise.resolve();\nconst s: string = n;']);
    const [e, ...rest] = errors(s);
    assert.equal(rest.length, 0);
    assert.deepEqual([e!.cellIndex, e!.line, e!.character, e!.endLine, e!.endCharacter, e!.code], [1, 1, 6, 1, 7, 2322]);
    assert.match(e!.message, /Type 'number' is not assignable to type 'string'/);
  });

  test('every tfjs package name is the session\'s tfjs; bmnb and display are typed; Node too', () => {
    const s = service([
      "const tfn = require('@tensorflow/tfjs-node');\nimport * as tfl from '@tensorflow/tfjs-layers';\nimport { datasets, oneHot } from 'bmnb';\nimport { readFileSync } from 'node:fs';",
      "const m = tfl.sequential();\nconst d = await datasets.mnist({ trainSize: 10 });\nconst y = oneHot([0, 1], 2);\ndisplay.line({ loss: [1, 0.5] });\nconst text = readFileSync(__filename, 'utf8');\nd.xTrain",
    ]);
    assert.deepEqual(messages(s), []);
    // (tfl is the session's tfjs too: the same Tensor type.)
    assert.match(s.quickInfo({ cellIndex: 1, line: 5, character: 2 })!, /xTrain: \w+\.Tensor<\w+\.Rank\.R4>/);
    assert.match(s.quickInfo({ cellIndex: 1, line: 2, character: 6 })!, /const y: .*Tensor2D/);
    const wrong = service(["import { datasets } from 'bmnb';\nawait datasets.mnist({ trainsize: 10 });"]);
    assert.match(messages(wrong)[0]!, /cell 1 2:24 .*'trainsize' does not exist/);
  });

  test('completions after `model.` list fit and compile; go to definition lands in the declaring cell', () => {
    const s = service(["import * as tf from '@tensorflow/tfjs';\nconst model = tf.sequential();", 'const other = 1;', 'model.']);
    const names = s.completions({ cellIndex: 2, line: 0, character: 6 }).map((c) => c.name);
    assert.ok(names.includes('fit') && names.includes('compile') && names.includes('predict'), names.slice(0, 20).join(', '));
    assert.deepEqual(s.definition({ cellIndex: 2, line: 0, character: 2 }), [{ cellIndex: 0, line: 1, character: 6 }]);
  });

  test('rename and references span cells; signature help inside a call; tfjs definitions are files', () => {
    const s = service(["import * as tf from '@tensorflow/tfjs';\nconst rate = 0.1;", 'const opt = tf.train.sgd(rate);', 'rate * 2;\ntf.layers.dense(']);
    const refs = s.references({ cellIndex: 2, line: 0, character: 1 });
    assert.deepEqual(refs.map((r) => [r.cellIndex, r.line, r.character]).sort(), [[0, 1, 6], [1, 0, 25], [2, 0, 0]]);
    const renamed = s.rename({ cellIndex: 1, line: 0, character: 26 }, 'learningRate');
    assert.equal(renamed.error, undefined);
    assert.deepEqual(renamed.edits.map((e) => [e.cellIndex, e.line, e.character, e.endCharacter, e.newText]).sort(), [
      [0, 1, 6, 10, 'learningRate'],
      [1, 0, 25, 29, 'learningRate'],
      [2, 0, 0, 4, 'learningRate'],
    ]);
    assert.match(s.rename({ cellIndex: 1, line: 0, character: 18 }, 'x').error!, /declared outside the notebook|cannot/i, 'tf.train.sgd is tfjs\'s');
    const help = s.signatureHelp({ cellIndex: 2, line: 1, character: 16 })!;
    assert.match(help.signatures[help.activeSignature]!.label, /dense\(args: .*DenseLayerArgs\): .*Dense/);
    const defs = s.definitions({ cellIndex: 1, line: 0, character: 19 });
    assert.equal(defs.cells.length, 0);
    assert.match(defs.files[0]!.file, /@tensorflow\/tfjs-core\/dist\/.*\.d\.ts$/);
  });

  test('the parameters cell is typed as --param may change it: no narrowing to its literals', () => {
    const s = service([{ source: 'const epochs = 5;\nconst name = "mnist";', tags: ['parameters'] }, 'if (epochs === 10) console.log(name === "cifar");']);
    assert.deepEqual(messages(s), []);
    const strict = service(['const epochs = 5;', 'if (epochs === 10) console.log(1);']);
    assert.equal(errors(strict).length, 1, 'without the tag, the comparison of literals is the error it would be');
  });

  test('JavaScript cells get types and completions but no red', () => {
    const s = service([{ language: 'javascript', source: "const tf = require('@tensorflow/tfjs');\nfunction f(x) { return x.whatever(); }\nconst t = tf.ones([2]);" }, { language: 'javascript', source: 't.' }]);
    assert.deepEqual(messages(s), []);
    assert.ok(s.completions({ cellIndex: 1, line: 0, character: 2 }).some((c) => c.name === 'dataSync'));
  });

  test('modules of the notebook\'s folder resolve from there, as the kernel resolves them', () => {
    const dir = tempDir({ 'helper.ts': 'export function double(x: number): number { return x * 2; }\n' });
    const s = service(["import { double } from './helper';\nconst four: string = double(2);"], dir);
    assert.match(messages(s)[0]!, /cell 1 2:7 Type 'number' is not assignable to type 'string'/);
  });

  test('the cell files are the cells, line for line, one line down', () => {
    const files = notebookProgram(ts, '/nb', [
      { id: 'a', language: 'typescript', source: 'const a = 1;\nlet b = 2;' },
      { id: 'b', language: 'typescript', source: 'const a = 3;\nconst c = a + b;' },
    ]);
    assert.equal(files[1]!.text, "import { b } from './__bmnb_cell_1__';\nconst a = 3;\nconst c = a + b;\nexport { a, c };\n");
    assert.equal(files[1]!.text.slice(files[1]!.offset, files[1]!.offset + files[1]!.length), 'const a = 3;\nconst c = a + b;');
  });

  describe('types that know the tensors: after a run, a tensor binding is read as the rank the kernel saw', () => {
    const first = "import * as tf from '@tensorflow/tfjs';\nconst xs = tf.tensor([[1, 2], [3, 4]]); const bad: number = 'x';\nconst net = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] });\nconst p = net.predict(xs);\nconst v = tf.variable(xs);\nconst given: tf.Tensor = xs;\nlet later = tf.zeros([3]);";
    const second = 'p.print();\nconst three: tf.Tensor3D = xs;\nxs';
    const ran = () => {
      const s = service([first, second]);
      s.setKernelTensors('c0', first, ['xs', 'p', 'v', 'given', 'later'].map((name) => ({ name, rank: name === 'later' ? 1 : 2 })));
      return s;
    };

    test('hover and later cells see Tensor2D; predict\'s Tensor | Tensor[] is the one tensor it held; errors follow', () => {
      const before = service([first, second]);
      assert.match(before.quickInfo({ cellIndex: 1, line: 2, character: 1 })!, /const xs: tf\.Tensor<tf\.Rank>/);
      assert.ok(messages(before).some((m) => /cell 2 1:3 Property 'print' does not exist on type 'Tensor<Rank> \| Tensor<Rank>\[\]'/.test(m)), messages(before).join('\n'));
      const s = ran();
      assert.match(s.quickInfo({ cellIndex: 0, line: 1, character: 7 })!, /const xs: tf\.Tensor2D/);
      assert.match(s.quickInfo({ cellIndex: 1, line: 2, character: 1 })!, /const xs: tf\.Tensor2D/);
      assert.match(s.quickInfo({ cellIndex: 0, line: 3, character: 7 })!, /const p: tf\.Tensor2D/);
      // The error after the cast on the same line stays at its own column; the rank is now checked.
      assert.deepEqual(messages(s), [
        "cell 1 2:47 Type 'string' is not assignable to type 'number'.",
        "cell 2 2:7 Type 'Tensor2D' is not assignable to type 'Tensor3D'.",
      ]);
      // A position at the start of the initializer is still the initializer (tf), not the cast.
      assert.match(s.quickInfo({ cellIndex: 0, line: 1, character: 11 })!, /tf/);
    });

    test('the cell run again with other ranks retypes its bindings (the casts of the last run are looked through)', () => {
      const s = ran();
      s.setKernelTensors('c0', first, [{ name: 'xs', rank: 3 }, { name: 'p', rank: 1 }]);
      assert.match(s.quickInfo({ cellIndex: 1, line: 2, character: 1 })!, /const xs: tf\.Tensor3D/);
      assert.match(s.quickInfo({ cellIndex: 0, line: 3, character: 7 })!, /const p: tf\.Tensor1D/);
      assert.deepEqual(messages(s), ["cell 1 2:47 Type 'string' is not assignable to type 'number'."], 'xs is a Tensor3D now');
      s.setKernelTensors('c0', first, []);
      assert.match(s.quickInfo({ cellIndex: 1, line: 2, character: 1 })!, /const xs: tf\.Tensor<tf\.Rank>/, 'a run that left no tensors');
    });

    test('a Variable, an annotated binding and a let keep their types', () => {
      const s = ran();
      // (still a Variable, with assign(); its rank follows from xs's)
      assert.match(s.quickInfo({ cellIndex: 0, line: 4, character: 7 })!, /const v: tf\.Variable<tf\.Rank\.R2>/);
      assert.match(s.quickInfo({ cellIndex: 0, line: 5, character: 7 })!, /const given: tf\.Tensor<tf\.Rank>/);
      assert.match(s.quickInfo({ cellIndex: 0, line: 6, character: 5 })!, /let later: tf\.Tensor<tf\.Rank>/);
    });

    test('go to definition, references and rename still reach the declaration, at the cell\'s own columns', () => {
      const s = ran();
      assert.deepEqual(s.definition({ cellIndex: 1, line: 2, character: 1 }), [{ cellIndex: 0, line: 1, character: 6 }]);
      const renamed = s.rename({ cellIndex: 1, line: 2, character: 1 }, 'inputs');
      assert.deepEqual(renamed.edits.map((e) => [e.cellIndex, e.line, e.character, e.endCharacter]).sort(), [
        [0, 1, 6, 8], [0, 3, 22, 24], [0, 4, 22, 24], [0, 5, 25, 27], [1, 1, 27, 29], [1, 2, 0, 2],
      ]);
    });

    test('an edit elsewhere in the cell keeps what the kernel saw; a changed initializer, or the kernel going, drops it', () => {
      const s = ran();
      const cells = (source: string) => [{ id: 'c0', language: 'typescript' as const, source }, { id: 'c1', language: 'typescript' as const, source: second }];
      s.update(cells(`${first}\nxs.print();`));
      assert.match(s.quickInfo({ cellIndex: 1, line: 2, character: 1 })!, /const xs: tf\.Tensor2D/, 'a line added below');
      s.update(cells(first.replace('tf.tensor([[1, 2], [3, 4]])', 'tf.tensor([1, 2, 3, 4])')));
      assert.match(s.quickInfo({ cellIndex: 1, line: 2, character: 1 })!, /const xs: tf\.Tensor<tf\.Rank>/, 'the initializer changed');
      assert.match(s.quickInfo({ cellIndex: 0, line: 3, character: 7 })!, /const p: tf\.Tensor2D/, 'p\'s own initializer did not');
      const t = ran();
      t.kernelGone();
      assert.match(t.quickInfo({ cellIndex: 1, line: 2, character: 1 })!, /const xs: tf\.Tensor<tf\.Rank>/, 'kernel gone');
    });

    test('JavaScript cells get it too (a JSDoc cast)', () => {
      const js = "const tf = require('@tensorflow/tfjs');\nconst t = tf.tensor([1, 2, 3]);";
      const s = service([{ language: 'javascript', source: js }, { language: 'javascript', source: 't' }]);
      s.setKernelTensors('c0', js, [{ name: 't', rank: 1 }]);
      assert.match(s.quickInfo({ cellIndex: 1, line: 0, character: 0 })!, /const t: .*Tensor1D/);
      assert.deepEqual(messages(s), []);
      s.setKernelTensors('c0', js, [{ name: 't', rank: 2 }]);
      assert.match(s.quickInfo({ cellIndex: 1, line: 0, character: 0 })!, /const t: .*Tensor2D/, 'run again');
    });
  });

  test('bmnb.d.ts names exactly the values of BmnbModule', () => {
    const parse = (file: string) => ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.ES2022);
    const dts = parse('src/language/types/bmnb.d.ts');
    const declared = dts.statements.filter(ts.isVariableStatement).flatMap((v) => v.declarationList.declarations.map((d) => (d.name as ts.Identifier).text));
    const api = parse('src/cellLibrary/api.ts');
    const module = api.statements.find((st): st is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(st) && st.name.text === 'BmnbModule')!;
    const members = module.members.map((m) => (m.name as ts.Identifier).text);
    assert.deepEqual(declared.sort(), members.sort());
  });
});
