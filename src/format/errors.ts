/** One thing wrong with a notebook file. */
export interface FormatProblem {
  /** JSON path of the offending value, e.g. `$.cells[2].source`; `$` is the whole file. */
  path: string;
  /** What is wrong, e.g. `missing required field "source"`. */
  message: string;
}

/** How many problems the error message lists before summarising the rest. */
export const MAX_LISTED_PROBLEMS = 10;

/** Advice that ends the message when the file's content is at fault. */
export const FIX_IN_EDITOR = 'Fix the file in a text editor; it was not changed.';

/**
 * Thrown when a `.bmnb` file cannot be read. `problems` lists every problem found with its JSON
 * path; `message` is ready to show a user.
 *
 * @example
 * try { parseNotebook(text); }
 * catch (e) { if (e instanceof NotebookFormatError) console.error(`${file}: ${e.message}`); }
 */
export class NotebookFormatError extends Error {
  readonly problems: FormatProblem[];

  /**
   * @param problems at least one problem
   * @param advice the last line of the message: what the user should do next
   */
  constructor(problems: FormatProblem[], advice: string = FIX_IN_EDITOR) {
    super(formatProblems(problems, advice));
    this.name = 'NotebookFormatError';
    this.problems = problems;
  }
}

/** Builds the human-readable message: a heading, one line per problem (capped), then the advice. */
function formatProblems(problems: FormatProblem[], advice: string): string {
  const heading =
    problems.length === 1
      ? 'This is not a valid bmnb notebook:'
      : `This is not a valid bmnb notebook (${problems.length} problems):`;
  const lines = problems.slice(0, MAX_LISTED_PROBLEMS).map((p) => `  ${p.path}: ${p.message}`);
  if (problems.length > MAX_LISTED_PROBLEMS) {
    lines.push(`  …and ${problems.length - MAX_LISTED_PROBLEMS} more`);
  }
  return [heading, ...lines, advice].join('\n');
}
