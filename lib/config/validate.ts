/**
 * The validator (docs/config.md, "Checks"): a structure check against the config's JSON
 * Schema, then named rules, each adding results. It collects every finding
 * and never throws on any input; the loader never logs, the CLI prints.
 *
 * @module
 */

import type { Node } from "jsonc-parser";
import type { ValidationResult } from "./types.ts";
import { type EnvLike, RuleContext } from "./context.ts";
import { FsProbe } from "./fs_probe.ts";
import type { LineIndex } from "./position.ts";
import { rootProblem } from "./nodes.ts";
import { checkStructure, type StructureInfo } from "./structure.ts";
import { type AgentNode, agentNodes } from "./rules/agent_list.ts";
import {
  ruleCommandLists,
  ruleOptionRanges,
  ruleOutputPaths,
  rulePermissions,
  ruleSocketPath,
} from "./rules/orchestrator.ts";
import { ruleContainment } from "./rules/containment.ts";
import { rulePolicies } from "./rules/policies.ts";
import { ruleAgentNames, ruleAgentRanges, ruleReadiness } from "./rules/agents.ts";
import { ruleDependencies } from "./rules/dependencies.ts";
import { ruleOptionLikeArgs, ruleSubstitution, ruleTemplate } from "./rules/template.ts";
import { ruleInputs } from "./rules/inputs.ts";

/** A rule on the orchestrator options. */
type DocumentRule = (ctx: RuleContext, root: Node) => void;
/** A rule over the agents. */
type AgentRule = (ctx: RuleContext, agents: AgentNode[]) => void;

/** Rules on the orchestrator options, by name (order is report order before sorting). */
export const DOCUMENT_RULES: Readonly<Record<string, DocumentRule>> = {
  optionRanges: ruleOptionRanges,
  permissions: rulePermissions,
  socketPath: ruleSocketPath,
  outputPaths: ruleOutputPaths,
  commandLists: ruleCommandLists,
  containment: ruleContainment,
  policies: rulePolicies,
};

/** Rules over the agents, by name. */
export const AGENT_RULES: Readonly<Record<string, AgentRule>> = {
  agentNames: ruleAgentNames,
  agentRanges: ruleAgentRanges,
  readiness: ruleReadiness,
  dependencies: ruleDependencies,
  template: ruleTemplate,
  substitution: ruleSubstitution,
  optionLikeArgs: ruleOptionLikeArgs,
  inputs: ruleInputs,
};

/** Options of {@link validate}. */
export interface ValidateOptions {
  /** Environment for `${…}` and `ORCHESTRATOR_SOCKET_PATH`. */
  env: EnvLike;
  /** Expands `{user}` in the socket path. */
  user: string;
  /** Check PATH, directories and files. */
  checkFilesystem: boolean;
}

/** Results of {@link validate} plus what the loader needs to build the config. */
export interface ValidateOutput {
  results: ValidationResult[];
  structure: StructureInfo;
}

/**
 * Validates a parsed document. Results come in rule order; the loader sorts
 * them by position.
 */
export function validate(root: Node, lines: LineIndex, options: ValidateOptions): ValidateOutput {
  const ctx = new RuleContext(lines, {
    env: options.env,
    user: options.user,
    fs: options.checkFilesystem ? new FsProbe() : undefined,
  });
  const notAnObject = rootProblem(root);
  if (notAnObject !== null) {
    ctx.error("", root, notAnObject);
    return { results: ctx.results, structure: { ignored: new Set() } };
  }
  const structure = checkStructure(ctx, root);
  for (const rule of Object.values(DOCUMENT_RULES)) rule(ctx, root);
  const agents = agentNodes(root);
  for (const rule of Object.values(AGENT_RULES)) rule(ctx, agents);
  ctx.finish();
  return { results: ctx.results, structure };
}
