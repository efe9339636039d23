/**
 * Downloading a dataset archive so that nothing half-made is ever left where a later call looks:
 * the bytes stream into a `.part` file while their size and SHA-256 are checked, the archive is
 * unpacked into a temporary folder, and only a complete, verified result is renamed into place.
 * Any failure (network, checksum, interrupt) removes the temporary files and says what went wrong.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { x as extractTar } from 'tar';
import type { DownloadProgress } from './api';

export interface ArchiveSource {
  url: string;
  /** Expected size in bytes, checked while streaming (optional for mirrors that give only a hash). */
  bytes?: number;
  /** Expected SHA-256, lowercase hex. */
  sha256: string;
}

export interface DownloadOptions {
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** Why a fetch failed, in words (fetch's own message is only "fetch failed"). */
function reason(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'AbortError') return 'the download was interrupted';
  const cause = e?.cause;
  if (cause?.code === 'ENOTFOUND' || cause?.code === 'EAI_AGAIN') return `the host name does not resolve (${cause.code}): no network, or no DNS`;
  if (cause?.code) return `${cause.message ?? e.message} (${cause.code})`;
  if (cause?.message) return `${e.message}: ${cause.message}`;
  return e?.message ?? String(err);
}

export class DownloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DownloadError';
  }
}

/**
 * Streams `source.url` into `partFile`, checking the size as bytes arrive and the SHA-256 at the
 * end. On any failure the part file is removed and a DownloadError says what went wrong.
 */
export async function downloadVerified(source: ArchiveSource, partFile: string, options: DownloadOptions = {}): Promise<void> {
  rmSync(partFile, { force: true });
  const hash = createHash('sha256');
  let received = 0;
  const file = await open(partFile, 'w');
  let ok = false;
  try {
    let res: Response;
    try {
      res = await fetch(source.url, { signal: options.signal, redirect: 'follow' });
    } catch (err) {
      throw new DownloadError(`could not connect to ${source.url}: ${reason(err)}`);
    }
    if (!res.ok || !res.body) {
      await res.body?.cancel().catch(() => undefined);
      throw new DownloadError(`${source.url} answered HTTP ${res.status} ${res.statusText}`.trim());
    }
    const announced = Number(res.headers.get('content-length') ?? NaN);
    if (source.bytes !== undefined && Number.isFinite(announced) && announced !== source.bytes) {
      await res.body.cancel().catch(() => undefined);
      throw new DownloadError(`${source.url} announces ${announced.toLocaleString('en-US')} bytes, but the archive has ${source.bytes.toLocaleString('en-US')}: it is not the expected file`);
    }
    const total = source.bytes ?? (Number.isFinite(announced) ? announced : undefined);
    const reader = res.body.getReader();
    options.onProgress?.({ received, total, phase: 'download' });
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (err) {
        throw new DownloadError(`the connection broke after ${mb(received)}${total ? ` of ${mb(total)}` : ''}: ${reason(err)}`);
      }
      if (chunk.done) break;
      received += chunk.value.length;
      if (source.bytes !== undefined && received > source.bytes) {
        await reader.cancel().catch(() => undefined);
        throw new DownloadError(`${source.url} sent more than the expected ${source.bytes.toLocaleString('en-US')} bytes: it is not the expected file`);
      }
      hash.update(chunk.value);
      await file.write(chunk.value);
      options.onProgress?.({ received, total, phase: 'download' });
    }
    if (source.bytes !== undefined && received !== source.bytes) {
      throw new DownloadError(`the download ended after ${received.toLocaleString('en-US')} of ${source.bytes.toLocaleString('en-US')} bytes (the connection closed early)`);
    }
    const digest = hash.digest('hex');
    if (digest !== source.sha256.toLowerCase()) {
      throw new DownloadError(`the downloaded file's SHA-256 is ${digest}, not the expected ${source.sha256.toLowerCase()}: the file is damaged or not the official one`);
    }
    ok = true;
  } finally {
    await file.close().catch(() => undefined);
    if (!ok) rmSync(partFile, { force: true });
  }
}

/**
 * Downloads and unpacks a .tar.gz archive that holds one folder `subdir` with `files`, into
 * `targetDir/subdir`. Temporary files live next to the target (same file system, so the final
 * renames are atomic) and are removed whatever happens, including leftovers of an earlier call
 * that was killed.
 */
export async function installArchive(
  source: ArchiveSource,
  targetDir: string,
  subdir: string,
  files: string[],
  check: (file: string, size: number) => void,
  options: DownloadOptions = {},
): Promise<string> {
  mkdirSync(targetDir, { recursive: true });
  const archiveName = new URL(source.url).pathname.split('/').pop() || 'archive.tar.gz';
  const partFile = join(targetDir, `${archiveName}.part`);
  const tempPrefix = `.${subdir}.unpack-`;
  // Leftovers of a call that was killed: start over cleanly.
  for (const name of readdirSync(targetDir)) {
    if (name.startsWith(tempPrefix)) rmSync(join(targetDir, name), { recursive: true, force: true });
  }
  let tempDir: string | undefined;
  try {
    await downloadVerified(source, partFile, options);
    options.onProgress?.({ received: statSync(partFile).size, total: source.bytes, phase: 'unpack' });
    tempDir = mkdtempSync(join(targetDir, tempPrefix));
    try {
      await extractTar({
        file: partFile,
        cwd: tempDir,
        strict: true,
        // Only the dataset's own folder; tar itself refuses absolute paths and `..`.
        filter: (path) => path === subdir || path === `${subdir}/` || path.startsWith(`${subdir}/`),
      });
    } catch (err) {
      throw new DownloadError(`the archive does not unpack: ${(err as Error).message}`);
    }
    const unpacked = join(tempDir, subdir);
    for (const f of files) {
      const p = join(unpacked, f);
      if (!existsSync(p)) throw new DownloadError(`the archive has no ${subdir}/${f}`);
      check(p, statSync(p).size);
    }
    if (options.signal?.aborted) throw new DownloadError('the download was interrupted');
    const final = join(targetDir, subdir);
    if (!existsSync(final)) {
      renameSync(unpacked, final);
    } else {
      // An incomplete folder is already there (some files put by hand): complete it file by file.
      for (const f of readdirSync(unpacked)) renameSync(join(unpacked, f), join(final, f));
    }
    options.onProgress?.({ received: source.bytes ?? 0, total: source.bytes, phase: 'done' });
    return final;
  } finally {
    rmSync(partFile, { force: true });
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  }
}

/** A progress line for `process.stdout`, rewritten in place with `\r`, at most 5 times a second. */
export function progressPrinter(label: string, write: (text: string) => void): (p: DownloadProgress) => void {
  let last = 0;
  const started = Date.now();
  return (p) => {
    const now = Date.now();
    if (p.phase === 'download') {
      const finished = p.total !== undefined && p.received >= p.total;
      if (now - last < 200 && !finished && p.received > 0) return;
      last = now;
      const pct = p.total ? ` (${Math.floor((100 * p.received) / p.total)}%)` : '';
      const secs = (now - started) / 1000;
      const rate = secs > 0.5 ? ` · ${mb(p.received / secs)}/s` : '';
      write(`\r${label}: ${mb(p.received)}${p.total ? ` of ${mb(p.total)}` : ''}${pct}${rate}   `);
    } else if (p.phase === 'unpack') {
      write(`\n${label}: verified (size and SHA-256); unpacking…`);
    } else {
      write(` done in ${((now - started) / 1000).toFixed(1)} s\n`);
    }
  };
}
