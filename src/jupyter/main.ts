/**
 * dist/jupyterKernel.js: the process a Jupyter client (JupyterLab, nbconvert, jupyter-console, a
 * Jupyter Server) starts from bmnb's kernelspec: `node dist/jupyterKernel.js -f <connection file>`.
 * `BMNB_BACKEND` picks the backend (default auto). SIGINT interrupts the running cell (the
 * kernelspec asks for interrupts as messages; a signal works too); SIGTERM shuts down.
 */
import { join } from 'node:path';
import { JupyterKernel, readConnectionFile } from './kernel';
import { BACKENDS, type BackendName } from '../protocol';

function log(message: string): void {
  process.stderr.write(`[bmnb jupyter ${process.pid}] ${message}\n`);
}

function fail(message: string): never {
  process.stderr.write(`bmnb jupyter kernel: ${message}\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
const at = args.findIndex((a) => a === '-f' || a === '--connection-file');
const file = at >= 0 ? args[at + 1] : args.find((a) => a.startsWith('--connection-file='))?.slice('--connection-file='.length);
if (!file) fail('usage: node jupyterKernel.js -f <connection file> (Jupyter starts it so, from the kernelspec `bmnb jupyter install` writes)');

const backend = (process.env.BMNB_BACKEND || 'auto') as BackendName | 'auto';
if (backend !== 'auto' && !BACKENDS.includes(backend)) fail(`BMNB_BACKEND='${backend}' is not a backend; use auto, ${BACKENDS.join(', ')}`);

let connection;
try {
  connection = readConnectionFile(file);
} catch (err) {
  fail((err as Error).message);
}

const kernel = new JupyterKernel(connection, {
  kernelPath: join(__dirname, 'kernel.js'),
  languageServerPath: join(__dirname, 'languageServer.js'),
  notebookDir: process.cwd(),
  backend,
  log,
  onShutdown: () => process.exit(0),
});

process.on('SIGINT', () => void kernel.interrupt());
process.on('SIGTERM', () => void kernel.close().finally(() => process.exit(0)));

kernel.start().catch((err: unknown) => fail(`cannot bind the sockets of ${file}: ${(err as Error).message}`));
