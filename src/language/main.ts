/**
 * The language server (dist/languageServer.js): one process per open notebook, started by
 * src/host/languageClient.ts the way the kernel is started (on VS Code's own runtime), so type
 * checking never runs on the extension host's main thread and goes on while the kernel trains or
 * restarts. JSON-RPC over the fork's IPC channel (src/protocol/language.ts).
 *
 * The bundle carries TypeScript; the declarations cells see (tfjs, Node, the bmnb module, the cell
 * globals) and TypeScript's lib files are in dist/types/, copied there by the build (esbuild.mjs).
 */
import { join } from 'node:path';
import ts from 'typescript';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter } from 'vscode-jsonrpc/node';
import {
  LanguageCompletionDetailsRequest,
  LanguageCompletionsRequest,
  LanguageDefinitionRequest,
  LanguageDiagnosticsRequest,
  LanguageHighlightsRequest,
  LanguageHoverRequest,
  LanguageInitializeRequest,
  LanguageKernelGoneNotification,
  LanguageKernelTensorsNotification,
  LanguageReferencesRequest,
  LanguageRenameRequest,
  LanguageSignatureHelpRequest,
  LanguageUpdateNotification,
} from '../protocol/language';
import { NotebookLanguageService } from './service';

if (!process.send) {
  process.stderr.write('dist/languageServer.js is started by the bmnb extension, not by hand.\n');
  process.exit(2);
}

/** dist/types: the declarations the build copies next to this bundle. */
const TYPES = join(__dirname, 'types');

const connection = createMessageConnection(new IPCMessageReader(process), new IPCMessageWriter(process));
let service: NotebookLanguageService | undefined;

function ready(): NotebookLanguageService {
  if (!service) throw new Error('send language/initialize first');
  return service;
}

connection.onRequest(LanguageInitializeRequest.type, ({ notebookDir }) => {
  service = new NotebookLanguageService(ts, {
    notebookDir,
    typesDir: join(TYPES, 'src', 'language', 'types'),
    kernelModulesFrom: TYPES,
    libDir: join(TYPES, 'typescript-lib'),
  });
  return { typescriptVersion: ts.version };
});
connection.onNotification(LanguageUpdateNotification.type, ({ cells }) => ready().update(cells));
connection.onNotification(LanguageKernelTensorsNotification.type, ({ cellId, source, tensors }) => ready().setKernelTensors(cellId, source, tensors));
connection.onNotification(LanguageKernelGoneNotification.type, () => ready().kernelGone());
connection.onRequest(LanguageDiagnosticsRequest.type, () => ready().diagnostics());
connection.onRequest(LanguageCompletionsRequest.type, (at) => ready().completions(at));
connection.onRequest(LanguageCompletionDetailsRequest.type, ({ name, ...at }) => ready().completionDetails(at, name) ?? null);
connection.onRequest(LanguageSignatureHelpRequest.type, (at) => ready().signatureHelp(at) ?? null);
connection.onRequest(LanguageHoverRequest.type, (at) => ready().hover(at) ?? null);
connection.onRequest(LanguageDefinitionRequest.type, (at) => ready().definitions(at));
connection.onRequest(LanguageReferencesRequest.type, (at) => ready().references(at));
connection.onRequest(LanguageHighlightsRequest.type, (at) => ready().highlights(at));
connection.onRequest(LanguageRenameRequest.type, ({ newName, ...at }) => ready().rename(at, newName));

// The editor went away: so do we.
process.on('disconnect', () => process.exit(0));
connection.listen();
