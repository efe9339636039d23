/**
 * Interrupt, restart and crash, against the real kernel process.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { KernelSession } from './kernelSession';
import { KernelClient, KernelDiedError, KernelStartError } from './kernelClient';
import { KERNEL_PATH, run, startKernel, tempDir } from '../../test/helpers/kernel';

describe('interrupt', () => {
  test('stops `while (true) {}` promptly and keeps the session\'s variables; the next cell is not hit by that stop', async () => {
    const kernel = await startKernel();
    after(() => kernel.shutdown());
    await run(kernel, 'let spins = 0;\nconst kept = "still here";');
    let interruptedAt = 0;
    const timer = setTimeout(() => {
      interruptedAt = Date.now();
      kernel.interrupt();
    }, 300);
    const r = await run(kernel, 'while (true) { spins++; }');
    const stoppedAfter = Date.now() - interruptedAt;
    clearTimeout(timer);
    assert.equal(r.status, 'interrupted');
    assert.equal(r.error?.name, 'InterruptError');
    // About 0.5 s here (300 ms grace, then forced termination); the margin is for loaded CI machines.
    assert.ok(stoppedAfter < 3000, `stopped ${stoppedAfter} ms after the interrupt`);
    const later = await run(kernel, 'spins > 0 ? kept : "no spins"');
    assert.equal(later.text, 'still here');
  });

  test('stops a busy loop that runs after an await, and a long await', async () => {
    const kernel = await startKernel();
    after(() => kernel.shutdown());
    setTimeout(() => kernel.interrupt(), 300);
    const loop = await run(kernel, 'await new Promise((r) => setTimeout(r, 10));\nlet k = 0;\nwhile (true) { k++; }');
    assert.equal(loop.status, 'interrupted');
    const started = Date.now();
    setTimeout(() => kernel.interrupt(), 200);
    const sleep = await run(kernel, 'await new Promise((r) => setTimeout(r, 60_000));\n"not reached"');
    assert.equal(sleep.status, 'interrupted');
    assert.ok(Date.now() - started < 2000);
    assert.equal((await run(kernel, '1 + 1')).text, '2');
  });

  test('stops `await model.fit(...)` after the current batch and keeps the model and its weights', async () => {
    const kernel = await startKernel();
    after(() => kernel.shutdown());
    const setup = await run(
      kernel,
      [
        "import * as tf from '@tensorflow/tfjs';",
        'const model = tf.sequential({ layers: [tf.layers.dense({ units: 16, activation: "relu", inputShape: [8] }), tf.layers.dense({ units: 1 })] });',
        'model.compile({ optimizer: tf.train.sgd(0.01), loss: "meanSquaredError" });',
        'const xs = tf.randomNormal([2048, 8]);',
        'const ys = xs.sum(1, true);',
        'const initial = (model.getWeights()[0].dataSync() as Float32Array).slice();',
        'let batchesSeen = 0;',
      ].join('\n'),
    );
    assert.equal(setup.status, 'ok', setup.error?.stack);
    setTimeout(() => kernel.interrupt(), 600);
    const fit = await run(
      kernel,
      'await model.fit(xs, ys, { epochs: 1000, batchSize: 32, verbose: 0, callbacks: { onBatchEnd: async () => { batchesSeen++; } } });\n"finished"',
    );
    assert.equal(fit.status, 'interrupted');
    assert.match(fit.error!.message, /Training was interrupted after \d+ complete epoch\(s\) and \d+ batch\(es\) of the next; the model keeps the weights/);
    const after1 = await run(kernel, 'batchesSeen');
    const seen = Number(after1.text);
    assert.ok(seen > 0 && seen < 1000 * 64, `batches seen: ${seen}`);
    // Training really stopped: no more batches run after the cell ended.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await run(kernel, 'batchesSeen')).text, String(seen));
    const weights = await run(
      kernel,
      'const now = model.getWeights()[0].dataSync() as Float32Array;\nJSON.stringify([now.some((v, i) => v !== initial[i]), model.predict(tf.zeros([1, 8])).shape])',
    );
    assert.equal(weights.text, '[true,[1,1]]');
  });
});

describe('restart and crash', () => {
  test('restart gives a fresh session', async () => {
    const session = new KernelSession({ kernelPath: KERNEL_PATH, notebookDir: tempDir(), backend: 'auto' });
    after(() => session.shutdown());
    await session.execute({ cellId: 'a', cellLabel: 'cell 1', language: 'typescript', source: 'const remembered = 42;' });
    const before = await session.execute({ cellId: 'b', cellLabel: 'cell 2', language: 'typescript', source: 'remembered' });
    assert.equal(before.result?.[0]?.data, '42');
    const oldPid = (await session.kernel()).pid;
    await session.restart();
    assert.notEqual((await session.kernel()).pid, oldPid);
    const fresh = await session.execute({ cellId: 'b', cellLabel: 'cell 2', language: 'typescript', source: 'remembered' });
    assert.equal(fresh.status, 'error');
    assert.match(fresh.error!.message, /remembered is not defined/);
    assert.equal(fresh.order, 1);
  });

  test('process.exit in a cell ends it with an error that says the kernel died and why; the next run starts a new kernel', async () => {
    const session = new KernelSession({ kernelPath: KERNEL_PATH, notebookDir: tempDir(), backend: 'auto' });
    after(() => session.shutdown());
    const deaths: string[] = [];
    session.onDeath((err) => deaths.push(err.message));
    const pid = (await session.kernel()).pid;
    await assert.rejects(
      session.execute({ cellId: 'x', cellLabel: 'cell 1', language: 'typescript', source: 'process.exit(1);' }),
      (err: unknown) => err instanceof KernelDiedError && err.reason === 'process-exit' && err.exitCode === 1 && /The kernel died: a cell called process\.exit\(1\)/.test(err.message),
    );
    assert.deepEqual(deaths, ['The kernel died: a cell called process.exit(1).']);
    const next = await session.execute({ cellId: 'y', cellLabel: 'cell 2', language: 'typescript', source: '"alive again"' });
    assert.equal(next.result?.[0]?.data, 'alive again');
    assert.notEqual((await session.kernel()).pid, pid);
  });

  test('running out of memory ends the cell with an error that says so', async () => {
    const kernel = await startKernel({ maxMemoryMB: 96 });
    after(() => kernel.shutdown());
    await assert.rejects(
      run(kernel, 'const hog: number[][] = [];\nwhile (true) hog.push(new Array(1e6).fill(Math.random()));'),
      (err: unknown) => err instanceof KernelDiedError && err.reason === 'out-of-memory' && /ran out of memory \(its limit is 96 MB\)/.test(err.message),
    );
    assert.equal(kernel.alive, false);
  });

  test('a kernel the host shuts down or kills while a cell runs ends that cell as stopped, saying why; one killed from outside died by a signal', async () => {
    for (const stop of ['shutdown', 'kill', 'outside'] as const) {
      const kernel = await startKernel();
      const running = run(kernel, 'await new Promise(() => {});');
      await new Promise((r) => setTimeout(r, 200));
      if (stop === 'shutdown') void kernel.shutdown(100);
      else if (stop === 'kill') kernel.kill('a second Ctrl-C');
      else process.kill(kernel.pid!, 'SIGKILL');
      const err = await running.then(
        () => assert.fail(`${stop}: the cell should not end normally`),
        (e: unknown) => e as KernelDiedError,
      );
      assert.ok(err instanceof KernelDiedError, String(err));
      if (stop === 'shutdown') assert.deepEqual([err.reason, err.message], ['stopped', 'The kernel was shut down (restarted or closed) while the cell ran.']);
      if (stop === 'kill') assert.deepEqual([err.reason, err.message], ['stopped', 'The kernel was stopped while the cell ran: a second Ctrl-C.']);
      if (stop === 'outside') assert.deepEqual([err.reason, err.signal], ['signal', 'SIGKILL']);
      if (stop === 'outside') assert.match(err.message, /^The kernel died: it was killed \(SIGKILL\)/);
    }
  });

  test('a Node that cannot be started is a clear start error, not a hang', async () => {
    await assert.rejects(
      KernelClient.start({ kernelPath: KERNEL_PATH, notebookDir: tempDir(), backend: 'auto', nodePath: '/nonexistent/node' }),
      (err: unknown) => err instanceof KernelStartError && /could not be started with \/nonexistent\/node: spawn \/nonexistent\/node ENOENT/.test(err.message),
    );
  });
});
