/**
 * The control layer's cache of its two hottest answers: `ps` and `status`
 * without a name, the data a polling client asks for again and again
 * (docs/protocol.md). Each is kept as a {@link JsonText}, the text
 * `JSON.stringify` makes of `{agents: controller.list()}` or
 * `{agents: controller.statusAll()}`, together with the controller's
 * `version` and the time `controller.now()` (milliseconds) it was built at.
 * While both are the same, the same `JsonText` object is handed out again, so the
 * server reuses the frame it encoded for it; otherwise the answer is built
 * anew. Every value an answer shows that follows from the clock (uptime,
 * restarts within the window, a live agent's heartbeat) has millisecond
 * resolution, and every other change bumps `version`, so a kept answer is
 * exactly what a fresh one would be.
 *
 * @example
 * ```ts
 * const answers = agentsAnswer(orchestrator);
 * answers.ps() === answers.ps(); // true within one millisecond, unless an agent changed
 * ```
 *
 * @module
 */

import type { AgentController } from "../agent/controller.ts";
import { JsonText } from "./json_text.ts";

/** One answer, kept with the version and time (ms) it was built at. */
class Kept {
  readonly #build: () => unknown;
  #version = -1;
  #ms = Number.NaN;
  #answer: JsonText | null = null;

  /** `build` returns the answer's data. */
  constructor(build: () => unknown) {
    this.#build = build;
  }

  /** The kept answer when `version` and `ms` are the ones it was built at, else a new one. */
  get(version: number, ms: number): JsonText {
    if (this.#answer !== null && this.#version === version && this.#ms === ms) {
      return this.#answer;
    }
    const answer = new JsonText(JSON.stringify(this.#build()));
    this.#version = version;
    this.#ms = ms;
    this.#answer = answer;
    return answer;
  }
}

/** The `ps` and all-agents `status` answers of one controller. */
export class AgentsAnswer {
  readonly #controller: AgentController;
  readonly #ps: Kept;
  readonly #status: Kept;

  constructor(controller: AgentController) {
    this.#controller = controller;
    this.#ps = new Kept(() => ({ agents: controller.list() }));
    this.#status = new Kept(() => ({ agents: controller.statusAll() }));
  }

  /** `JSON.stringify({agents: controller.list()})`: the `ps` answer's data. */
  ps(): JsonText {
    const c = this.#controller;
    return this.#ps.get(c.version, c.now());
  }

  /** `JSON.stringify({agents: controller.statusAll()})`: the `status` answer's data. */
  status(): JsonText {
    const c = this.#controller;
    return this.#status.get(c.version, c.now());
  }
}

const ANSWERS = new WeakMap<AgentController, AgentsAnswer>();

/** The answers of `controller`: one {@link AgentsAnswer} per controller, made on first use. */
export function agentsAnswer(controller: AgentController): AgentsAnswer {
  let answers = ANSWERS.get(controller);
  if (answers === undefined) {
    answers = new AgentsAnswer(controller);
    ANSWERS.set(controller, answers);
  }
  return answers;
}
