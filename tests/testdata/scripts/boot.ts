/**
 * Boots an Orchestrator from a JSON file holding a `ConfigInput` (defaults
 * applied with `withDefaults`), prints `ready <pid>` once booted, and runs
 * until SIGTERM/SIGINT. Used by tests that need a real orchestrator process
 * without going through the config loader.
 *
 * Usage: deno run -A tests/testdata/scripts/boot.ts CONFIG.json
 */

import { withDefaults } from "../../../lib/config/defaults.ts";
import { EventStore } from "../../../lib/events/store.ts";
import { Orchestrator } from "../../../lib/orchestrator.ts";

const config = withDefaults(JSON.parse(await Deno.readTextFile(Deno.args[0])));
const store = EventStore.open({ path: config.event_store_path, retention: 10_000 });
const orchestrator = new Orchestrator(config, { events: store });
let stop: (signal: string) => void = () => {};
const stopped = new Promise<string>((resolve) => (stop = resolve));
Deno.addSignalListener("SIGTERM", () => stop("SIGTERM"));
Deno.addSignalListener("SIGINT", () => stop("SIGINT"));
await orchestrator.boot();
console.log(`ready ${Deno.pid} ${orchestrator.watchdogPid}`);
await orchestrator.shutdown(await stopped);
store.close();
Deno.exit(0);
