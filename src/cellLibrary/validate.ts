/** Checks of arguments shared by the bmnb module's functions: errors say what was expected. */

/** Throws on an options argument that is not an object or names an option `allowed` lacks (a typo). */
export function checkOptions(options: unknown, allowed: readonly string[], what: string): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${what}: options must be an object such as { ${allowed.map((k) => `${k}: …`).join(', ')} }, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}.`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      const near = allowed.find((k) => k.toLowerCase() === key.toLowerCase());
      throw new TypeError(`${what}: unknown option "${key}"${near ? ` (did you mean "${near}"?)` : ''}; the options are ${allowed.join(', ')}.`);
    }
  }
}

/** A whole number ≥ 0 or undefined; anything else throws. */
export function wholeNumber(value: unknown, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new RangeError(`${what} must be a whole number ≥ 0, got ${typeof value === 'number' ? value : typeof value === 'string' ? `"${value}"` : typeof value}.`);
  }
  return value;
}

/** A finite number; anything else throws. */
export function finiteNumber(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TypeError(`${what} must be a finite number, got ${typeof value === 'number' ? value : typeof value === 'string' ? `"${value}"` : typeof value}.`);
  }
  return value;
}
