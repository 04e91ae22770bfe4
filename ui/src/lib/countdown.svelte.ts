// A seconds countdown for throttled unlock attempts. `remaining` is reactive.

export class Countdown {
  remaining = $state(0);
  #until = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  start(seconds: number): void {
    this.stop();
    const secs = Math.max(0, Math.ceil(seconds));
    this.remaining = secs;
    if (secs === 0) return;
    this.#until = Date.now() + secs * 1000;
    this.#timer = setInterval(() => this.#tick(), 250);
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  get running(): boolean {
    return this.remaining > 0;
  }

  #tick(): void {
    const left = Math.max(0, Math.ceil((this.#until - Date.now()) / 1000));
    if (left !== this.remaining) this.remaining = left;
    if (left === 0) this.stop();
  }
}
