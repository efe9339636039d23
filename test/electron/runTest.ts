/**
 * The ecosystem's standard runner: downloads VS Code with @vscode/test-electron and runs
 * test/electron/suite.ts inside its extension host. For machines that can download VS Code
 * (ours cannot: there `npm run test:e2e` runs the same scenarios in code-server).
 *
 *   npm run test:electron
 */
import { mkdtempSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { FIXTURES } from '../e2e/scenarios';

async function main(): Promise<void> {
  const root = resolve(__dirname, '..', '..');
  const workspace = mkdtempSync(join(tmpdir(), 'bmnb-electron-'));
  cpSync(FIXTURES, workspace, { recursive: true });
  await runTests({
    extensionDevelopmentPath: root,
    extensionTestsPath: join(root, 'dist', 'test', 'electronSuite.js'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
    extensionTestsEnv: { BMNB_TEST_WORKSPACE: workspace },
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
