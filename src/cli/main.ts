/**
 * The `bmnb` command line (dist/cli.js). Exit codes: 0 all cells ran, 1 a cell failed, 2 bad input.
 */
import { parseArgs } from 'node:util';
import { BACKENDS, type BackendName } from '../protocol';
import { BadInputError, defaultKernelPath, EXIT, runNotebook } from './run';
import { parseParam, ParamError } from './params';
import { doctorCommand } from './doctor';
import { JUPYTER_USAGE, jupyterCommand, JupyterUsageError } from './jupyter';
import { checkCommand, checkNotebook, CheckInputError, formatTypeError } from './check';
import { DEFAULT_MAX_OUTPUT_MB } from '../host/outputs';
import { CONVERT_USAGE, convertCommand, exportCommand, outKind, writeNotebookAs, type OutKind } from './convert';
import { dirname } from 'node:path';

const USAGE = `Usage: bmnb run <file.bmnb> [options]

Runs every code cell of a notebook in order in one kernel and prints their outputs.

Options:
  --out <file>          write the executed notebook (with outputs) to <file>: a .bmnb, or by its
                        extension an .ipynb, a self-contained .html report or .md (see bmnb export)
  --to <format>         bmnb | ipynb | html | markdown: what --out is (default: by its extension;
                        without --out, the notebook's name with that extension)
  --inplace             write the executed notebook back to <file.bmnb>
  --backend <name>      auto (default) | ${BACKENDS.join(' | ')}
  --param name=value    override an assignment in the cell tagged "parameters" (repeatable)
  --timeout <seconds>   stop a cell that runs longer than this
  --max-memory <MB>     heap limit of the kernel process
  --max-output <MB>     output a cell keeps in the written notebook (default ${DEFAULT_MAX_OUTPUT_MB});
                        past it, the first and last half with a note between (stdout gets all)
  --typecheck           type-check the notebook first; on type errors print them and run nothing (exit 2)
  -h, --help            show this help

Exit codes: 0 all cells ran, 1 a cell failed, 2 bad input.

Usage: bmnb check <file.bmnb>…

Type-checks notebooks without running them, with the types the kernel gives cells (tfjs, the
bmnb module, display, Node). Exit codes: 0 no type errors, 1 type errors, 2 bad input.

Usage: bmnb doctor [--json]

Checks which TensorFlow.js backends load here (native ones are looked for from the current
folder and BMNB_TFJS_NODE_PATH), their versions, where they are, why the others do not and how
to install them, the CUDA/cuDNN libraries tfjs-node-gpu needs, and what auto would pick.
  --json                print the report as JSON
Exit codes: 0 at least one backend loads, 1 none does, 2 bad input.

${CONVERT_USAGE}

${JUPYTER_USAGE}`;

class UsageError extends Error {}

function parse(argv: string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        out: { type: 'string' },
        to: { type: 'string' },
        inplace: { type: 'boolean', default: false },
        backend: { type: 'string', default: 'auto' },
        param: { type: 'string', multiple: true, default: [] },
        timeout: { type: 'string' },
        'max-memory': { type: 'string' },
        'max-output': { type: 'string' },
        typecheck: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    const message = (err as Error).message.replace(/\. To specify a positional argument.*$/, '');
    throw new UsageError(`${message}\nValid options: --out, --to, --inplace, --backend, --param, --timeout, --max-memory, --max-output, --typecheck, --help`);
  }
  return parsed;
}

function parseDoctor(argv: string[]): { json: boolean } {
  try {
    const { values } = parseArgs({ args: argv, strict: true, allowPositionals: false, options: { json: { type: 'boolean', default: false } } });
    return { json: values.json as boolean };
  } catch (err) {
    const message = (err as Error).message.replace(/\. To specify a positional argument.*$/, '');
    throw new UsageError(`${message}\nValid options of bmnb doctor: --json`);
  }
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'doctor') {
    const { json } = parseDoctor(argv.slice(1));
    return doctorCommand({ kernelPath: defaultKernelPath(), dir: process.cwd(), json, stdout: process.stdout });
  }
  if (argv[0] === 'convert') return convertCommand(argv.slice(1), dirname(defaultKernelPath()), process.stderr);
  if (argv[0] === 'export') return exportCommand(argv.slice(1), dirname(defaultKernelPath()), process.stderr);
  if (argv[0] === 'check') return checkCommand(argv.slice(1), process.stdout, process.stderr);
  if (argv[0] === 'jupyter') {
    try {
      return jupyterCommand(argv.slice(1), process.stdout);
    } catch (err) {
      if (err instanceof JupyterUsageError) throw new BadInputError(err.message);
      throw err;
    }
  }
  const { values, positionals } = parse(argv);
  if (values.help || positionals.length === 0) {
    process.stdout.write(`${USAGE}\n`);
    return positionals.length === 0 && !values.help ? EXIT.badInput : EXIT.ok;
  }
  const [command, file, ...extra] = positionals;
  if (command !== 'run') throw new UsageError(`unknown command '${command}'; the commands are: run, check, convert, export, doctor, jupyter`);
  if (!file) throw new UsageError('bmnb run needs a notebook file: bmnb run <file.bmnb>');
  if (extra.length > 0) throw new UsageError(`unexpected argument(s): ${extra.join(' ')}`);
  const backend = values.backend as string;
  if (backend !== 'auto' && !(BACKENDS as readonly string[]).includes(backend)) {
    throw new UsageError(`unknown backend '${backend}'; valid backends: auto, ${BACKENDS.join(', ')}`);
  }
  if (values.out && values.inplace) throw new UsageError('use either --out or --inplace, not both');
  const to = values.to === 'md' ? 'markdown' : (values.to as string | undefined);
  if (to !== undefined && !['bmnb', 'ipynb', 'html', 'markdown'].includes(to)) throw new UsageError(`--to expects bmnb, ipynb, html or markdown, got '${to}'`);
  if (to && values.inplace) throw new UsageError('--inplace writes the .bmnb itself: use --out <file> with --to');
  const ext = { bmnb: '.bmnb', ipynb: '.ipynb', html: '.html', markdown: '.md' } as const;
  const out = (values.out as string | undefined) ?? (to ? file.replace(/(\.bmnb)?$/, ext[to as OutKind]) : undefined);
  if (out && to && out === file) throw new UsageError(`--to ${to} would write over ${file}: name another file with --out`);
  const kind: OutKind = (to as OutKind | undefined) ?? (out ? (outKind(out) ?? 'bmnb') : 'bmnb');
  const positive = (name: string, raw: string | undefined): number | undefined => {
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} expects a positive number, got '${raw}'`);
    return n;
  };
  let params: [string, string][];
  try {
    params = (values.param as string[]).map(parseParam);
  } catch (err) {
    if (err instanceof ParamError) throw new UsageError(err.message);
    throw err;
  }
  if (values.typecheck) {
    let errors;
    try {
      errors = checkNotebook(file);
    } catch (err) {
      if (err instanceof CheckInputError) throw new BadInputError(err.message);
      throw err;
    }
    if (errors.length) {
      for (const e of errors) process.stderr.write(`${formatTypeError(e)}\n`);
      process.stderr.write(`bmnb: ${errors.length} type error(s); nothing was run (drop --typecheck to run anyway)\n`);
      return EXIT.badInput;
    }
  }
  return runNotebook({
    file,
    out,
    writeOut: (nb, f) => writeNotebookAs(nb, f, kind, dirname(defaultKernelPath())),
    inplace: values.inplace as boolean,
    backend: backend as BackendName | 'auto',
    params,
    timeoutSeconds: positive('timeout', values.timeout as string | undefined),
    maxMemoryMB: positive('max-memory', values['max-memory'] as string | undefined),
    maxOutputMB: positive('max-output', values['max-output'] as string | undefined),
    interruptTimeoutSeconds: 10,
    kernelPath: defaultKernelPath(),
    stdout: process.stdout,
    stderr: process.stderr,
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError || err instanceof BadInputError) {
      process.stderr.write(`bmnb: ${err.message}\n`);
      if (err instanceof UsageError) process.stderr.write(`Run 'bmnb --help' for usage.\n`);
      process.exitCode = EXIT.badInput;
    } else {
      process.stderr.write(`bmnb: internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = EXIT.cellFailed;
    }
  },
);
