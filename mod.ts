/**
 * orchestrator: a process orchestrator for servers. This module is the
 * public TypeScript API; the `orchestrator` executable is `cli.ts`.
 *
 * Load a config, open an event store, run the agents and query them:
 *
 * @example
 * ```ts
 * import { EventStore, loadConfig, Orchestrator } from "./mod.ts";
 *
 * const { config, results } = loadConfig(`{
 *   "agents": [{
 *     "name": "hello", "kind": "task",
 *     "tool_call_template": { "call_template_type": "cli", "command": "echo", "args": ["hi"] }
 *   }]
 * }`);
 * if (config === null) throw new Error(results.map((r) => r.message).join("\n"));
 * const events = EventStore.open({ path: null, retention: config.event_retention });
 * const orchestrator = new Orchestrator(config, { events });
 * await orchestrator.boot();
 * await orchestrator.waitFor("hello", ["completed", "failed"]);
 * console.log(orchestrator.list());            // [{ name: "hello", state: "completed", pid: null, … }]
 * console.log(events.query({ agent: "hello" })); // AGENT_COMPLETED, AGENT_STARTED (newest first)
 * await orchestrator.shutdown();
 * events.close();
 * ```
 *
 * A client of a running orchestrator's control socket:
 *
 * @example
 * ```ts
 * import { ControlClient } from "./mod.ts";
 *
 * const client = await ControlClient.connect("/tmp/orchestrator.sock");
 * const answer = await client.request("history", [], { limit: 20, category: "agent" });
 * console.log(answer);
 * client.close();
 * ```
 *
 * @module
 */

export * from "./lib/errors.ts";
export { VERSION } from "./lib/version.ts";

// Config: model, loading, validation.
export * from "./lib/config/types.ts";
export { currentUser, resolveSocketPath, withDefaults } from "./lib/config/defaults.ts";
export {
  loadConfig,
  loadConfigFile,
  type LoadOptions,
  type LoadResult,
} from "./lib/config/load.ts";
export {
  formatResults,
  formatSummary,
  type ResultSummary,
  summarize,
} from "./lib/config/format.ts";
export { CONFIG_SCHEMA } from "./lib/config/schema.ts";

// Agents and the orchestrator.
export * from "./lib/agent/state.ts";
export * from "./lib/agent/info.ts";
export type { StreamCounters } from "./lib/agent/captured_stream.ts";
export { decodeOutput, type OutputEncoding } from "./lib/agent/output_encoding.ts";
export type * from "./lib/agent/controller.ts";
export { Orchestrator, type OrchestratorOptions, type ReloadOptions } from "./lib/orchestrator.ts";
export { planReload, type ReloadPlan } from "./lib/orchestrator/reload_plan.ts";
export {
  type ForwardCounters,
  forwardedLine,
  type ForwardWriter,
} from "./lib/orchestrator/forward.ts";
export {
  backoffSeconds,
  decideRestart,
  type ExitInfo,
  shouldRestart,
} from "./lib/agent/restart.ts";
export { type ResolvedCommand, resolveTemplate } from "./lib/agent/template.ts";
export { placeholders, substitute } from "./lib/substitute.ts";
export { configureLogging } from "./lib/log.ts";

// Events.
export * from "./lib/events/event.ts";
export { EventStore, type EventStoreOptions } from "./lib/events/store.ts";
export type { Retention, RetentionOption } from "./lib/events/retention.ts";
export { QUERY_LIMIT_DEFAULT } from "./lib/events/query.ts";

// The protocol's vocabulary: command names and presets, codes, signals, socket path, limits.
export * from "./lib/protocol/commands.ts";
export * from "./lib/protocol/codes.ts";
export * from "./lib/protocol/signals.ts";
export * from "./lib/protocol/socket.ts";
export * from "./lib/protocol/limits.ts";
/**
 * Largest `limit` of an event query: {@linkcode MAX_LIST} under the name
 * this API gave it first.
 */
export { MAX_LIST as QUERY_LIMIT_MAX } from "./lib/protocol/limits.ts";
/** A protocol status code: {@linkcode ResponseCode} under the name this API gave it first. */
export type { ResponseCode as ErrorCode } from "./lib/protocol/codes.ts";

// Control socket: server and client.
export { ControlServer, type ControlServerOptions } from "./lib/control/server.ts";
export {
  ClientError,
  type ClientErrorKind,
  type ClientOptions,
  ControlClient,
  requestOnce,
  type RequestSpec,
} from "./lib/control/client.ts";
export { encodeFrame, type FrameOutcome, FrameReader } from "./lib/control/frame.ts";
export type { ClientIdentity, ControlRequest, ControlResponse } from "./lib/control/protocol.ts";
export type { SocketInfo } from "./lib/control/transport.ts";
export { type Pushed, SubscriptionClient } from "./lib/control/subscribe_client.ts";
export type { SubscribeAnswer } from "./lib/control/subscribe_hub.ts";
export type { OutputObserver, OutputStream } from "./lib/agent/output_observer.ts";
