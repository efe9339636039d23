/**
 * VS Code's own TypeScript service, kept off .bmnb cells: a real tsserver, started the way VS Code's
 * TypeScript extension starts it for an extension that contributes a server plugin
 * (`--globalPlugins bmnb-tsserver-plugin --pluginProbeLocations <extension folder>`), is given a
 * notebook cell under the name VS Code gives it (`^/vscode-notebook-cell/…/x.bmnb#…`), a Jupyter
 * notebook's cell and a plain .ts file, all with the same text. The .bmnb cell gets no errors, hover
 * or completions from it (bmnb's language server types cells); the others get all of them as before.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tempDir } from './helpers/kernel';

/** tsserver's answers, by request seq. */
class TsServer {
  private seq = 0;
  private buffer = '';
  private readonly waiting = new Map<number, (body: unknown) => void>();
  private readonly child: ChildProcess;

  constructor(probeLocation: string) {
    this.child = spawn(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'lib', 'tsserver.js'), '--globalPlugins', 'bmnb-tsserver-plugin', '--pluginProbeLocations', probeLocation, '--useInferredProjectPerProjectRoot', '--disableAutomaticTypingAcquisition'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (chunk: string) => {
      this.buffer += chunk;
      for (;;) {
        const header = /Content-Length: (\d+)\r\n\r\n/.exec(this.buffer);
        if (!header) return;
        const start = header.index + header[0].length;
        const length = Number(header[1]);
        if (Buffer.byteLength(this.buffer.slice(start)) < length) return;
        const body = Buffer.from(this.buffer.slice(start)).subarray(0, length).toString('utf8');
        this.buffer = Buffer.from(this.buffer.slice(start)).subarray(length).toString('utf8');
        const message = JSON.parse(body) as { type: string; request_seq?: number; body?: unknown; success?: boolean; message?: string };
        if (message.type === 'response' && message.request_seq !== undefined) this.waiting.get(message.request_seq)?.(message.success === false ? { error: message.message } : message.body);
      }
    });
  }

  request(command: string, args: unknown): Promise<unknown> {
    const seq = ++this.seq;
    const answered = new Promise<unknown>((resolve) => this.waiting.set(seq, resolve));
    this.child.stdin!.write(`${JSON.stringify({ seq, type: 'request', command, arguments: args })}\n`);
    return answered;
  }

  dispose(): void {
    this.child.kill();
  }
}

describe("VS Code's own TypeScript service, with bmnb's server plugin", () => {
  const dir = tempDir();
  const cell = `^/vscode-notebook-cell/ts-nul-authority${dir}/mnist.bmnb#W0sZmlsZQ==`;
  const plain = join(dir, 'plain.ts');
  const jupyter = `^/vscode-notebook-cell/ts-nul-authority${dir}/other.ipynb#W0sZmlsZQ==`;
  const text = 'const xs = undeclaredInThisCell.zeros([2]);\nconst n: string = 1;\nxs';
  let server: TsServer;

  before(async () => {
    // The repository is laid out as the installed extension is: node_modules/bmnb-tsserver-plugin.
    server = new TsServer(ROOT);
    await server.request('configure', { preferences: {} });
    await server.request('updateOpen', {
      openFiles: [
        { file: cell, fileContent: text, scriptKindName: 'TS', projectRootPath: dir },
        { file: plain, fileContent: text, scriptKindName: 'TS', projectRootPath: dir },
        { file: jupyter, fileContent: text, scriptKindName: 'TS', projectRootPath: dir },
      ],
    });
  });
  after(() => server?.dispose());

  test('package.json names the plugin the repository holds as a dependency', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { contributes: { typescriptServerPlugins: { name: string }[] }; dependencies: Record<string, string> };
    assert.deepEqual(pkg.contributes.typescriptServerPlugins.map((p) => p.name), ['bmnb-tsserver-plugin']);
    assert.ok(pkg.dependencies['bmnb-tsserver-plugin'], 'a production dependency, so vsce packages it under node_modules');
  });

  test('a .bmnb cell gets no errors, hover or completions from it; a Jupyter cell and a plain .ts file get them all', async () => {
    const diagnostics = async (file: string) =>
      [...((await server.request('syntacticDiagnosticsSync', { file })) as { text: string }[]), ...((await server.request('semanticDiagnosticsSync', { file })) as { text: string }[])].map((d) => d.text);
    const hover = (file: string) => server.request('quickinfo', { file, line: 3, offset: 1 }) as Promise<{ displayString?: string } | undefined>;
    const completions = (file: string) => server.request('completionInfo', { file, line: 3, offset: 1 }) as Promise<{ entries?: unknown[] } | undefined>;
    for (const other of [plain, jupyter]) {
      const errors = await diagnostics(other);
      assert.ok(errors.some((m) => /Cannot find name 'undeclaredInThisCell'/.test(m)), `${other}: ${errors.join('\n')}`);
      assert.ok(errors.some((m) => /Type 'number' is not assignable to type 'string'/.test(m)), `${other}: ${errors.join('\n')}`);
      assert.match((await hover(other))!.displayString!, /const xs: any/);
      assert.ok(((await completions(other))?.entries?.length ?? 0) > 10);
    }
    assert.deepEqual(await diagnostics(cell), []);
    assert.equal((await hover(cell))?.displayString, undefined);
    assert.equal((await completions(cell))?.entries?.length ?? 0, 0);
  });
});
