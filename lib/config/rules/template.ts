/**
 * The UTCP call template of each agent (docs/config.md, "Checks"): NUL bytes, empty
 * commands, environment names, `shell: true`, commands not on PATH,
 * missing working directories, unresolved `${…}` placeholders, and
 * placeholders whose value may be read as an option.
 *
 * @module
 */

import type { Node } from "jsonc-parser";
import { getNodeValue } from "jsonc-parser";
import type { RuleContext } from "../context.ts";
import { placeholders } from "../../substitute.ts";
import { booleanOf, fieldKey, items, keyNodeOf, properties, quote, stringOf } from "../nodes.ts";
import type { AgentNode } from "./agent_list.ts";
import { schemaExcludesLeadingDash } from "./leading_dash.ts";

/** PATH used when neither the agent nor the environment sets one. */
const FALLBACK_PATH = "/usr/local/bin:/usr/bin:/bin";

/** A string of the template that may hold placeholders, with where it is. */
interface TemplateString {
  field: string;
  node: Node;
  text: string;
}

function templateStrings(agent: AgentNode): TemplateString[] {
  const t = properties(agent.props.get("tool_call_template"));
  const base = `${agent.field}.tool_call_template`;
  const out: TemplateString[] = [];
  const push = (field: string, node: Node | undefined) => {
    const text = stringOf(node);
    if (node !== undefined && text !== undefined) out.push({ field, node, text });
  };
  push(`${base}.command`, t.get("command"));
  items(t.get("args")).forEach((n, i) => push(`${base}.args[${i}]`, n));
  push(`${base}.working_directory`, t.get("working_directory"));
  for (const [key, node] of properties(t.get("environment"))) {
    push(fieldKey(`${base}.environment`, key), node);
  }
  return out;
}

const ENV_NAME_BAD = /[=\0]/;

/** NUL bytes, empty command, bad environment names, `shell: true`, PATH and directories. */
export function ruleTemplate(ctx: RuleContext, agents: AgentNode[]): void {
  for (const agent of agents) {
    const templateNode = agent.props.get("tool_call_template");
    if (templateNode?.type !== "object") continue;
    const t = properties(templateNode);
    const base = `${agent.field}.tool_call_template`;
    for (const s of templateStrings(agent)) {
      if (s.text.includes("\0")) ctx.error(s.field, s.node, "Contains a NUL byte");
    }
    for (const [key, node] of properties(t.get("environment"))) {
      if (key === "" || ENV_NAME_BAD.test(key)) {
        ctx.error(
          fieldKey(`${base}.environment`, key),
          keyNodeOf(node),
          `Invalid environment variable name ${quote(key)}`,
        );
      }
    }
    const commandNode = t.get("command");
    const command = stringOf(commandNode);
    if (command !== undefined && command.trim() === "") {
      ctx.error(`${base}.command`, commandNode, "Command is empty");
    }
    const shell = booleanOf(t.get("shell")) === true;
    if (shell) {
      ctx.warning(
        `${base}.shell`,
        t.get("shell"),
        "shell: true runs the command through sh -c: pass values through environment variables and quote them",
      );
    }
    checkFilesystem(ctx, agent, t, base, shell);
  }
}

function literal(text: string | undefined): text is string {
  return text !== undefined && text !== "" && !text.includes("${") && !text.includes("\0");
}

function checkFilesystem(
  ctx: RuleContext,
  agent: AgentNode,
  t: ReadonlyMap<string, Node>,
  base: string,
  shell: boolean,
): void {
  const fs = ctx.fs;
  if (fs === undefined) return;
  const wdNode = t.get("working_directory");
  const wd = stringOf(wdNode);
  if (literal(wd) && !fs.isDirectory(wd)) {
    ctx.error(`${base}.working_directory`, wdNode, `Working directory ${quote(wd)} does not exist`);
  }
  const envPath = stringOf(properties(t.get("environment")).get("PATH"));
  const pathValue = literal(envPath) ? envPath : ctx.env.get("PATH") ?? FALLBACK_PATH;
  const cwd = literal(wd) ? wd : fs.cwd;
  const check = (field: string, node: Node | undefined, what: string) => {
    const cmd = stringOf(node);
    if (!literal(cmd) || cmd.trim() === "") return;
    const found = fs.findCommand(cmd, pathValue, cwd);
    if (found.found) return;
    const hint = found.suggestion === undefined
      ? ""
      : `: did you mean ${JSON.stringify(found.suggestion)}?`;
    ctx.warning(field, node, `${what} ${quote(cmd)} ${found.reason}${hint}`);
  };
  if (!shell) check(`${base}.command`, t.get("command"), "Command");
  const readiness = properties(agent.props.get("readiness"));
  const exec = items(readiness.get("exec"));
  if (exec.length > 0) check(`${agent.field}.readiness.exec[0]`, exec[0], "Readiness command");
}

/**
 * Every `${name}` resolves from `values`, then the orchestrator's
 * environment. A name declared in `inputs.properties` without a value is
 * fine for a task (call-time inputs supply it: info), an error for a service.
 */
export function ruleSubstitution(ctx: RuleContext, agents: AgentNode[]): void {
  for (const agent of agents) {
    const strings = templateStrings(agent).filter((s) => s.text.includes("${"));
    if (strings.length === 0) continue;
    const values = properties(agent.props.get("values"));
    const declared = properties(properties(agent.props.get("inputs")).get("properties"));
    const isTask = stringOf(agent.props.get("kind")) === "task";
    for (const s of strings) {
      for (const name of placeholders(s.text)) {
        const value = values.get(name);
        if (value !== undefined && value.type !== "null") continue;
        if (ctx.env.get(name) !== undefined) continue;
        const ref = `\${${name}}`;
        if (declared.has(name) && isTask) {
          ctx.info(s.field, s.node, `${quote(ref)} comes from call-time inputs (no value given)`);
        } else if (declared.has(name)) {
          ctx.error(
            s.field,
            s.node,
            `Unresolved ${
              quote(ref)
            }: declared in inputs but has no value, and a service gets no call-time inputs`,
          );
        } else {
          ctx.error(
            s.field,
            s.node,
            `Unresolved ${quote(ref)}: not in values, inputs or the environment`,
          );
        }
      }
    }
  }
}

/**
 * An argument that is exactly one placeholder (`"${path}"`) takes the whole
 * value, so a value like `--version` becomes an option of the command. Info
 * unless a `"--"` argument comes before it or the input's schema rules out
 * a leading `-` (`leading_dash.ts`). Not for `shell: true`, where values are
 * not arguments.
 */
export function ruleOptionLikeArgs(ctx: RuleContext, agents: AgentNode[]): void {
  for (const agent of agents) {
    const t = properties(agent.props.get("tool_call_template"));
    if (booleanOf(t.get("shell")) === true) continue;
    const declared = properties(properties(agent.props.get("inputs")).get("properties"));
    const args = items(t.get("args"));
    const end = args.findIndex((n) => stringOf(n) === "--");
    (end < 0 ? args : args.slice(0, end)).forEach((node, i) => {
      const text = stringOf(node);
      if (text === undefined) return;
      const [name] = placeholders(text);
      if (name === undefined || text !== `\${${name}}`) return;
      const schema = declared.get(name);
      if (schema !== undefined && schemaExcludesLeadingDash(getNodeValue(schema))) return;
      ctx.info(
        `${agent.field}.tool_call_template.args[${i}]`,
        node,
        `Value of ${quote(text)} forms a whole argument and may be read as an option ` +
          `(e.g. "--version"): put "--" before it or give the input a pattern ` +
          `that rules out a leading "-"`,
      );
    });
  }
}
