/**
 * What Jupyter knows bmnb by: the default kernelspec and the `language_info` that the Jupyter
 * kernel's `kernel_info_reply` sends and that an exported `.ipynb` carries, so that the file opens
 * with bmnb's Jupyter kernel where it is installed.
 */

/** The kernelspec `bmnb jupyter install` writes by default, as an `.ipynb`'s `metadata.kernelspec`. */
export const JUPYTER_KERNELSPEC = { name: 'bmnb', display_name: 'TypeScript (bmnb)', language: 'typescript' } as const;

/** `language_info` of bmnb's cells (TypeScript; JavaScript cells are valid TypeScript to Jupyter). */
export const JUPYTER_LANGUAGE_INFO = {
  name: 'typescript',
  version: '5.0',
  mimetype: 'text/typescript',
  file_extension: '.ts',
  pygments_lexer: 'typescript',
  codemirror_mode: { name: 'javascript', typescript: true },
  nbconvert_exporter: 'script',
} as const;
