/**
 * The full-screen terminal of `top`: the alternate screen with the cursor hidden while it runs,
 * each frame drawn from the top-left corner, every line cleared to its end, and the keys read raw
 * (`q`, `Q`, Ctrl-C quit). `close()` restores the terminal whatever happened. Used only when
 * stdout is a terminal: nothing here is written anywhere else.
 */
const ESC = '\x1b[';

export class TerminalScreen {
  private closed = false;
  private readonly onData = (d: Buffer) => {
    if (d.includes(0x71) || d.includes(0x51) || d.includes(0x03)) this.onQuit();
  };

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly input: NodeJS.ReadStream,
    private readonly onQuit: () => void,
  ) {}

  get size() {
    return { cols: this.out.columns || 80, rows: this.out.rows || 24 };
  }

  open(onResize: () => void): void {
    this.out.write(`${ESC}?1049h${ESC}?25l`);
    this.out.on('resize', onResize);
    if (this.input.isTTY) {
      this.input.setRawMode(true);
      this.input.resume();
      this.input.on('data', this.onData);
    }
  }

  draw(lines: string[]): void {
    if (!this.closed) this.out.write(`${ESC}H${lines.map((l) => `${l}${ESC}K`).join('\r\n')}${ESC}J`);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.input.isTTY) {
      this.input.off('data', this.onData);
      this.input.setRawMode(false);
      this.input.pause();
    }
    this.out.write(`${ESC}?25h${ESC}?1049l`);
  }
}
