/**
 * The language server process (dist/languageServer.js) as the editor drives it, with only what the
 * .vsix ships: its bundled TypeScript and the declarations in dist/types.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { LanguageClient } from '../src/host/languageClient';
import { ROOT, run, startKernel, tempDir } from './helpers/kernel';

describe('the language server', () => {
  let client: LanguageClient;
  before(async () => {
    client = await LanguageClient.start({ serverPath: join(ROOT, 'dist', 'languageServer.js'), notebookDir: tempDir() });
  });
  after(() => client?.dispose());

  test('types a notebook with tfjs, bmnb and display from what the .vsix ships; errors are per cell', async () => {
    assert.match(client.typescriptVersion, /^6\./);
    client.update([
      { id: 'a', language: 'typescript', source: "import * as tf from '@tensorflow/tfjs';\nimport { datasets } from 'bmnb';\nconst xs = tf.zeros([2, 3]);" },
      { id: 'b', language: 'typescript', source: "const d = await datasets.mnist({ trainSize: 10 });\ndisplay(xs.shape);\nconst n: string = xs.rank;\nprocess.env.HOME" },
      { id: 'c', language: 'typescript', source: 'xs.' },
    ]);
    const diagnostics = await client.diagnostics();
    assert.deepEqual(
      diagnostics.map((d) => [d.cellIndex, d.line, d.character, d.code]),
      [[1, 2, 6, 2322]],
      JSON.stringify(diagnostics.map((d) => d.message)),
    );
    const hover = await client.hover({ cellIndex: 0, line: 2, character: 7 });
    assert.match(hover!.type, /const xs: tf\.Tensor<tf\.Rank>/);
    const completions = (await client.completions({ cellIndex: 2, line: 0, character: 3 })).map((c) => c.name);
    assert.ok(['dataSync', 'reshape', 'dispose'].every((n) => completions.includes(n)), completions.slice(0, 10).join(', '));
    const details = await client.completionDetails({ cellIndex: 2, line: 0, character: 3 }, 'reshape');
    assert.match(details!.detail, /\(method\) Tensor<Rank>\.reshape<T>\(shape: number\[\]\): T/);
  });

  test('after a real kernel runs a cell, its tensors type the later cells by the rank it saw, until the kernel goes', async () => {
    const first = "import * as tf from '@tensorflow/tfjs';\nconst images = tf.zeros([4, 28, 28, 1]);\nconst net = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [28, 28, 1] }), tf.layers.dense({ units: 3 })] });\nconst scores = net.predict(images);";
    const cells = [
      { id: 'a', language: 'typescript' as const, source: first },
      { id: 'b', language: 'typescript' as const, source: 'scores.argMax(-1).print();\nimages' },
    ];
    client.update(cells);
    const kernel = await startKernel();
    try {
      const result = await run(kernel, first);
      assert.equal(result.status, 'ok');
      const before = (await client.diagnostics()).map((d) => d.message);
      assert.ok(before.some((m) => /Property 'argMax' does not exist on type 'Tensor<Rank> \| Tensor<Rank>\[\]'/.test(m)), before.join('\n'));
      client.kernelTensors({ cellId: 'a', source: first, tensors: (result.tensors ?? []).map((t) => ({ name: t.name, rank: t.shape.length })) });
      assert.deepEqual(await client.diagnostics(), [], 'predict held one tensor: argMax is there');
      assert.match((await client.hover({ cellIndex: 1, line: 1, character: 2 }))!.type, /const images: tf\.Tensor4D/);
      assert.match((await client.hover({ cellIndex: 1, line: 0, character: 2 }))!.type, /const scores: tf\.Tensor2D/);
      client.kernelGone();
      assert.match((await client.hover({ cellIndex: 1, line: 1, character: 2 }))!.type, /const images: tf\.Tensor<tf\.Rank>$/m);
      assert.match((await client.hover({ cellIndex: 1, line: 0, character: 2 }))!.type, /const scores: tf\.Tensor<tf\.Rank> \| tf\.Tensor<tf\.Rank>\[\]/);
    } finally {
      await kernel.shutdown();
    }
  });
});
