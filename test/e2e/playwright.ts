/**
 * Loads playwright-core from the e2e cache (scripts/e2e-setup.sh puts it in <cache>/pw), so that it
 * is not a dependency of the project, and declares the small part of its API the harness uses
 * (the project's typecheck cannot see playwright-core's own types).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The cache folder of scripts/e2e-setup.sh. */
export const E2E_CACHE = process.env.BMNB_E2E_CACHE || join(homedir(), '.cache', 'bmnb-e2e');

export interface ConsoleMessage {
  type(): string;
  text(): string;
}

export interface ElementHandle {
  isVisible(): Promise<boolean>;
  getAttribute(name: string): Promise<string | null>;
  dispose(): Promise<void>;
}

export interface Frame {
  url(): string;
  name(): string;
  parentFrame(): Frame | null;
  isDetached(): boolean;
  frameElement(): Promise<ElementHandle>;
  /** Evaluates a JavaScript expression (a string: the project's typecheck has no DOM types). */
  evaluate<R>(expression: string): Promise<R>;
}

export interface Keyboard {
  press(key: string, options?: { delay?: number }): Promise<void>;
  type(text: string, options?: { delay?: number }): Promise<void>;
  insertText(text: string): Promise<void>;
}

export interface Mouse {
  click(x: number, y: number): Promise<void>;
  move(x: number, y: number, options?: { steps?: number }): Promise<void>;
}

export interface Page {
  goto(url: string, options?: { timeout?: number; waitUntil?: 'load' | 'domcontentloaded' | 'commit' }): Promise<unknown>;
  waitForSelector(selector: string, options?: { state?: 'attached' | 'detached' | 'visible' | 'hidden'; timeout?: number }): Promise<unknown>;
  waitForTimeout(ms: number): Promise<void>;
  evaluate<R>(expression: string): Promise<R>;
  click(selector: string, options?: { timeout?: number; force?: boolean }): Promise<void>;
  screenshot(options: { path: string; fullPage?: boolean; timeout?: number }): Promise<unknown>;
  setViewportSize(size: { width: number; height: number }): Promise<void>;
  frames(): Frame[];
  mainFrame(): Frame;
  isClosed(): boolean;
  keyboard: Keyboard;
  mouse: Mouse;
  on(event: 'console', listener: (msg: ConsoleMessage) => void): void;
  on(event: 'pageerror', listener: (err: Error) => void): void;
  on(event: 'crash' | 'close', listener: () => void): void;
}

export interface Tracing {
  start(options: { screenshots?: boolean; snapshots?: boolean; sources?: boolean }): Promise<void>;
  stop(options?: { path?: string }): Promise<void>;
}

export interface BrowserContext {
  pages(): Page[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
  tracing: Tracing;
  on(event: 'close', listener: () => void): void;
}

export interface LaunchPersistentContextOptions {
  executablePath?: string;
  headless?: boolean;
  args?: string[];
  env?: Record<string, string>;
  viewport?: { width: number; height: number } | null;
  timeout?: number;
  /** Playwright's own handlers: we kill the browser ourselves. */
  handleSIGINT?: boolean;
  handleSIGTERM?: boolean;
  handleSIGHUP?: boolean;
  ignoreDefaultArgs?: string[] | boolean;
  acceptDownloads?: boolean;
  serviceWorkers?: 'allow' | 'block';
}

export interface BrowserType {
  launchPersistentContext(userDataDir: string, options?: LaunchPersistentContextOptions): Promise<BrowserContext>;
  executablePath(): string;
}

export interface PlaywrightCore {
  chromium: BrowserType;
}

let loaded: PlaywrightCore | undefined;

/** playwright-core from the cache; a clear error if scripts/e2e-setup.sh has not been run. */
export function playwright(): PlaywrightCore {
  if (loaded) return loaded;
  const dir = join(E2E_CACHE, 'pw');
  if (!existsSync(join(dir, 'node_modules', 'playwright-core', 'package.json'))) {
    throw new Error(`playwright-core is not in ${dir}: run scripts/e2e-setup.sh first (or set BMNB_E2E_CACHE)`);
  }
  // Never let Playwright look for (or download) a browser of its own.
  process.env.PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD = '1';
  loaded = createRequire(join(dir, 'package.json'))('playwright-core') as PlaywrightCore;
  return loaded;
}
