/**
 * The language server process (dist/languageServer.js) as the editor drives it, with only what the
 * .vsix ships: its bundled TypeScript and the declarations in dist/types.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { LanguageClient } from '../src/host/languageClient';
import { ROOT, tempDir } from './helpers/kernel';

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
});
