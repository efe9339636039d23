// @ts-check
/**
 * A TypeScript server plugin, loaded by VS Code's own TypeScript service (package.json's
 * contributes.typescriptServerPlugins). That service sees each cell of a notebook as a file of its
 * own, without the notebook's other cells or tfjs's types, so on a .bmnb cell it would say
 * `const xs: any`, "Cannot find name" for names of earlier cells and complete nothing useful, beside
 * what bmnb's language server says (src/language). On .bmnb cells this plugin makes it say nothing,
 * so the user sees one truth. Every other file is left as it is.
 *
 * Plain CommonJS, no dependencies: tsserver requires it from the extension's node_modules.
 */

/** How VS Code's TypeScript names a notebook cell: `^/vscode-notebook-cell/<authority>/path/to/x.bmnb#<cell>`. */
const BMNB_CELL = /\/vscode-notebook-cell\/.*\.bmnb#/;

/** What each silenced request answers for a .bmnb cell. */
const SILENT = {
  getSyntacticDiagnostics: () => [],
  getSemanticDiagnostics: () => [],
  getSuggestionDiagnostics: () => [],
  getQuickInfoAtPosition: () => undefined,
  getCompletionsAtPosition: () => undefined,
  getCompletionEntryDetails: () => undefined,
  getSignatureHelpItems: () => undefined,
  getDefinitionAtPosition: () => undefined,
  getDefinitionAndBoundSpan: () => undefined,
  getTypeDefinitionAtPosition: () => undefined,
  getImplementationAtPosition: () => undefined,
  getReferencesAtPosition: () => undefined,
  findReferences: () => undefined,
  getDocumentHighlights: () => undefined,
  getRenameInfo: () => ({ canRename: false, localizedErrorMessage: 'bmnb renames the names of .bmnb cells' }),
  findRenameLocations: () => undefined,
  provideInlayHints: () => [],
  getCodeFixesAtPosition: () => [],
  getApplicableRefactors: () => [],
};

/** @param {string} fileName */
const isBmnbCell = (fileName) => BMNB_CELL.test(fileName);

/** @param {{ typescript: unknown }} _modules */
function init(_modules) {
  return {
    /** @param {{ languageService: Record<string, unknown> }} info */
    create(info) {
      const service = info.languageService;
      /** @type {Record<string, unknown>} */
      const proxy = Object.create(null);
      for (const key of Object.keys(service)) {
        const original = service[key];
        if (typeof original !== 'function') {
          proxy[key] = original;
          continue;
        }
        const silent = Object.prototype.hasOwnProperty.call(SILENT, key) ? SILENT[/** @type {keyof typeof SILENT} */ (key)] : undefined;
        proxy[key] = silent
          ? (/** @type {unknown[]} */ ...args) => (typeof args[0] === 'string' && isBmnbCell(args[0]) ? silent() : original.apply(service, args))
          : original.bind(service);
      }
      return proxy;
    },
  };
}

module.exports = init;
module.exports.isBmnbCell = isBmnbCell;
