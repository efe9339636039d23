/**
 * `--param name=value`: overrides the value assigned to `name` in the cell tagged `parameters`,
 * as papermill does for Jupyter. The cell's line `const name = …;` (or let/var, with or without
 * a type annotation) has its value replaced, for this run.
 */

export class ParamError extends Error {}

/** `epochs=3` -> ['epochs', '3'] with the value as TypeScript source (numbers, booleans, null and JSON stay; anything else becomes a string). */
export function parseParam(arg: string): [string, string] {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new ParamError(`--param expects name=value, got '${arg}'`);
  const name = arg.slice(0, eq).trim();
  if (!/^[A-Za-z_$][\w$]*$/.test(name)) throw new ParamError(`--param '${name}' is not a valid variable name`);
  const raw = arg.slice(eq + 1);
  let literal: string;
  try {
    const value: unknown = JSON.parse(raw);
    literal = JSON.stringify(value);
  } catch {
    literal = JSON.stringify(raw);
  }
  return [name, literal];
}

const ASSIGNMENT = (name: string) =>
  new RegExp(`^(\\s*(?:export\\s+)?(?:const|let|var)\\s+${name.replace(/\$/g, '\\$')}\\s*(?::[^=]+)?=\\s*)(.*?)(\\s*;?(?:\\s+\/\/.*)?\\s*)$`);

/** The names a parameters cell assigns (one per line), in order. */
export function assignedNames(source: string): string[] {
  const names: string[] = [];
  for (const line of source.split('\n')) {
    const m = /^\s*(?:export\s+)?(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=/.exec(line);
    if (m) names.push(m[1]!);
  }
  return names;
}

/** Returns `source` with each named assignment's value replaced by the given literal. */
export function applyParams(source: string, params: [string, string][]): string {
  const lines = source.split('\n');
  for (const [name, literal] of params) {
    const re = ASSIGNMENT(name);
    const index = lines.findIndex((line) => re.test(line));
    if (index < 0) {
      const known = assignedNames(source);
      throw new ParamError(
        `--param ${name}: the parameters cell does not assign '${name}'` + (known.length ? ` (it assigns: ${known.join(', ')})` : ''),
      );
    }
    lines[index] = lines[index]!.replace(re, (_, head: string, _value: string, tail: string) => `${head}${literal}${tail}`);
  }
  return lines.join('\n');
}
