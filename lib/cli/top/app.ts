/**
 * The `orchestrator top` session: the model (model.ts) changed by key
 * presses (keymap.ts) and by the data feed (feed.ts), drawn (view.ts) on
 * the terminal (screen.ts) at most every {@link FRAME_MS} and every second
 * for the clock. The terminal is restored on every way out: `q`, Ctrl-C,
 * SIGINT, SIGTERM, SIGHUP, the end of input, or an error.
 *
 * @module
 */

import { parseKeys } from "./keys.ts";
import { type Effect, handleKey } from "./keymap.ts";
import {
  applyEvents,
  applyLog,
  applyRows,
  applySnapshot,
  initialState,
  setFeed,
  setLogLines,
  setMessage,
  type TopState,
} from "./model.ts";
import { render, tableRows } from "./view.ts";
import { Screen } from "./screen.ts";
import { TopFeed } from "./feed.ts";

/** Shortest time between two frames (ms). */
const FRAME_MS = 30;

/** Signals that end `top` (the terminal restored first). */
const QUIT_SIGNALS: Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** Runs `top` on `socket` until quit; resolves with the exit code. */
export async function runTop(socket: string, options: { color: boolean }): Promise<number> {
  const screen = Screen.open();
  let state: TopState = initialState(socket);
  let end: (code: number) => void = () => {};
  let fail: (error: unknown) => void = () => {};
  const finished = new Promise<number>((resolve, reject) => {
    end = resolve;
    fail = reject;
  });

  let drawTimer: ReturnType<typeof setTimeout> | undefined;
  const draw = () => {
    drawTimer = undefined;
    const { rows, cols } = screen.size();
    screen.draw(render(state, { rows, cols, now: Date.now(), color: options.color }));
  };
  const redraw = () => {
    drawTimer ??= setTimeout(draw, FRAME_MS);
  };
  const update = (change: (s: TopState) => TopState) => {
    state = change(state);
    redraw();
  };

  const feed = new TopFeed(socket, {
    rows: (rows) => update((s) => applyRows(s, rows, Date.now())),
    snapshot: (row) => update((s) => applySnapshot(s, row, Date.now())),
    events: (events) => update((s) => applyEvents(s, events, Date.now())),
    log: (agent, line) => update((s) => applyLog(s, agent, line)),
    logLines: (agent, lines) => update((s) => setLogLines(s, agent, lines)),
    feed: (to, problem) =>
      update((s) => {
        const next = setFeed(s, to);
        return to === "down" && problem !== undefined ? setMessage(next, problem, true) : next;
      }),
  }, () => state.lastEventId);

  const run = (effect: Effect) => {
    switch (effect.type) {
      case "quit":
        end(0);
        return;
      case "follow":
        feed.follow(effect.agent);
        return;
      case "command":
        feed.command(effect.command, effect.agent).then((r) =>
          update((s) => setMessage(s, r.text, r.error))
        );
    }
  };

  const onSignal = () => end(0);
  const onResize = () => {
    screen.invalidate();
    draw();
  };
  const onRejection = (event: PromiseRejectionEvent) => {
    event.preventDefault();
    fail(event.reason);
  };
  for (const signal of QUIT_SIGNALS) Deno.addSignalListener(signal, onSignal);
  Deno.addSignalListener("SIGWINCH", onResize);
  globalThis.addEventListener("unhandledrejection", onRejection);
  globalThis.addEventListener("unload", () => screen.close());
  const clock = setInterval(redraw, 1000);

  readKeys((text) => {
    for (const key of parseKeys(text)) {
      const page = tableRows(state, screen.size().rows);
      const result = handleKey(state, key, page);
      state = result.state;
      for (const effect of result.effects) run(effect);
    }
    redraw();
  }, () => end(0)).catch(fail);

  try {
    draw();
    feed.start().catch(fail);
    return await finished;
  } finally {
    clearInterval(clock);
    clearTimeout(drawTimer);
    feed.close();
    for (const signal of QUIT_SIGNALS) Deno.removeSignalListener(signal, onSignal);
    Deno.removeSignalListener("SIGWINCH", onResize);
    globalThis.removeEventListener("unhandledrejection", onRejection);
    screen.close();
  }
}

/** Reads the terminal's input and hands it over as text; `onEnd` at the end of input. */
async function readKeys(onText: (text: string) => void, onEnd: () => void): Promise<void> {
  const buffer = new Uint8Array(1024);
  const decoder = new TextDecoder();
  for (;;) {
    const n = await Deno.stdin.read(buffer);
    if (n === null) {
      onEnd();
      return;
    }
    onText(decoder.decode(buffer.subarray(0, n), { stream: true }));
  }
}
