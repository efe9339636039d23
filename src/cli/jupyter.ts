/** `bmnb jupyter install | uninstall | list`: bmnb's Jupyter kernelspec (src/jupyter/kernelspec.ts). */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Writable } from 'node:stream';
import { install, KernelspecError, list, uninstall, type Place } from '../jupyter/kernelspec';
import { JUPYTER_KERNELSPEC, type BackendName } from '../protocol';

export const JUPYTER_USAGE = `Usage: bmnb jupyter install [--user | --sys-prefix | --prefix DIR] [--name NAME] [--display-name TEXT] [--backend NAME] [--force]
       bmnb jupyter uninstall [--user | --sys-prefix | --prefix DIR] [--name NAME]
       bmnb jupyter list [--json]

Makes bmnb a Jupyter kernel (JupyterLab, notebook, nbconvert, jupyter-console, VS Code's Jupyter
extension, a remote Jupyter Server): install writes the kernelspec NAME (default bmnb, shown as
"TypeScript (bmnb)") for this Node and this bmnb. --user (default) uses $JUPYTER_DATA_DIR or
your Jupyter data folder; --sys-prefix the Python environment Jupyter runs in; --prefix DIR
DIR/share/jupyter. --backend sets the kernel's backend (default auto).
Exit codes: 0 done, 2 bad input (an existing spec without --force, a folder that cannot be written).`;

export class JupyterUsageError extends Error {}

/** Runs a `bmnb jupyter` subcommand; returns the exit code. */
export function jupyterCommand(argv: string[], stdout: Writable, env: NodeJS.ProcessEnv = process.env): number {
  const [sub, ...rest] = argv;
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: rest,
      strict: true,
      allowPositionals: false,
      options: {
        user: { type: 'boolean', default: false },
        'sys-prefix': { type: 'boolean', default: false },
        prefix: { type: 'string' },
        name: { type: 'string', default: JUPYTER_KERNELSPEC.name },
        'display-name': { type: 'string', default: JUPYTER_KERNELSPEC.display_name },
        backend: { type: 'string' },
        force: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
    }));
  } catch (err) {
    throw new JupyterUsageError(`${(err as Error).message.replace(/\. To specify a positional argument.*$/, '')}\n${JUPYTER_USAGE}`);
  }
  const places = [values.user, values['sys-prefix'], values.prefix !== undefined].filter(Boolean).length;
  if (places > 1) throw new JupyterUsageError('use one of --user, --sys-prefix and --prefix DIR');
  const place: Place = values['sys-prefix'] ? { kind: 'sys-prefix' } : values.prefix !== undefined ? { kind: 'prefix', dir: String(values.prefix) } : { kind: 'user' };
  const name = String(values.name);
  try {
    switch (sub) {
      case 'install': {
        const dir = install({
          place,
          name,
          displayName: String(values['display-name']),
          backend: values.backend as BackendName | 'auto' | undefined,
          force: Boolean(values.force),
          kernelEntry: join(__dirname, 'jupyterKernel.js'),
          env,
        });
        stdout.write(`Installed the Jupyter kernel '${name}' ("${String(values['display-name'])}") in ${dir}\n`);
        return 0;
      }
      case 'uninstall':
        stdout.write(`Removed the Jupyter kernel '${name}' from ${uninstall(place, name, env)}\n`);
        return 0;
      case 'list': {
        const specs = list(env);
        if (values.json) stdout.write(`${JSON.stringify(specs, null, 2)}\n`);
        else if (!specs.length) stdout.write('No bmnb Jupyter kernel is installed (bmnb jupyter install).\n');
        else for (const s of specs) stdout.write(`${s.name}  "${s.displayName}"  backend ${s.backend}  ${s.dir}${s.ok ? '' : '  (its Node or bmnb is gone: install again with --force)'}\n`);
        return 0;
      }
      default:
        throw new JupyterUsageError(`${sub ? `unknown subcommand '${sub}'` : 'bmnb jupyter needs a subcommand'}\n${JUPYTER_USAGE}`);
    }
  } catch (err) {
    if (err instanceof KernelspecError) throw new JupyterUsageError(err.message);
    throw err;
  }
}
