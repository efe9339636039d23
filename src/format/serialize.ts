import type { NotebookFile } from './types';

const ROOT_KEYS = ['bmnb', 'metadata', 'cells'] as const;
const NOTEBOOK_METADATA_KEYS = ['title', 'backend'] as const;
const CELL_KEYS = ['id', 'kind', 'language', 'source', 'metadata', 'outputs', 'execution'] as const;
const OUTPUT_KEYS = ['items', 'metadata'] as const;
const ITEM_KEYS = ['mime', 'data'] as const;
const EXECUTION_KEYS = ['order', 'success', 'durationMs'] as const;

/**
 * Writes a notebook as `.bmnb` text: two-space indent, a trailing newline, and a stable key
 * order — the documented keys first in their documented order, then unknown keys in their
 * existing order (nested unknown objects are written as they are). Fields whose value is
 * `undefined` are left out. The input is not changed.
 *
 * For any text this function wrote, `serializeNotebook(parseNotebook(text)) === text`.
 * The notebook is not validated here: pass only values that `validateNotebook` accepts.
 *
 * @example
 * serializeNotebook(emptyNotebook('Demo'));
 * // → '{\n  "bmnb": 1,\n  "metadata": {\n    "title": "Demo"\n  },\n  "cells": []\n}\n'
 */
export function serializeNotebook(nb: NotebookFile): string {
  return `${JSON.stringify(canonicalNotebook(nb), null, 2)}\n`;
}

function canonicalNotebook(nb: NotebookFile): Record<string, unknown> {
  return ordered(nb, ROOT_KEYS, {
    metadata: (m) => ordered(m, NOTEBOOK_METADATA_KEYS),
    cells: (cells) => mapArray(cells, canonicalCell),
  });
}

function canonicalCell(cell: unknown): unknown {
  return ordered(cell, CELL_KEYS, {
    outputs: (outputs) => mapArray(outputs, canonicalOutput),
    execution: (e) => ordered(e, EXECUTION_KEYS),
  });
}

function canonicalOutput(output: unknown): unknown {
  return ordered(output, OUTPUT_KEYS, {
    items: (items) => mapArray(items, (item) => ordered(item, ITEM_KEYS)),
  });
}

function mapArray(value: unknown, f: (element: unknown) => unknown): unknown {
  return Array.isArray(value) ? value.map(f) : value;
}

/**
 * Copies `value` with `known` keys first (each passed through its function in `nested`, if any)
 * and every other key after them in its existing order. Non-objects are returned unchanged.
 */
function ordered<T>(
  value: T,
  known: readonly string[],
  nested: Record<string, (v: unknown) => unknown> = {},
): T | Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const source = value as Record<string, unknown>;
  const result: Record<string, unknown> = {};
  for (const key of known) {
    if (Object.prototype.hasOwnProperty.call(source, key) && source[key] !== undefined) {
      const f = nested[key];
      result[key] = f ? f(source[key]) : source[key];
    }
  }
  for (const key of Object.keys(source)) {
    if (!known.includes(key)) result[key] = source[key];
  }
  return result;
}
