import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import type { FormatProblem } from './errors';
import { NOTEBOOK_SCHEMA } from './schema';

/** The only format version this build reads and writes. */
export const FORMAT_VERSION = 1;

let compiled: ValidateFunction | undefined;

/** Compiles the schema on first use (ajv compilation costs a few milliseconds). */
function schemaValidator(): ValidateFunction {
  compiled ??= new Ajv({ allErrors: true, verbose: true, allowUnionTypes: true, strict: true }).compile(
    NOTEBOOK_SCHEMA,
  );
  return compiled;
}

/**
 * Checks a parsed JSON value against the `.bmnb` v1 format and returns every problem found,
 * each with the JSON path of the offending value. An empty array means the value is a valid
 * notebook (`metadata` may still be missing; `parseNotebook` fills it in).
 *
 * A missing or unsupported `bmnb` version is reported alone: the rest of the file is not checked.
 *
 * @example
 * validateNotebook({ bmnb: 1, cells: [{ id: 'a', kind: 'raw', language: 'markdown', source: [] }] });
 * // → [{ path: '$.cells[0].kind', message: 'must be one of "code", "markdown" (got "raw")' }]
 */
export function validateNotebook(value: unknown): FormatProblem[] {
  const versionProblem = checkVersion(value);
  if (versionProblem) return [versionProblem];

  const validate = schemaValidator();
  const problems: FormatProblem[] = [];
  const seen = new Set<string>();
  const add = (problem: FormatProblem): void => {
    const key = `${problem.path}\u0000${problem.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      problems.push(problem);
    }
  };
  if (!validate(value)) {
    for (const error of validate.errors ?? []) add(toProblem(error, value));
  }
  for (const problem of duplicateIdProblems(value)) add(problem);
  return problems;
}

/**
 * The version check, done before the schema: a value that is not an object, has no `bmnb` field,
 * or has another version gets exactly one problem. Returns `undefined` when `bmnb` is 1.
 */
export function checkVersion(value: unknown): FormatProblem | undefined {
  if (!isObject(value)) {
    return {
      path: '$',
      message: `must be a JSON object with "bmnb", "metadata" and "cells" (got ${describe(value)}); this is not a bmnb notebook`,
    };
  }
  if (!('bmnb' in value)) {
    const jupyter = 'nbformat' in value ? ' (it looks like a Jupyter .ipynb notebook)' : '';
    return {
      path: '$',
      message: `missing required field "bmnb"; this is not a bmnb notebook${jupyter}. A bmnb notebook starts with { "bmnb": 1, …`,
    };
  }
  const version = value.bmnb;
  if (version === FORMAT_VERSION) return undefined;
  if (typeof version === 'number' && Number.isInteger(version) && version > FORMAT_VERSION) {
    return {
      path: '$.bmnb',
      message: `unsupported version ${version}; this build of bmnb reads version ${FORMAT_VERSION}. Update bmnb to open this file`,
    };
  }
  return { path: '$.bmnb', message: `must be the number ${FORMAT_VERSION} (got ${describe(version)})` };
}

/** True when `checkVersion` reports a file written by a newer bmnb. */
export function isNewerVersionProblem(problem: FormatProblem): boolean {
  return problem.path === '$.bmnb' && problem.message.startsWith('unsupported version');
}

/** Reports each cell whose id was already used by an earlier cell. */
function duplicateIdProblems(value: unknown): FormatProblem[] {
  if (!isObject(value) || !Array.isArray(value.cells)) return [];
  const firstIndex = new Map<string, number>();
  const problems: FormatProblem[] = [];
  value.cells.forEach((cell: unknown, index: number) => {
    if (!isObject(cell) || typeof cell.id !== 'string' || cell.id === '') return;
    const first = firstIndex.get(cell.id);
    if (first === undefined) {
      firstIndex.set(cell.id, index);
    } else {
      problems.push({
        path: `$.cells[${index}].id`,
        message: `duplicate id ${describe(cell.id)} (also used by $.cells[${first}]); cell ids must be unique`,
      });
    }
  });
  return problems;
}

/** Turns one ajv error into a problem a user can act on. */
function toProblem(error: ErrorObject, root: unknown): FormatProblem {
  const { path, value } = resolvePointer(root, error.instancePath);
  const params = error.params as Record<string, unknown>;
  const description = (error.parentSchema as { description?: string } | undefined)?.description;
  switch (error.keyword) {
    case 'required':
      return { path, message: `missing required field "${String(params.missingProperty)}"` };
    case 'type':
      return { path, message: `must be ${description ?? typeWords(params.type)} (got ${describe(value)})` };
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ');
      return { path, message: `must be one of ${allowed} (got ${describe(value)})` };
    }
    case 'const':
      return { path, message: `must be ${JSON.stringify(params.allowedValue)} (got ${describe(value)})` };
    case 'minLength':
    case 'minimum':
      return { path, message: `must be ${description ?? String(error.message)} (got ${describe(value)})` };
    default:
      return { path, message: error.message ?? `is not valid (${error.keyword})` };
  }
}

/** Words for an ajv `type` parameter, e.g. `['integer', 'null']` → "a whole number or null". */
function typeWords(type: unknown): string {
  const words: Record<string, string> = {
    object: 'an object',
    array: 'an array',
    string: 'a string',
    number: 'a number',
    integer: 'a whole number',
    boolean: 'true or false',
    null: 'null',
  };
  const types = Array.isArray(type) ? type : String(type).split(',');
  return types.map((t: unknown) => words[String(t)] ?? String(t)).join(' or ');
}

/**
 * Follows an ajv instance path (a JSON pointer such as `/cells/0/source`) through `root`,
 * returning the JSON path (`$.cells[0].source`) and the value found there.
 */
function resolvePointer(root: unknown, pointer: string): { path: string; value: unknown } {
  let path = '$';
  let value: unknown = root;
  if (pointer === '') return { path, value };
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(value)) {
      path += `[${segment}]`;
      value = value[Number(segment)];
    } else {
      path += /^[A-Za-z_$][\w$]*$/.test(segment) ? `.${segment}` : `[${JSON.stringify(segment)}]`;
      value = isObject(value) ? value[segment] : undefined;
    }
  }
  return { path, value };
}

/** Short description of a value for "(got …)": JSON for scalars (long strings cut), a noun otherwise. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : 'an array';
  if (typeof value === 'object' && value !== null) return 'an object';
  if (typeof value === 'string') {
    const chars = Array.from(value);
    return chars.length > 40 ? `${JSON.stringify(chars.slice(0, 40).join(''))}…` : JSON.stringify(value);
  }
  return String(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
