// What a person at a terminal sees while the children start: one live status line per child
// below the scrolling output, every child line prefixed with its name, then a ready summary.
// Everything written to the terminal goes through here, so the status block is never torn.
import { Writable } from 'node:stream';
import type { ChildName, ChildStatus } from '../supervisor.js';

const COLORS: Readonly<Record<ChildName, string>> = { django: '\x1b[32m', reflex: '\x1b[35m' };
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const REDRAW_MS = 120;

export class Terminal {
  private block: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private frame = 0;
  /** A stream for pino-pretty, so log lines pass above the status block too. */
  readonly logStream: Writable;

  constructor(
    private readonly out: NodeJS.WritableStream & { columns?: number },
    private readonly color: boolean,
  ) {
    this.logStream = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        this.print(chunk.toString('utf8'));
        done();
      },
    });
  }

  private paint(text: string, code: string): string {
    return this.color ? `${code}${text}${RESET}` : text;
  }

  /** Writes above the status block, then puts the block back. */
  print(text: string): void {
    const clear = this.block.length > 0 ? `\x1b[${this.block.length}F\x1b[0J` : '';
    const body = text.endsWith('\n') ? text : `${text}\n`;
    this.out.write(clear + body + this.renderedBlock());
  }

  childLine(name: ChildName, line: string): void {
    this.print(`${this.paint(name.padEnd(6), COLORS[name])} │ ${line}`);
  }

  private renderedBlock(): string {
    return this.block.map((line) => `${line}\n`).join('');
  }

  /** Shows `read()` as live lines until stopStatus(); only meaningful on a TTY. */
  startStatus(read: () => ChildStatus[]): void {
    const draw = (): void => {
      const width = Math.max(40, (this.out.columns ?? 100) - 1);
      const previous = this.block.length;
      this.frame = (this.frame + 1) % SPINNER.length;
      this.block = read().map((status) => {
        const seconds = ((Date.now() - status.since) / 1000).toFixed(1);
        const mark = status.state === 'up' ? '✔' : status.state === 'failed' ? '✖' : SPINNER[this.frame]!;
        const head = `${mark} ${status.name.padEnd(6)} ${status.state.padEnd(10)} ${seconds.padStart(6)} s  `;
        const tail = status.lastLine.replace(/\x1b\[[0-9;]*m/g, '').slice(0, Math.max(0, width - head.length));
        return `${this.paint(head, COLORS[status.name])}${this.paint(tail, DIM)}`;
      });
      this.out.write(`${previous > 0 ? `\x1b[${previous}F\x1b[0J` : ''}${this.renderedBlock()}`);
    };
    draw();
    this.timer = setInterval(draw, REDRAW_MS);
  }

  stopStatus(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (this.block.length > 0) this.out.write(`\x1b[${this.block.length}F\x1b[0J`);
    this.block = [];
  }
}
