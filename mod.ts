/**
 * orchestrator: a process orchestrator for servers. This module is the
 * public TypeScript API; the `orchestrator` executable is `cli.ts`.
 *
 * @module
 */

export * from "./lib/errors.ts";
export * from "./lib/config/types.ts";
export * from "./lib/control/names.ts";
export * from "./lib/events/event.ts";
export * from "./lib/agent/state.ts";
export * from "./lib/agent/info.ts";
export type * from "./lib/agent/controller.ts";
export { VERSION } from "./lib/version.ts";
