/**
 * A notebook's kernel as a host sees it: started on the first run, started again by itself on
 * the next run after it died, restarted on request, shut down when the notebook closes.
 */
import type { ExecuteParams, ExecuteResult } from '../protocol';
import { KernelClient, type ExecuteHandlers, type KernelDiedError, type KernelOptions } from './kernelClient';

export class KernelSession {
  private client?: KernelClient;
  private starting?: Promise<KernelClient>;
  private readonly deathListeners: ((err: KernelDiedError) => void)[] = [];

  constructor(private readonly options: KernelOptions) {}

  /** The kernel process now running, if any (starts nothing). */
  get current(): KernelClient | undefined {
    return this.client?.alive ? this.client : undefined;
  }

  /** The running kernel, starting one if there is none (or the last one died). */
  async kernel(): Promise<KernelClient> {
    if (this.client?.alive) return this.client;
    if (!this.starting) {
      this.starting = KernelClient.start(this.options).then(
        (client) => {
          this.client = client;
          this.starting = undefined;
          client.onExit((err) => {
            if (this.client === client) for (const listener of this.deathListeners) listener(err);
          });
          return client;
        },
        (err: unknown) => {
          this.starting = undefined;
          throw err;
        },
      );
    }
    return this.starting;
  }

  /** Runs a cell, starting a kernel first when needed. */
  async execute(params: Omit<ExecuteParams, 'executionId'> & { executionId?: string }, handlers?: ExecuteHandlers): Promise<ExecuteResult> {
    return (await this.kernel()).execute(params, handlers);
  }

  /** Interrupts the running cell, if there is a kernel. */
  interrupt(): void {
    if (this.client?.alive) this.client.interrupt();
  }

  /** A fresh kernel: the old one is stopped (its variables are gone). */
  async restart(): Promise<KernelClient> {
    await this.shutdown();
    return this.kernel();
  }

  /** Called when the current kernel dies unexpectedly. */
  onDeath(listener: (err: KernelDiedError) => void): void {
    this.deathListeners.push(listener);
  }

  async shutdown(): Promise<void> {
    const client = this.client ?? (await this.starting?.catch(() => undefined));
    this.client = undefined;
    await client?.shutdown();
  }
}
