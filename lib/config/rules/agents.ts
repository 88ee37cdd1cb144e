/**
 * Per-agent rules (docs/config.md, "Checks"): names, durations and counts, backoff, exit
 * codes, readiness probes.
 *
 * @module
 */

import type { Node } from "jsonc-parser";
import type { RuleContext } from "../context.ts";
import { items, numberOf, properties, quote, stringOf } from "../nodes.ts";
import type { AgentNode } from "./agent_list.ts";
import { checkMinimum, checkSeconds } from "./numbers.ts";
import { checkPattern } from "./patterns.ts";

const NAME = /^[A-Za-z0-9_.-]+$/;

/**
 * Names match `[A-Za-z0-9_.-]+` and are unique; groups match it too. An
 * agent named `all` is a warning: the CLI's target `all` means every agent.
 */
export function ruleAgentNames(ctx: RuleContext, agents: AgentNode[]): void {
  const first = new Map<string, number>();
  for (const agent of agents) {
    const groupNode = agent.props.get("group");
    const group = stringOf(groupNode);
    if (group !== undefined && !NAME.test(group)) {
      ctx.error(
        `${agent.field}.group`,
        groupNode,
        `Group ${quote(group)} must match [A-Za-z0-9_.-]+`,
      );
    }
    const node = agent.props.get("name");
    const name = stringOf(node);
    if (name === undefined) continue;
    const field = `${agent.field}.name`;
    if (!NAME.test(name)) {
      ctx.error(field, node, `Agent name ${quote(name)} must match [A-Za-z0-9_.-]+`);
    }
    if (name === "all") {
      ctx.warning(
        field,
        node,
        `Agent name "all" is the CLI's target for every agent: "orchestrator stop all" stops ` +
          `them all; select this one with the glob 'al[l]'`,
      );
    }
    const seen = first.get(name);
    if (seen !== undefined) {
      ctx.error(field, node, `Duplicate agent name ${quote(name)}: also agents[${seen}]`);
    } else {
      first.set(name, agent.index);
    }
  }
}

/** Durations, counts, backoff and exit codes of each agent. */
export function ruleAgentRanges(ctx: RuleContext, agents: AgentNode[]): void {
  for (const { field, props } of agents) {
    checkSeconds(ctx, props.get("stop_timeout"), `${field}.stop_timeout`);
    checkSeconds(ctx, props.get("restart_window"), `${field}.restart_window`);
    checkMinimum(ctx, props.get("max_restarts"), `${field}.max_restarts`, 0);
    const backoff = properties(props.get("backoff"));
    const b = `${field}.backoff`;
    checkSeconds(ctx, backoff.get("initial"), `${b}.initial`, { allowZero: true });
    checkSeconds(ctx, backoff.get("max"), `${b}.max`, { allowZero: true });
    checkSeconds(ctx, backoff.get("reset_after"), `${b}.reset_after`);
    const factor = numberOf(backoff.get("factor"));
    if (factor !== undefined && factor < 1) {
      ctx.error(
        `${b}.factor`,
        backoff.get("factor"),
        `Backoff factor ${factor} must be at least 1`,
      );
    }
    const initial = numberOf(backoff.get("initial"));
    const max = numberOf(backoff.get("max"));
    if (initial !== undefined && max !== undefined && max < initial) {
      ctx.warning(
        `${b}.max`,
        backoff.get("max"),
        `Backoff max ${max} is below initial ${initial}: every delay is ${max}`,
      );
    }
    const codes = props.get("success_exit_codes");
    if (codes?.type === "array") {
      if (items(codes).length === 0) {
        ctx.error(`${field}.success_exit_codes`, codes, "No exit code counts as success");
      }
      items(codes).forEach((n, i) => {
        const v = numberOf(n);
        if (v !== undefined && (v < 0 || v > 255)) {
          ctx.error(`${field}.success_exit_codes[${i}]`, n, `Exit code ${v} is outside 0..255`);
        }
      });
    }
    const timeout = properties(props.get("tool_call_template")).get("timeout");
    checkSeconds(ctx, timeout, `${field}.tool_call_template.timeout`);
  }
}

const HOST_PORT = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9_.-]+)):(\d{1,5})$/;

/** Parses `host:port` (`[::1]:80` for IPv6); `undefined` when malformed. */
export function parseHostPort(text: string): { hostname: string; port: number } | undefined {
  const m = HOST_PORT.exec(text);
  if (m === null) return undefined;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  return { hostname: m[1] ?? m[2], port };
}

/**
 * Readiness: exactly one probe, a pattern the linear-time engine takes,
 * `host:port`, a non-empty argv, sane timing.
 */
export function ruleReadiness(ctx: RuleContext, agents: AgentNode[]): void {
  for (const agent of agents) {
    const node = agent.props.get("readiness");
    if (node?.type !== "object") continue;
    const field = `${agent.field}.readiness`;
    const r = properties(node);
    const set = ["log_pattern", "tcp", "exec"].filter((k) => r.has(k) && r.get(k)?.type !== "null");
    if (set.length !== 1) {
      ctx.error(
        field,
        node,
        set.length === 0
          ? "Readiness needs one of log_pattern, tcp or exec"
          : `Readiness takes one of log_pattern, tcp or exec, not ${set.join(" and ")}`,
      );
    }
    checkLogPattern(ctx, r.get("log_pattern"), `${field}.log_pattern`);
    const tcp = stringOf(r.get("tcp"));
    if (tcp !== undefined && parseHostPort(tcp) === undefined) {
      ctx.error(`${field}.tcp`, r.get("tcp"), `Invalid address ${quote(tcp)}: expected host:port`);
    }
    const exec = r.get("exec");
    if (exec?.type === "array") {
      if (items(exec).length === 0) ctx.error(`${field}.exec`, exec, "exec needs a command");
      items(exec).forEach((n, i) => {
        if (stringOf(n)?.includes("\0")) {
          ctx.error(`${field}.exec[${i}]`, n, "Argument contains a NUL byte");
        }
      });
    }
    checkSeconds(ctx, r.get("initial_delay"), `${field}.initial_delay`, { allowZero: true });
    checkSeconds(ctx, r.get("period"), `${field}.period`);
    checkSeconds(ctx, r.get("timeout"), `${field}.timeout`);
    checkMinimum(ctx, r.get("failure_threshold"), `${field}.failure_threshold`, 0);
  }
}

function checkLogPattern(ctx: RuleContext, node: Node | undefined, field: string): void {
  const pattern = stringOf(node);
  if (pattern === undefined) return;
  if (pattern === "") {
    ctx.warning(field, node, "An empty log_pattern matches the first line of output");
    return;
  }
  checkPattern(ctx, node, field, pattern);
}
