/**
 * The terminal of `orchestrator top`: raw mode, the alternate screen and a
 * hidden cursor while it runs, and everything put back by {@link Screen.close}
 * (called on every way out: `q`, a signal, an error). Frames are drawn line
 * by line, rewriting only the lines that changed. Thin I/O.
 *
 * @module
 */

/** Alternate screen on, cursor hidden, screen cleared. */
const ENTER = "\x1b[?1049h\x1b[?25l\x1b[2J";
/** Attributes reset, cursor shown, alternate screen off (the shell's screen comes back). */
const LEAVE = "\x1b[0m\x1b[?25h\x1b[?1049l";

const encoder = new TextEncoder();

function writeText(text: string): void {
  const bytes = encoder.encode(text);
  let offset = 0;
  while (offset < bytes.length) offset += Deno.stdout.writeSync(bytes.subarray(offset));
}

/** The terminal while `top` runs. */
export class Screen {
  #open = true;
  #last: string[] = [];

  private constructor() {}

  /** Raw mode on, alternate screen, cursor hidden. */
  static open(): Screen {
    Deno.stdin.setRaw(true);
    try {
      writeText(ENTER);
    } catch (error) {
      Deno.stdin.setRaw(false);
      throw error;
    }
    return new Screen();
  }

  /** The terminal's size now. */
  size(): { rows: number; cols: number } {
    const { rows, columns } = Deno.consoleSize();
    return { rows, cols: columns };
  }

  /** Draws `lines` from the top left, rewriting the lines that differ from the last frame. */
  draw(lines: readonly string[]): void {
    if (!this.#open) return;
    let out = "";
    for (let i = 0; i < lines.length; i++) {
      if (this.#last[i] !== lines[i]) out += `\x1b[${i + 1};1H${lines[i]}\x1b[0m\x1b[K`;
    }
    if (lines.length < this.#last.length) out += `\x1b[${lines.length + 1};1H\x1b[J`;
    this.#last = [...lines];
    if (out !== "") writeText(out);
  }

  /** Forgets the last frame: the next `draw` rewrites every line (after a resize). */
  invalidate(): void {
    this.#last = [];
    if (this.#open) writeText("\x1b[2J");
  }

  /** Puts the terminal back as it was. Idempotent; never throws. */
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    try {
      writeText(LEAVE);
    } catch {
      // stdout is gone
    }
    try {
      Deno.stdin.setRaw(false);
    } catch {
      // stdin is gone
    }
  }
}
