import * as vscode from 'vscode';
import { DEFAULT_MAX_OUTPUT_MB } from '../host/outputs';
import type { BackendName } from '../protocol';

export interface Settings {
  backend: BackendName | 'auto';
  /** Node executable for the kernel; empty: VS Code's own runtime. */
  nodePath: string;
  /** Heap limit of the kernel process in MB; 0: Node's default. */
  maxMemoryMB: number;
  interruptTimeoutSeconds: number;
  /** Shapes of the tensors a cell declared, at the end of their lines after it ran. */
  shapesInlineHints: boolean;
  /** The most output a cell keeps, in MB. */
  maxOutputMB: number;
  /** What Run does with a cell that has type errors. */
  typecheckOnRun: 'off' | 'warn' | 'block';
}

/** The `bmnb.*` settings, with their defaults. */
export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration('bmnb');
  return {
    backend: c.get<BackendName | 'auto'>('backend', 'auto'),
    nodePath: c.get<string>('nodePath', '').trim(),
    maxMemoryMB: c.get<number>('kernel.maxMemoryMB', 0),
    interruptTimeoutSeconds: Math.max(1, c.get<number>('interruptTimeoutSeconds', 10)),
    shapesInlineHints: c.get<boolean>('shapes.inlineHints', true),
    maxOutputMB: Math.max(0.1, c.get<number>('output.maxMegabytesPerCell', DEFAULT_MAX_OUTPUT_MB)),
    typecheckOnRun: c.get<'off' | 'warn' | 'block'>('typecheck.onRun', 'off'),
  };
}
