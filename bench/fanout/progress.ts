/**
 * A one-line progress bar on stderr (redrawn in place on a terminal, one line per step otherwise,
 * so logs of a CI run stay readable). stdout is left for the result table.
 */
const WIDTH = 28;

export class ProgressBar {
  readonly #total: number;
  readonly #startedMs = Date.now();
  #done = 0;
  #label = '';
  readonly #isTty = process.stderr.isTTY === true;

  constructor(totalSteps: number) {
    this.#total = Math.max(1, totalSteps);
  }

  phase(label: string): void {
    this.#label = label;
    this.#draw();
  }

  step(count = 1): void {
    this.#done = Math.min(this.#total, this.#done + count);
    this.#draw();
  }

  /** A message that must stay visible (a skip, a failure): printed above the bar. */
  log(message: string): void {
    if (this.#isTty) process.stderr.write('\r\x1b[2K');
    process.stderr.write(`${message}\n`);
    this.#draw();
  }

  finish(): void {
    if (this.#isTty) process.stderr.write('\r\x1b[2K');
  }

  #draw(): void {
    const filled = Math.round((this.#done / this.#total) * WIDTH);
    const elapsedS = Math.round((Date.now() - this.#startedMs) / 1000);
    const line = `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${this.#done}/${this.#total} ${elapsedS}s ${this.#label}`;
    if (this.#isTty) process.stderr.write(`\r\x1b[2K${line.slice(0, (process.stderr.columns ?? 120) - 1)}`);
    else process.stderr.write(`${line}\n`);
  }
}
