/**
 * Answer data that is already JSON text. The control server writes `text` as
 * an answer's `data` without stringifying it again, and keeps the framed
 * answer in `frame`, so an answer object handed out again (see
 * `agentsAnswer` in lib/control/agents_answer.ts) is sent without being
 * encoded again. `ps` and `status` answer this way.
 *
 * @module
 */

/** JSON text, and the server's encoded frame of it once made. */
export class JsonText {
  readonly text: string;
  /** The framed success answer carrying `text` with no `id`; set by the server on first use. */
  frame: Uint8Array | null = null;

  constructor(text: string) {
    this.text = text;
  }
}
