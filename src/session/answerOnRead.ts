/**
 * Requests answered the moment they are read from the IPC channel, not in vscode-jsonrpc's queue.
 *
 * vscode-jsonrpc handles each message it reads in a `setImmediate` of its own. While a cell runs
 * `await model.fit(...)`, tfjs yields to the event loop with a `setImmediate` too (every 125 ms),
 * and the training's immediate was queued first: the next stretch of batches would run before the
 * queued request, which then waits a whole yield period more. Hover requests (`session/inspect`,
 * `session/variables`) run no user code and take well under a millisecond, so they are answered
 * right where the message arrives: at the first turn of the event loop the cell leaves free.
 */
import { IPCMessageReader, ResponseError, type DataCallback, type Disposable, type Message, type MessageWriter } from 'vscode-jsonrpc/node';

interface RequestMessage extends Message {
  id: number | string;
  method: string;
  params?: unknown;
}

function isRequest(m: Message): m is RequestMessage {
  const r = m as Partial<RequestMessage>;
  return typeof r.method === 'string' && (typeof r.id === 'number' || typeof r.id === 'string');
}

export type QuickHandler = (params: never) => unknown;

/** An IPC reader that answers some requests itself, synchronously, and passes the rest on. */
export class AnswerOnReadReader extends IPCMessageReader {
  private readonly handlers = new Map<string, QuickHandler>();
  private writer?: MessageWriter;

  /** Where the answers go: the connection's writer. */
  setWriter(writer: MessageWriter): void {
    this.writer = writer;
  }

  /** Answers `method` here; `handler` must be synchronous, quick and run no user code. */
  handle<P, R>(method: string, handler: (params: P) => R): void {
    this.handlers.set(method, handler as QuickHandler);
  }

  override listen(callback: DataCallback): Disposable {
    return super.listen((message: Message) => {
      if (isRequest(message) && this.writer) {
        const handler = this.handlers.get(message.method);
        if (handler) {
          this.answer(message, handler);
          return;
        }
      }
      callback(message);
    });
  }

  private answer(message: RequestMessage, handler: QuickHandler): void {
    let reply: Message;
    try {
      const result = (handler as (p: unknown) => unknown)(message.params);
      reply = { jsonrpc: '2.0', id: message.id, result: result === undefined ? null : result } as Message;
    } catch (err) {
      const e = err instanceof ResponseError ? err : new ResponseError(-32603, `${message.method} failed: ${(err as Error)?.message ?? String(err)}`);
      reply = { jsonrpc: '2.0', id: message.id, error: e.toJson() } as Message;
    }
    void this.writer!.write(reply).catch(() => undefined);
  }
}
