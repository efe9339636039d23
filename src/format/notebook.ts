import { FIX_IN_EDITOR, NotebookFormatError } from './errors';
import { jsonSyntaxProblem } from './jsonError';
import type { NotebookFile } from './types';
import { FORMAT_VERSION, isNewerVersionProblem, validateNotebook } from './validate';

const NEWER_VERSION_ADVICE = 'The file was not changed.';

/**
 * Reads `.bmnb` text (a leading UTF-8 byte order mark is accepted) and checks it against the
 * format. A missing `metadata` is filled in as `{}`; unknown fields are kept.
 *
 * @throws NotebookFormatError listing every problem with its JSON path — for text that is not
 *   JSON, one problem at `$` with the line and column where parsing stopped.
 *
 * @example
 * const nb = parseNotebook('{"bmnb": 1, "cells": []}');   // → { bmnb: 1, cells: [], metadata: {} }
 * parseNotebook('{"bmnb": 2, "cells": []}');             // throws: $.bmnb: unsupported version 2; …
 */
export function parseNotebook(text: string): NotebookFile {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    throw new NotebookFormatError([jsonSyntaxProblem(body, error)]);
  }
  const problems = validateNotebook(value);
  if (problems.length > 0) {
    const advice = problems.some(isNewerVersionProblem) ? NEWER_VERSION_ADVICE : FIX_IN_EDITOR;
    throw new NotebookFormatError(problems, advice);
  }
  const nb = value as NotebookFile;
  if (nb.metadata === undefined) nb.metadata = {};
  return nb;
}

/**
 * A new notebook with no cells.
 *
 * @example
 * emptyNotebook('Tensors');   // → { bmnb: 1, metadata: { title: 'Tensors' }, cells: [] }
 */
export function emptyNotebook(title?: string): NotebookFile {
  return { bmnb: FORMAT_VERSION, metadata: title === undefined ? {} : { title }, cells: [] };
}

const ID_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';
const ID_LENGTH = 8;

/**
 * A fresh random cell id: 8 lowercase base-36 characters, not in `existing`.
 *
 * @example
 * const ids = new Set(nb.cells.map((c) => c.id));
 * nb.cells.push({ id: newCellId(ids), kind: 'code', language: 'typescript', source: [] });
 */
export function newCellId(existing: ReadonlySet<string> = new Set()): string {
  for (;;) {
    let id = '';
    for (let i = 0; i < ID_LENGTH; i++) id += ID_ALPHABET[Math.floor(Math.random() * ID_ALPHABET.length)];
    if (!existing.has(id)) return id;
  }
}
