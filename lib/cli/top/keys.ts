/**
 * Key presses of `orchestrator top` from the bytes a terminal in raw mode
 * sends: printable characters, control keys and the escape sequences of the
 * arrow and paging keys. Pure, no I/O.
 *
 * @module
 */

/** A key press: a named key, or one printable character. */
export type Key =
  | { name: "up" | "down" | "pageup" | "pagedown" | "home" | "end" }
  | { name: "enter" | "escape" | "backspace" | "tab" | "ctrl-c" | "ctrl-d" }
  | { name: "char"; char: string };

/** CSI and SS3 final parts → key (`\x1b[A`, `\x1bOA`, `\x1b[5~` …). */
const SEQUENCES: Readonly<Record<string, Key["name"]>> = {
  "[A": "up",
  "[B": "down",
  "OA": "up",
  "OB": "down",
  "[5~": "pageup",
  "[6~": "pagedown",
  "[H": "home",
  "[F": "end",
  "OH": "home",
  "OF": "end",
  "[1~": "home",
  "[4~": "end",
  "[7~": "home",
  "[8~": "end",
};

/** The end of the escape sequence that starts at `i` (after ESC), or -1 when there is none. */
function sequenceEnd(text: string, i: number): number {
  const intro = text[i];
  if (intro === "O") return i + 1 < text.length ? i + 2 : -1;
  if (intro !== "[") return -1;
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c >= 0x40 && c <= 0x7e) return j + 1; // final byte
  }
  return -1;
}

/**
 * The keys in one read from the terminal. An ESC followed by a known
 * sequence is that key; an unknown sequence is skipped whole; a lone ESC is
 * the escape key.
 *
 * @example
 * ```ts
 * parseKeys("q"); // [{ name: "char", char: "q" }]
 * parseKeys("\x1b[B\r"); // [{ name: "down" }, { name: "enter" }]
 * ```
 */
export function parseKeys(text: string): Key[] {
  const keys: Key[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const code = text.charCodeAt(i);
    if (c === "\x1b") {
      const end = sequenceEnd(text, i + 1);
      if (end < 0) {
        keys.push({ name: "escape" });
        i++;
        continue;
      }
      const name = SEQUENCES[text.slice(i + 1, end)];
      if (name !== undefined) keys.push({ name } as Key);
      i = end;
      continue;
    }
    i++;
    if (c === "\r" || c === "\n") keys.push({ name: "enter" });
    else if (c === "\x7f" || c === "\b") keys.push({ name: "backspace" });
    else if (c === "\t") keys.push({ name: "tab" });
    else if (c === "\x03") keys.push({ name: "ctrl-c" });
    else if (c === "\x04") keys.push({ name: "ctrl-d" });
    else if (code >= 0x20) {
      // A surrogate pair is one character.
      if (code >= 0xd800 && code <= 0xdbff && i < text.length) {
        keys.push({ name: "char", char: c + text[i] });
        i++;
      } else {
        keys.push({ name: "char", char: c });
      }
    }
  }
  return keys;
}
