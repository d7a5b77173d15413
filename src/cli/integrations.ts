/**
 * `entrakit integrations [ID] [--output md|json]`: the seed's supported-flows table generated from the auth
 * profiles, or one integration's parameters, flows, permissions, clouds, resources and commands. The
 * parameters and commands shown are the runtime's (the registry's integration built from the profile).
 */
import type { Command } from "commander";
import { EntrakitError } from "../errors.ts";
import {
  authCommands,
  cloudFor,
  FLOW_NAMES,
  findProfile,
  type IntegrationProfile,
  resolveResources,
  SEED_COLUMNS,
  SEED_TITLE,
  supportedFlowsMarkdown,
  supportedFlowsTable,
} from "../integrations/profiles/index.ts";
import { findIntegration } from "../integrations/registry.ts";

type OutputFormat = "md" | "json";

function outputFormat(value: string): OutputFormat {
  if (value === "md" || value === "json") return value;
  throw new EntrakitError("usage", `Unknown output format "${value}".`, {
    hint: "Use --output md or --output json.",
  });
}

/** Everything `integrations ID` shows, as plain data (the JSON output, and what the text is drawn from). */
function describeProfile(profile: IntegrationProfile) {
  const definition = findIntegration(profile.id).definition;
  return {
    id: profile.id,
    name: profile.name,
    prefix: profile.prefix,
    flows: profile.flows,
    defaultFlow: profile.defaultFlow,
    ...(profile.nonEntraAuth ? { nonEntraAuth: profile.nonEntraAuth } : {}),
    nationalClouds: profile.nationalClouds,
    clouds: profile.clouds.map((id) => ({ id, resources: resolveResources(profile, cloudFor(id)) })),
    /** The reference's parameter names and aliases, as the profile lists them. */
    params: profile.params,
    /** What `entrakit instance add --param` takes: canonical names, labels, types and every alias. */
    instanceParams: definition.params,
    permissions: profile.permissions,
    connectivityProbe: profile.connectivityProbe,
    commands: authCommands(profile),
    dataCommands: definition.commands.map((command) => ({
      name: command.name,
      description: command.description,
    })),
    ...(profile.vendorAppId ? { vendorAppId: profile.vendorAppId } : {}),
  };
}

function renderProfile(profile: IntegrationProfile): string {
  const described = describeProfile(profile);
  const flowName = (flow: keyof typeof FLOW_NAMES) =>
    `${FLOW_NAMES[flow]}${flow === profile.defaultFlow ? " (default)" : ""}`;
  const lines = [
    `# ${profile.name}`,
    "",
    `id: ${profile.id}    command prefix: ${profile.prefix}`,
    "",
    "## Flows",
    ...(profile.flows.length
      ? profile.flows.map((flow) => `- ${flowName(flow)}`)
      : ["- none through Entra ID"]),
    ...(profile.nonEntraAuth ? [`- ${profile.nonEntraAuth}${profile.defaultFlow ? "" : " (default)"}`] : []),
    "",
    "## Clouds",
    ...described.clouds.flatMap((cloud) => [
      `- ${cloud.id}`,
      ...cloud.resources.map(
        (resource) => `  - ${resource.name}: scope ${resource.scope}, API ${resource.api}`,
      ),
    ]),
    "",
    "## Instance parameters (entrakit instance add --param NAME=VALUE)",
    ...described.instanceParams.map(
      (param) =>
        `- ${param.name}: ${param.display} [${param.type}${param.options ? `: ${param.options.join(" | ")}` : ""}]${param.aliases?.length ? ` (also ${param.aliases.join(", ")})` : ""}`,
    ),
    "",
    "## Permissions",
    ...(profile.permissions.length
      ? profile.permissions.map((permission) => `- ${permission}`)
      : ["- not documented by the reference; grant the least the commands you run need"]),
    "",
    "## Auth commands",
    ...(described.commands.length
      ? described.commands.map((command) => `- ${command.name}: ${command.description}`)
      : ["- none"]),
    "",
    "## Commands",
    ...(described.dataCommands.length
      ? described.dataCommands.map((command) => `- ${command.name}: ${command.description}`)
      : ["- none yet beyond the auth commands"]),
    "",
    "## Test button (entrakit instance test NAME)",
    profile.connectivityProbe
      ? `- gets a token, then ${profile.connectivityProbe.method} ${profile.connectivityProbe.path}`
      : "- gets a token",
  ];
  return `${lines.join("\n")}\n`;
}

export function registerIntegrationsCommand(program: Command): void {
  program
    .command("integrations")
    .description("the Microsoft integrations and their supported sign-in flows; with an ID, one integration")
    .argument("[id]", "an integration id, seed name or unique command prefix")
    .option("--output <format>", "md or json", "md")
    .action((id: string | undefined, options: { output: string }) => {
      const format = outputFormat(options.output);
      if (id) {
        const profile = findProfile(id);
        process.stdout.write(
          format === "json"
            ? `${JSON.stringify(describeProfile(profile), null, 2)}\n`
            : renderProfile(profile),
        );
        return;
      }
      process.stdout.write(
        format === "json"
          ? `${JSON.stringify({ title: SEED_TITLE, columns: SEED_COLUMNS, rows: supportedFlowsTable() }, null, 2)}\n`
          : `## ${SEED_TITLE}\n\n${supportedFlowsMarkdown()}\n`,
      );
    });
}
