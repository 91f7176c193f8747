/**
 * Runs `pass` at start and then every `intervalMs` without holding the process open; `stop()` clears the
 * timer and waits for the pass in flight, so a shutdown never cuts one short. A pass must not throw.
 */
export class RepeatingTask {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly pass: () => Promise<unknown>,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.running = this.pass();
    this.timer = setInterval(() => {
      this.running = this.pass();
    }, this.intervalMs).unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
