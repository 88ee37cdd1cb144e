/**
 * Rules on the orchestrator-level options (docs/config.md, "Checks"): ranges, socket
 * permissions, socket path, command lists, and the directories of the
 * files the orchestrator writes.
 *
 * @module
 */

import type { Node } from "jsonc-parser";
import type { RuleContext } from "../context.ts";
import {
  type CommandName,
  CONTROL_COMMANDS,
  isPresetName,
  resolveAllowed,
} from "../../protocol/commands.ts";
import { resolveSocketPath } from "../defaults.ts";
import { dirname } from "../../path.ts";
import { booleanOf, items, numberOf, properties, quote, stringOf } from "../nodes.ts";
import { formatMode, parsePermissions } from "../permissions.ts";
import { checkMinimum, checkSeconds } from "./numbers.ts";
import { DEFAULT_SOCKET_PATH } from "../../protocol/socket.ts";
import { DEFAULT_MAX_FRAME_BYTES } from "../../protocol/limits.ts";
import { ORCHESTRATOR_DEFAULTS } from "../defaults.ts";
import { configuredSocketPathProblem, resolvedSocketPathProblem } from "../socket_path.ts";

/** Ranges of the numeric orchestrator options. */
export function ruleOptionRanges(ctx: RuleContext, root: Node): void {
  const p = properties(root);
  for (
    const key of [
      "command_timeout",
      "shutdown_timeout",
      "command_idle_timeout",
      "command_frame_timeout",
    ]
  ) {
    checkSeconds(ctx, p.get(key), key);
  }
  for (
    const key of [
      "max_workers",
      "event_retention",
      "command_max_connections",
      "output_buffer_bytes",
      "output_line_max_bytes",
      "log_max_bytes",
      "log_max_files",
      "cli_audit_log_max_bytes",
      "cli_audit_log_max_files",
    ]
  ) {
    checkMinimum(ctx, p.get(key), key, 1);
  }
  const retention = p.get("event_retention");
  if (retention?.type === "object") {
    const limits = properties(retention);
    for (const category of ["agent", "command", "system"]) {
      checkMinimum(ctx, limits.get(category), `event_retention.${category}`, 1);
    }
  }
  checkMinimum(ctx, p.get("command_max_frame_bytes"), "command_max_frame_bytes", 1024);
  checkSampleInterval(ctx, p.get("resource_sample_interval"));
  const frame = numberOf(p.get("command_max_frame_bytes"));
  if (frame !== undefined && frame > 64 * 1024 * 1024) {
    ctx.warning(
      "command_max_frame_bytes",
      p.get("command_max_frame_bytes"),
      `Frames up to ${frame} bytes let one client make the orchestrator buffer that much`,
    );
  }
  checkBufferedBytes(ctx, root);
  checkOutputBuffer(ctx, root);
}

/**
 * A `logs` or `call` answer holds both streams' kept output, as base64 (4
 * bytes for 3) when it is not UTF-8: larger than `command_max_buffered_bytes`
 * it would be refused with 503 (docs/protocol.md, "Limits").
 */
function checkOutputBuffer(ctx: RuleContext, root: Node): void {
  const p = properties(root);
  const node = p.get("output_buffer_bytes");
  const keep = numberOf(node);
  if (keep === undefined || keep < 1) return;
  const buffered = numberOf(p.get("command_max_buffered_bytes")) ??
    ORCHESTRATOR_DEFAULTS.command_max_buffered_bytes;
  const answer = 2 * Math.ceil(keep / 3) * 4;
  if (answer > buffered) {
    ctx.warning(
      "output_buffer_bytes",
      node,
      `A logs or call answer holds both streams' ${keep} bytes, as base64 up to ${answer} ` +
        `bytes: more than command_max_buffered_bytes (${buffered}), so it would be refused ` +
        "with 503",
    );
  }
}

/** `command_max_buffered_bytes` must hold at least one frame of the largest size. */
function checkBufferedBytes(ctx: RuleContext, root: Node): void {
  const node = properties(root).get("command_max_buffered_bytes");
  const buffered = numberOf(node);
  if (buffered === undefined) return;
  if (buffered < 1024) {
    ctx.error("command_max_buffered_bytes", node, `Value ${buffered} must be at least 1024`);
    return;
  }
  const frame = numberOf(properties(root).get("command_max_frame_bytes")) ??
    DEFAULT_MAX_FRAME_BYTES;
  if (buffered < frame) {
    ctx.error(
      "command_max_buffered_bytes",
      node,
      `Value ${buffered} is less than command_max_frame_bytes (${frame}): ` +
        "a frame of the largest size could never be read",
    );
  }
}

/** Shortest `resource_sample_interval` other than 0 (off), in seconds. */
export const MIN_SAMPLE_INTERVAL = 0.1;

/** `resource_sample_interval`: 0 (off) or a duration of at least {@link MIN_SAMPLE_INTERVAL}. */
function checkSampleInterval(ctx: RuleContext, node: Node | undefined): void {
  const key = "resource_sample_interval";
  checkSeconds(ctx, node, key, { allowZero: true });
  const value = numberOf(node);
  if (value !== undefined && value > 0 && value < MIN_SAMPLE_INTERVAL) {
    ctx.error(
      key,
      node,
      `Sample interval ${value} s is shorter than ${MIN_SAMPLE_INTERVAL} s: use 0 to turn sampling off`,
    );
  }
}

/** True when `enable_command_interface` is `true`. */
export function interfaceEnabled(root: Node): boolean {
  return booleanOf(properties(root).get("enable_command_interface")) === true;
}

/** Allowed commands as written, when well typed (`null` = all). */
function allowedAsWritten(root: Node): string | string[] | null {
  const node = properties(root).get("allowed_commands");
  if (node === undefined || node.type === "null") return null;
  if (node.type === "string") return node.value;
  return items(node).flatMap((n) => n.type === "string" ? [n.value] : []);
}

function blockedAsWritten(root: Node): string[] {
  return items(properties(root).get("blocked_commands"))
    .flatMap((n) => n.type === "string" ? [n.value] : []);
}

/** The commands the socket would accept, from the lists as written (unknown names left out). */
export function allowedCommands(root: Node): ReadonlySet<CommandName> {
  const allowed = allowedAsWritten(root);
  const known = typeof allowed === "string" ? (isPresetName(allowed) ? allowed : []) : allowed;
  return resolveAllowed(known, blockedAsWritten(root));
}

/**
 * Octal-as-decimal permissions (always); world-writable sockets (warning,
 * error when control or shutdown commands are allowed) and modes the owner
 * cannot connect with (when the interface is enabled).
 */
export function rulePermissions(ctx: RuleContext, root: Node): void {
  const field = "command_socket_permissions";
  const node = properties(root).get(field);
  if (node === undefined || (node.type !== "string" && node.type !== "number")) return;
  const parsed = parsePermissions(node.value);
  if (!parsed.ok) {
    ctx.error(field, node, parsed.message);
    return;
  }
  if (!interfaceEnabled(root)) return;
  const mode = parsed.mode;
  if ((mode & 0o002) !== 0) {
    const set = allowedCommands(root);
    const control = CONTROL_COMMANDS.filter((c) => set.has(c));
    if (control.length > 0) {
      ctx.error(
        field,
        node,
        `Socket permissions ${formatMode(mode)} let any local user run ${
          control.join(", ")
        }: use "0660" or "0600", or allow only monitoring commands`,
      );
    } else {
      ctx.warning(
        field,
        node,
        `Socket permissions ${
          formatMode(mode)
        } are world-writable: any local user can query the orchestrator`,
      );
    }
  }
  if ((mode & 0o600) !== 0o600) {
    ctx.warning(
      field,
      node,
      `Socket permissions ${
        formatMode(mode)
      } do not give the owner read and write: only root can connect`,
    );
  } else if ((mode & 0o044) !== 0 && (mode & 0o022) === 0) {
    ctx.info(
      field,
      node,
      `Socket permissions ${
        formatMode(mode)
      }: connecting needs write permission, so read bits alone let no one else connect`,
    );
  }
}

/** Socket path length, location and directory (when the interface is enabled). */
export function ruleSocketPath(ctx: RuleContext, root: Node): void {
  const field = "command_socket_path";
  const p = properties(root);
  const node = p.get(field);
  const configured = node === undefined ? DEFAULT_SOCKET_PATH : stringOf(node);
  if (configured === undefined) return;
  const fromEnv = ctx.env.get("ORCHESTRATOR_SOCKET_PATH");
  const at = node ?? root;
  const unusable = configuredSocketPathProblem(configured);
  if (unusable !== null) ctx.error(field, at, unusable);
  if (!interfaceEnabled(root)) {
    const set = [
      "command_socket_permissions",
      "allowed_commands",
      "blocked_commands",
      "command_socket_verify_peer",
      "command_policies",
      field,
    ].find((k) => p.has(k));
    if (set !== undefined) {
      ctx.info(set, p.get(set), "The command interface is disabled: socket options are unused");
    }
    return;
  }
  const path = resolveSocketPath(configured, ctx.env, ctx.user);
  if (fromEnv !== undefined && fromEnv !== "") {
    ctx.info(field, at, `ORCHESTRATOR_SOCKET_PATH overrides the socket path: ${quote(path)}`);
  }
  const unbindable = resolvedSocketPathProblem(path);
  if (unbindable !== null) ctx.error(field, at, unbindable);
  if (path === "") return;
  if (!path.startsWith("/")) {
    ctx.warning(
      field,
      at,
      `Socket path ${quote(path)} is relative: it depends on the working directory`,
    );
  }
  checkDirectory(ctx, field, at, dirname(path), "socket");
}

function checkDirectory(
  ctx: RuleContext,
  field: string,
  node: Node,
  dir: string,
  what: string,
): void {
  if (ctx.fs === undefined || dir.includes("\0")) return;
  const status = ctx.fs.directoryStatus(dir);
  switch (status.kind) {
    case "ok":
      return;
    case "not-directory":
      ctx.error(field, node, `Cannot create the ${what} in ${quote(dir)}: not a directory`);
      return;
    case "not-writable":
      ctx.error(
        field,
        node,
        `Cannot create the ${what} in ${quote(dir)}: directory is not writable`,
      );
      return;
    case "missing":
      if (status.creatable) {
        ctx.info(field, node, `Directory ${quote(dir)} does not exist: run creates it`);
      } else {
        ctx.error(
          field,
          node,
          `Directory ${quote(dir)} does not exist and cannot be created under ${
            quote(status.ancestor)
          }`,
        );
      }
  }
}

/** Directories of `cli_audit_log_path`, `event_store_path` and `log_dir`. */
export function ruleOutputPaths(ctx: RuleContext, root: Node): void {
  const p = properties(root);
  const files: [string, string][] = [
    ["cli_audit_log_path", "audit log"],
    ["event_store_path", "event store"],
  ];
  for (const [key, what] of files) {
    const node = p.get(key);
    const path = stringOf(node);
    if (node === undefined || path === undefined) continue;
    if (!checkPathString(ctx, key, node, path)) continue;
    if (key === "event_store_path" && path === ":memory:") continue;
    checkDirectory(ctx, key, node, dirname(path), what);
  }
  const logDir = p.get("log_dir");
  const dir = stringOf(logDir);
  if (logDir !== undefined && dir !== undefined && checkPathString(ctx, "log_dir", logDir, dir)) {
    if (ctx.fs !== undefined && !ctx.fs.isDirectory(dir)) {
      checkDirectory(ctx, "log_dir", logDir, dir, "log directory");
    }
  }
}

function checkPathString(ctx: RuleContext, field: string, node: Node, path: string): boolean {
  if (path === "") {
    ctx.error(field, node, "Path is empty: use null for none");
    return false;
  }
  if (path.includes("\0")) {
    ctx.error(field, node, "Path contains a NUL byte");
    return false;
  }
  return true;
}

/** Duplicates and commands that are both allowed (by name) and blocked. */
export function ruleCommandLists(ctx: RuleContext, root: Node): void {
  const p = properties(root);
  const allowedNode = p.get("allowed_commands");
  const listed = new Set<string>();
  items(allowedNode).forEach((n, i) => {
    if (n.type !== "string") return;
    if (listed.has(n.value)) {
      ctx.info(`allowed_commands[${i}]`, n, `Command ${quote(n.value)} is listed twice`);
    }
    listed.add(n.value);
  });
  const blocked = new Set<string>();
  items(p.get("blocked_commands")).forEach((n, i) => {
    if (n.type !== "string") return;
    const field = `blocked_commands[${i}]`;
    if (blocked.has(n.value)) ctx.info(field, n, `Command ${quote(n.value)} is listed twice`);
    blocked.add(n.value);
    if (listed.has(n.value)) {
      ctx.warning(
        field,
        n,
        `Command ${quote(n.value)} is both allowed and blocked: blocked wins`,
      );
    }
  });
  if (
    allowedNode?.type === "array" && listed.size > 0 && [...listed].every((c) => blocked.has(c))
  ) {
    ctx.warning("allowed_commands", allowedNode, "Every allowed command is also blocked");
  }
}
