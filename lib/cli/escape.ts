/**
 * Making untrusted text safe to print on a terminal: control characters are
 * shown as escapes, so an agent's output cannot clear the screen, set the
 * window title or move the cursor of whoever reads it (`orchestrator logs`,
 * see docs/operations.md, "Faults").
 *
 * @module
 */

// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;

/**
 * Replaces C0 controls except tab (`\x1b`), DEL (`\x7f`) and C1 controls
 * (`\u009b`) with visible escapes. An escape sequence loses its ESC (or its
 * C1 introducer), so the rest of it is plain text. Everything else,
 * backslashes included, is unchanged.
 *
 * @example
 * ```ts
 * escapeControls("\x1b[2Jhi\tthere"); // "\\x1b[2Jhi\tthere"
 * ```
 */
export function escapeControls(text: string): string {
  CONTROL.lastIndex = 0;
  if (!CONTROL.test(text)) return text;
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    const hex = code.toString(16).padStart(2, "0");
    return code < 0x80 ? `\\x${hex}` : `\\u00${hex}`;
  });
}
