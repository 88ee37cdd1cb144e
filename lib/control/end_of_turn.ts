/**
 * Work deferred to the end of this turn of the event loop: after the I/O
 * callbacks and promise jobs of the turn, before the next wait for I/O
 * (`setImmediate` of `node:timers`). One immediate serves every task of the
 * turn, so a thousand deferred writes cost one timer object, not a thousand.
 *
 * The control server defers pushed frames here: the frames pushed to one
 * connection in one turn (an event for each request of a batch, the output
 * lines of one read) go out in one write.
 *
 * @example
 * ```ts
 * atEndOfTurn(() => console.log("after this turn's callbacks"));
 * ```
 *
 * @module
 */

import { setImmediate } from "node:timers";

let tasks: (() => void)[] = [];
let spare: (() => void)[] = [];
let scheduled = false;

/** Runs `task` once at the end of this turn, after the tasks queued before it. */
export function atEndOfTurn(task: () => void): void {
  tasks.push(task);
  if (!scheduled) {
    scheduled = true;
    setImmediate(runTasks);
  }
}

function runTasks(): void {
  scheduled = false;
  const due = tasks;
  tasks = spare; // tasks queued while these run wait for the next turn
  for (let i = 0; i < due.length; i++) {
    try {
      due[i]();
    } catch {
      // one task failing must not keep the others from running
    }
  }
  due.length = 0;
  spare = due;
}
