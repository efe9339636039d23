/** Helpers for tests that drive the real kernel process (dist/kernel.js, built by `npm test`). */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { KernelClient, type KernelOptions } from '../../src/host/kernelClient';
import type { DisplayParams, ExecuteResult, StreamParams } from '../../src/protocol';

export const ROOT = resolve(__dirname, '..', '..');
export const KERNEL_PATH = join(ROOT, 'dist', 'kernel.js');
export const CLI_PATH = join(ROOT, 'dist', 'cli.js');

/** A fresh folder outside the repository (so nothing resolves from the repo's node_modules by accident). */
export function tempDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'bmnb-test-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/**
 * A kernel on `auto`, or on BMNB_TEST_BACKEND when set (to run the kernel tests on another
 * backend, e.g. webgpu on a machine with a GPU; tests that expect wasm then say so).
 */
export async function startKernel(options: Partial<KernelOptions> = {}): Promise<KernelClient> {
  const backend = (process.env.BMNB_TEST_BACKEND || 'auto') as KernelOptions['backend'];
  return KernelClient.start({ kernelPath: KERNEL_PATH, notebookDir: options.notebookDir ?? tempDir(), backend, ...options });
}

export interface CellRun extends ExecuteResult {
  streams: (StreamParams & { at: number })[];
  /** text/plain of each display(value) call, in order. */
  displays: string[];
  /** Every display notification, in order (live outputs send several with one displayId). */
  displayParams: DisplayParams[];
  stdout: string;
  stderr: string;
  /** text/plain of the result, if any. */
  text?: string;
}

let cellCount = 0;

/** Runs one cell and gathers what it printed, with the time each chunk arrived. */
export async function run(kernel: KernelClient, source: string, language: 'typescript' | 'javascript' = 'typescript', label?: string): Promise<CellRun> {
  const streams: CellRun['streams'] = [];
  const displays: string[] = [];
  const displayParams: DisplayParams[] = [];
  const n = ++cellCount;
  const result = await kernel.execute(
    { cellId: `c${n}`, cellLabel: label ?? `cell ${n}`, language, source },
    {
      onStream: (s) => streams.push({ ...s, at: Date.now() }),
      onDisplay: (d) => {
        displayParams.push(d);
        displays.push(String(d.items.find((i) => i.mime === 'text/plain')?.data));
      },
    },
  );
  const text = result.result?.find((i) => i.mime === 'text/plain')?.data as string | undefined;
  return {
    ...result,
    streams,
    displays,
    displayParams,
    stdout: streams.filter((s) => s.name === 'stdout').map((s) => s.text).join(''),
    stderr: streams.filter((s) => s.name === 'stderr').map((s) => s.text).join(''),
    text,
  };
}
