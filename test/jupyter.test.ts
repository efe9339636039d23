/**
 * bmnb as a Jupyter kernel, driven by Jupyter's own clients (Debian's packages; `.ci/run`
 * installs them with scripts/jupyter-setup.sh): the kernelspec `bmnb jupyter install` writes, the
 * conformance suite jupyter_kernel_test, jupyter_client through interrupts, queues, a dying
 * kernel, restart and shutdown, a Jupyter Server's REST and websocket API, and nbconvert executing
 * a notebook that nbformat then validates.
 * The wire itself (signatures, the heartbeat while a cell spins) is checked with ZeroMQ from here.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import * as zmq from 'zeromq';
import { CLI_PATH, ROOT, tempDir } from './helpers/kernel';
import { newHeader, parseMessage, serializeMessage, Signer } from '../src/jupyter/wire';

const PYTHON = process.env.BMNB_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const HERE = join(ROOT, 'test', 'jupyter');
const NAME = 'bmnb-test';

function bmnb(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(process.execPath, [CLI_PATH, ...args], { encoding: 'utf8', env, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function python(args: string[], env: NodeJS.ProcessEnv, cwd = HERE, timeout = 300_000) {
  const r = spawnSync(PYTHON, args, { encoding: 'utf8', env, cwd, timeout });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

describe('bmnb as a Jupyter kernel', () => {
  let prefix: string;
  let env: NodeJS.ProcessEnv;

  before(() => {
    const check = spawnSync(PYTHON, ['-c', 'import jupyter_kernel_test, jupyter_client, nbformat, nbconvert, jupyter_server'], { encoding: 'utf8' });
    assert.equal(
      check.status,
      0,
      `${PYTHON} lacks Jupyter's clients: run \`bash scripts/jupyter-setup.sh\` (Debian's python3-jupyter-kernel-test, jupyter-nbconvert, python3-jupyter-client, python3-nbformat, python3-jupyter-server), or set BMNB_PYTHON. ${check.stderr}`,
    );
    prefix = tempDir();
    env = { ...process.env, JUPYTER_PATH: join(prefix, 'share', 'jupyter'), JUPYTER_DATA_DIR: join(prefix, 'user-data'), BMNB_KERNEL_NAME: NAME };
    const r = bmnb(['jupyter', 'install', '--prefix', prefix, '--name', NAME], env);
    assert.equal(r.code, 0, r.stderr);
  });

  test('install writes a kernelspec Jupyter can start; a second install needs --force; list and uninstall find it', () => {
    const dir = join(prefix, 'share', 'jupyter', 'kernels', NAME);
    const spec = JSON.parse(readFileSync(join(dir, 'kernel.json'), 'utf8')) as { argv: string[]; language: string; interrupt_mode: string; display_name: string };
    assert.deepEqual(spec.argv, [process.execPath, join(ROOT, 'dist', 'jupyterKernel.js'), '-f', '{connection_file}']);
    assert.equal(spec.language, 'typescript');
    assert.equal(spec.interrupt_mode, 'message');
    assert.equal(spec.display_name, 'TypeScript (bmnb)');
    for (const size of [32, 64]) {
      const png = readFileSync(join(dir, `logo-${size}x${size}.png`));
      assert.equal(png.subarray(1, 4).toString(), 'PNG');
      assert.equal(png.readUInt32BE(16), size);
    }
    const again = bmnb(['jupyter', 'install', '--prefix', prefix, '--name', NAME], env);
    assert.equal(again.code, 2);
    assert.match(again.stderr, new RegExp(`a kernelspec '${NAME}' already exists at .*; pass --force to replace it`));
    assert.equal(bmnb(['jupyter', 'install', '--prefix', prefix, '--name', NAME, '--force', '--backend', 'cpu', '--display-name', 'TS on cpu'], env).code, 0);
    const listed = bmnb(['jupyter', 'list', '--json'], env);
    const specs = JSON.parse(listed.stdout) as { name: string; backend: string; displayName: string; ok: boolean }[];
    assert.deepEqual(specs.find((s) => s.name === NAME), { name: NAME, dir, displayName: 'TS on cpu', backend: 'cpu', ok: true });
    // Back to the default, for the clients below.
    assert.equal(bmnb(['jupyter', 'install', '--prefix', prefix, '--name', NAME, '--force'], env).code, 0);

    const other = tempDir();
    assert.equal(bmnb(['jupyter', 'install', '--prefix', other], env).code, 0);
    const removed = bmnb(['jupyter', 'uninstall', '--prefix', other], env);
    assert.equal(removed.code, 0, removed.stderr);
    assert.ok(!existsSync(join(other, 'share', 'jupyter', 'kernels', 'bmnb')));
    const missing = bmnb(['jupyter', 'uninstall', '--prefix', other], env);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no kernelspec 'bmnb' at .*`bmnb jupyter list` shows where bmnb's are/);
  });

  test('bad input is a clear error and writes nothing', () => {
    const both = bmnb(['jupyter', 'install', '--user', '--prefix', prefix], env);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /use one of --user, --sys-prefix and --prefix DIR/);
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, 'not a folder');
    const unwritable = bmnb(['jupyter', 'install', '--prefix', file], env);
    assert.equal(unwritable.code, 2);
    assert.match(unwritable.stderr, /cannot write Jupyter's kernels folder .*a-file.*; install with --user, or --prefix DIR for a folder you can write/);
    const badName = bmnb(['jupyter', 'install', '--prefix', prefix, '--name', 'a/b'], env);
    assert.match(badName.stderr, /a kernelspec name may hold letters, digits/);
    const sub = bmnb(['jupyter', 'frobnicate'], env);
    assert.equal(sub.code, 2);
    assert.match(sub.stderr, /unknown subcommand 'frobnicate'/);
  });

  test("Jupyter's conformance suite (jupyter_kernel_test) passes", (t) => {
    const r = python(['test_bmnb_kernel.py'], env);
    t.diagnostic(`${r.stderr}`.split('\n').filter((l) => / \.\.\. |^Ran |^OK|^FAILED/.test(l)).join('\n'));
    assert.equal(r.code, 0, r.stderr.slice(-4000));
    const line = r.stdout.split('\n').find((l) => l.startsWith('BMNB_RESULT '));
    assert.ok(line, `the suite printed no result line:\n${r.stdout.slice(-2000)}`);
    const result = JSON.parse(line.slice('BMNB_RESULT '.length));
    // Every test runs (clear_output is display.clear()): none skipped, none failed.
    assert.deepEqual(result, { ran: 12, failures: [], skipped: [] });
  });

  test('jupyter_client: interrupts keep the session, queued cells run in order, a dead kernel is replaced, restart and shutdown work', () => {
    const r = python(['client_scenarios.py'], env);
    assert.equal(r.code, 0, r.stderr.slice(-4000));
    const s = Object.fromEntries(
      r.stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { scenario: string })
        .map((o) => [o.scenario, o]),
    ) as Record<string, Record<string, unknown>>;
    assert.equal(s.setup?.status, 'ok');
    for (const [name, after] of [['interrupt-loop', '42'], ['interrupt-await', '43'], ['interrupt-fit', '[ true, [ 1, 1 ] ]']] as const) {
      assert.equal(s[name]?.status, 'error', name);
      assert.equal(s[name]?.ename, 'InterruptError', name);
      assert.ok(Number(s[name]?.seconds) < 5, `${name} stopped ${s[name]?.seconds} s after the interrupt`);
      assert.equal(s[name]?.after, after, `${name}: the session keeps its variables`);
    }
    assert.ok((s.complete?.members as string[]).includes('fit'), `model.fi completes to ${JSON.stringify(s.complete?.members)}`);
    assert.ok((s.complete?.members as string[]).includes('fitDataset'));
    assert.equal(s.complete?.start, 6);
    assert.ok(['tensor1d', 'tensor2d', 'tensor4d'].every((n) => (s.complete?.tfs as string[]).includes(n)), JSON.stringify(s.complete?.tfs));
    assert.equal(s.complete?.inspect_found, true);
    assert.match(String(s.complete?.inspect), /tensor2d/);
    assert.deepEqual(s.input, {
      scenario: 'input',
      prompt: 'Your name? ',
      password: false,
      parent: true,
      result: 'hello Ada',
      refused: 'error',
      refused_why: 'input() cannot ask here: this Jupyter client does not allow stdin (allow_stdin is false)',
    });
    assert.equal(s.queue?.first, 'first');
    assert.deepEqual(s.queue?.texts, Array.from({ length: 20 }, (_, i) => String(i * 10)));
    const counts = s.queue?.counts as number[];
    assert.deepEqual(counts, counts.map((_, i) => counts[0]! + i));
    assert.deepEqual(s['stop-on-error'], { scenario: 'stop-on-error', failing: 'error', queued: ['aborted', 'aborted', 'aborted'], later: 'runs again' });
    assert.equal(s.death?.status, 'error');
    assert.equal(s.death?.ename, 'KernelDied');
    assert.match(String(s.death?.evalue), /a cell called process\.exit\(3\)\. The next cell starts a new kernel\./);
    assert.equal(s.death?.after, 'undefined', 'a new kernel runs the next cell');
    assert.deepEqual(s.restart, { scenario: 'restart', after: 'undefined', alive: true });
    assert.equal(s.shutdown?.alive, false);
  });

  test('a Jupyter Server on localhost with a token runs bmnb cells through its REST and websocket API', () => {
    const r = python([join(HERE, 'server_scenario.py')], env, tempDir());
    assert.equal(r.code, 0, r.stderr.slice(-4000));
    const got = JSON.parse(r.stdout.split('\n').filter((l) => l.startsWith('{')).at(-1) ?? '{}') as {
      spec: string;
      language: string;
      results: { reply: string; outputs: unknown[][] }[];
      kernels_left: number;
    };
    assert.equal(got.spec, 'TypeScript (bmnb)');
    assert.equal(got.language, 'typescript');
    const [first, second] = got.results;
    assert.equal(first?.reply, 'ok');
    assert.deepEqual(first?.outputs[0], ['stream', 'from the server\n']);
    assert.equal(first?.outputs[1]?.[0], 'execute_result');
    assert.match(String(first?.outputs[1]?.[1]), /^Tensor float32 \[3\]/);
    assert.deepEqual(first?.outputs[1]?.[2], ['application/vnd.bmnb.tensor+json', 'text/html', 'text/plain']);
    assert.deepEqual(second?.outputs, [['execute_result', '6', ['text/plain']]]);
    assert.equal(got.kernels_left, 0, 'the kernel was shut down through the API');
  });

  test('nbconvert executes a notebook of bmnb cells (a tensor, a fit, an error with --allow-errors), and nbformat validates the result', () => {
    const dir = tempDir();
    const cells = [
      "import * as tf from '@tensorflow/tfjs';\nconst x = tf.tensor2d([[1, 2], [3, 4]]);\nx",
      "const model = tf.sequential({ layers: [tf.layers.dense({ units: 4, activation: 'relu', inputShape: [2] }), tf.layers.dense({ units: 1 })] });\nmodel.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });\nconst h = await model.fit(tf.randomNormal([64, 2]), tf.randomNormal([64, 1]), { epochs: 3 });\nconsole.log('epochs', h.history.loss.length);",
      "throw new Error('an expected error')",
      'x.sum().arraySync()',
      'tf.randomUniform([3, 8, 8, 1])',
    ];
    const nb = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: NAME, display_name: 'TypeScript (bmnb)', language: 'typescript' }, language_info: { name: 'typescript' } },
      cells: [
        { cell_type: 'markdown', id: 'intro', metadata: {}, source: '# bmnb through nbconvert' },
        ...cells.map((source, i) => ({ cell_type: 'code', id: `c${i}`, metadata: {}, execution_count: null, outputs: [], source })),
      ],
    };
    writeFileSync(join(dir, 'in.ipynb'), JSON.stringify(nb));
    const r = spawnSync('jupyter', ['nbconvert', '--to', 'notebook', '--execute', '--allow-errors', 'in.ipynb', '--output', 'out.ipynb'], { cwd: dir, env, encoding: 'utf8', timeout: 300_000 });
    assert.equal(r.status, 0, r.stderr);
    const check = python(
      ['-c', "import nbformat, json, sys\nnb = nbformat.read('out.ipynb', as_version=4)\nnbformat.validate(nb)\nprint(json.dumps([[c.get('execution_count'), [o['output_type'] for o in c.get('outputs', [])]] for c in nb.cells if c.cell_type == 'code']))"],
      env,
      dir,
    );
    assert.equal(check.code, 0, check.stderr);
    assert.deepEqual(JSON.parse(check.stdout), [
      [1, ['execute_result']],
      [2, ['display_data', 'stream']],
      [3, ['error']],
      [4, ['execute_result']],
      [5, ['execute_result']],
    ]);
    const out = JSON.parse(readFileSync(join(dir, 'out.ipynb'), 'utf8')) as { cells: { outputs?: { data?: Record<string, unknown>; text?: string | string[]; ename?: string; evalue?: string }[] }[] };
    const [tensor, fit, error, sum, images] = out.cells.slice(1).map((c) => c.outputs ?? []);
    assert.match([tensor![0]!.data!['text/plain']].flat().join(''), /^Tensor float32 \[2, 2\]/);
    assert.ok(tensor![0]!.data!['application/vnd.bmnb.tensor+json'], 'the tensor keeps its bmnb payload');
    assert.ok(fit![0]!.data!['application/vnd.bmnb.training+json'], 'the fit keeps its live training payload');
    // What frontends without bmnb's renderers show: HTML tables, and PNGs of curves and images.
    assert.match([tensor![0]!.data!['text/html']].flat().join(''), /<td>1<\/td><td>2<\/td>/);
    assert.match([fit![0]!.data!['text/html']].flat().join(''), /<caption>Training \(fit\): 3 of 3 epochs, done<\/caption>/);
    assert.equal(Buffer.from(String(fit![0]!.data!['image/png']), 'base64').subarray(1, 4).toString(), 'PNG');
    assert.equal(Buffer.from(String(images![0]!.data!['image/png']), 'base64').subarray(1, 4).toString(), 'PNG');
    assert.equal([fit![1]!.text].flat().join(''), 'epochs 3\n');
    assert.equal(error![0]!.evalue, 'an expected error');
    assert.equal([sum![0]!.data!['text/plain']].flat().join(''), '10');
  });
});

/** A free TCP port. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

describe('the Jupyter wire over ipc', () => {
  test('a connection file with transport ipc binds Unix sockets and answers kernel_info', async () => {
    const dir = tempDir();
    const ip = join(dir, 'kernel-ipc');
    const signer = new Signer('k');
    const file = join(dir, 'kernel.json');
    writeFileSync(file, JSON.stringify({ transport: 'ipc', ip, shell_port: 1, iopub_port: 2, stdin_port: 3, control_port: 4, hb_port: 5, key: 'k', signature_scheme: 'hmac-sha256' }));
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'jupyterKernel.js'), '-f', file], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    const control = new zmq.Dealer();
    try {
      control.connect(`ipc://${ip}-4`);
      const header = newHeader('ipc-client', 'kernel_info_request');
      await control.send(serializeMessage({ identities: [], header, parent_header: {}, metadata: {}, content: {} }, signer));
      const reply = parseMessage(await control.receive(), signer);
      assert.equal(reply.header.msg_type, 'kernel_info_reply');
      assert.equal((reply.parent_header as { msg_id: string }).msg_id, header.msg_id);
      assert.ok(existsSync(`${ip}-1`), 'the shell socket is a file beside the connection file');
    } finally {
      control.close();
      child.kill();
    }
  });
});

describe('the Jupyter wire, from a ZeroMQ client', () => {
  let child: ChildProcess;
  let shell: zmq.Dealer;
  let hb: zmq.Request;
  let iopub: zmq.Subscriber;
  const signer = new Signer('a-secret-key');
  const waiting = new Map<string, (content: Record<string, unknown>) => void>();

  before(async () => {
    const ports = await Promise.all([0, 1, 2, 3, 4].map(() => freePort()));
    const [shellPort, iopubPort, stdinPort, controlPort, hbPort] = ports;
    const dir = tempDir();
    const file = join(dir, 'kernel.json');
    writeFileSync(file, JSON.stringify({ transport: 'tcp', ip: '127.0.0.1', shell_port: shellPort, iopub_port: iopubPort, stdin_port: stdinPort, control_port: controlPort, hb_port: hbPort, key: 'a-secret-key', signature_scheme: 'hmac-sha256' }));
    child = spawn(process.execPath, [join(ROOT, 'dist', 'jupyterKernel.js'), '-f', file], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    shell = new zmq.Dealer();
    shell.connect(`tcp://127.0.0.1:${shellPort}`);
    hb = new zmq.Request();
    hb.connect(`tcp://127.0.0.1:${hbPort}`);
    iopub = new zmq.Subscriber();
    iopub.connect(`tcp://127.0.0.1:${iopubPort}`);
    iopub.subscribe();
    // One reader for the shell socket (ZeroMQ takes one receive at a time): replies go to their request.
    void (async () => {
      for await (const frames of shell) {
        const msg = parseMessage(frames, signer);
        waiting.get((msg.parent_header as { msg_id?: string }).msg_id ?? '')?.(msg.content);
      }
    })().catch(() => undefined);
  });
  after(() => {
    for (const s of [shell, hb, iopub]) s?.close();
    child?.kill();
  });

  async function request(type: string, content: object, key: Signer = signer, timeoutMs = 5000): Promise<Record<string, unknown> | undefined> {
    const header = newHeader('test-client', type);
    const reply = new Promise<Record<string, unknown> | undefined>((resolve) => {
      waiting.set(header.msg_id, resolve);
      setTimeout(() => resolve(undefined), timeoutMs);
    });
    await shell.send(serializeMessage({ identities: [], header, parent_header: {}, metadata: {}, content: content as Record<string, unknown> }, key));
    return reply;
  }

  test('a message with a wrong signature is dropped; a signed one is answered, with a signed reply', async () => {
    const forged = await request('kernel_info_request', {}, new Signer('not-the-key'), 1500);
    assert.equal(forged, undefined);
    const info = await request('kernel_info_request', {}, signer, 20_000);
    assert.equal(info?.status, 'ok');
    assert.equal(info?.protocol_version, '5.3');
    assert.equal((info?.language_info as { name: string }).name, 'typescript');
  });

  test('the heartbeat answers at once while a cell spins, and the cell still replies', async () => {
    const spin = request('execute_request', { code: 'const until = Date.now() + 3000; while (Date.now() < until) {}', silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true }, signer, 30_000);
    await new Promise((r) => setTimeout(r, 800));
    const t0 = performance.now();
    await hb.send('ping');
    const [echo] = await hb.receive();
    const hbMs = performance.now() - t0;
    assert.equal(echo!.toString(), 'ping');
    assert.ok(hbMs < 500, `the heartbeat took ${hbMs} ms during a spinning cell`);
    const reply = await spin;
    assert.equal(reply?.status, 'ok');
  });
});
