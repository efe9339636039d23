/**
 * One TensorFlow event file on disk, written as TensorFlow's SummaryFileWriter writes it: the file
 * `events.out.tfevents.<seconds>.<hostname><suffix>` is created with its `file_version` event at
 * once; later events wait in a queue that is appended to the file when it holds more than
 * `maxQueue` events, when `flushMillis` have passed (checked on each write and by a timer), on
 * `flush()`, and when the process exits.
 */
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileVersionEvent, tfRecord } from './events';

/** How an event file is named and flushed (the arguments of `tf.node.summaryFileWriter`). */
export interface EventFileOptions {
  maxQueue: number;
  flushMillis: number;
  filenameSuffix: string;
}

/** Every writer with events still queued, flushed when the process exits. */
const open = new Set<EventFileWriter>();
let exitHookInstalled = false;

/** Appends TFRecord-framed events to one event file in `dir`. */
export class EventFileWriter {
  /** The file events are appended to (a new one if the folder was deleted meanwhile). */
  path: string;
  private queue: Uint8Array[] = [];
  private lastFlush = Date.now();

  constructor(
    readonly dir: string,
    private readonly options: EventFileOptions,
  ) {
    this.path = this.createFile();
    if (options.flushMillis > 0) setInterval(() => this.flushQuietly(), Math.max(options.flushMillis, 10)).unref();
    open.add(this);
    installExitHook();
  }

  /** Queues one serialized `Event`, flushing when the queue is over `maxQueue` or `flushMillis` have passed. */
  write(event: Uint8Array): void {
    this.queue.push(tfRecord(event));
    if (this.queue.length > this.options.maxQueue || Date.now() - this.lastFlush > this.options.flushMillis) this.flush();
  }

  /** Appends the queued events to the file. */
  flush(): void {
    this.lastFlush = Date.now();
    if (this.queue.length === 0) return;
    if (!existsSync(this.path)) this.path = this.createFile();
    const records = Buffer.concat(this.queue);
    try {
      appendFileSync(this.path, records);
    } catch (err) {
      throw new Error(`Could not write TensorBoard events to ${this.path}: ${(err as Error).message}. Check that the folder is writable, or pass another logdir.`);
    }
    this.queue = [];
  }

  private flushQuietly(): void {
    try {
      this.flush();
    } catch (err) {
      console.error(`[bmnb] ${(err as Error).message}`);
    }
  }

  private createFile(): string {
    try {
      mkdirSync(this.dir, { recursive: true });
      const now = Date.now() / 1000;
      const path = join(this.dir, eventFileName(now, this.options.filenameSuffix));
      appendFileSync(path, tfRecord(fileVersionEvent(now)));
      return path;
    } catch (err) {
      throw new Error(`Could not create a TensorBoard event file in ${this.dir}: ${(err as Error).message}. Check that the folder is writable, or pass another logdir.`);
    }
  }

  /** For the exit hook: flushes what is queued, reporting (not throwing) a failure. */
  static flushAll(): void {
    for (const writer of open) writer.flushQuietly();
  }
}

/** `events.out.tfevents.<seconds, 10 digits>.<hostname><suffix>`, as TensorFlow's EventsWriter names files. */
export function eventFileName(wallTimeSeconds: number, suffix: string): string {
  return `events.out.tfevents.${String(Math.floor(wallTimeSeconds)).padStart(10, '0')}.${hostname()}${suffix}`;
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => EventFileWriter.flushAll());
}
