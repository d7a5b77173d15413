import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { CLOUDS, customCloud } from "../../src/clouds/registry.ts";
import { isEntrakitError } from "../../src/errors.ts";
import {
  assertFlowSupported,
  authCommands,
  cloudFor,
  findProfile,
  PROFILES,
  resolveResources,
  SEED_COLUMNS,
  SEED_TITLE,
  supportedFlowsMarkdown,
  supportedFlowsTable,
} from "../../src/integrations/profiles/index.ts";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../../", import.meta.url));
const fixture = readFileSync(new URL("../fixtures/seed-supported-flows.md", import.meta.url), "utf8");

/**
 * The seed's table lost its cell borders when the article was captured: each row is the name followed by
 * six cells run together. A cell is yes/no with the article's optional qualifier, so a row splits uniquely.
 */
const CELL =
  "((?:yes|no)(?: - (?:support both client secret and certificate|not supported by the API|device|saas|self-deployment only))?)";
const ROW = new RegExp(`^(.+?)${CELL.repeat(6)}$`);

function parseSeedTable(text: string): { title: string; header: string; rows: Record<string, string>[] } {
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  const [title, header, ...body] = lines;
  const rows = body.map((line) => {
    const match = ROW.exec(line);
    assert.ok(match, `seed row does not split into a name and six cells: ${line}`);
    return Object.fromEntries(SEED_COLUMNS.map((column, index) => [column, match[index + 1]!]));
  });
  return { title: title!, header: header!, rows };
}

const seed = parseSeedTable(fixture);

test("the seed fixture has the title, the header and 37 rows", () => {
  assert.equal(seed.title.replace(/#$/, ""), SEED_TITLE);
  assert.equal(seed.header, SEED_COLUMNS.join(""));
  assert.equal(seed.rows.length, 37);
});

test("the table generated from the profiles matches the seed cell for cell", () => {
  const generated = supportedFlowsTable();
  assert.equal(generated.length, seed.rows.length);
  seed.rows.forEach((row, index) => {
    for (const column of SEED_COLUMNS) {
      assert.equal(generated[index]![column], row[column], `${row["Integration Name"]} / ${column}`);
    }
  });
});

test("profiles have unique ids and names, and a default flow they support", () => {
  assert.equal(new Set(PROFILES.map((p) => p.id)).size, PROFILES.length);
  assert.equal(new Set(PROFILES.map((p) => p.name)).size, PROFILES.length);
  for (const profile of PROFILES) {
    if (profile.defaultFlow) assert.ok(profile.flows.includes(profile.defaultFlow), profile.id);
    else assert.ok(profile.nonEntraAuth, `${profile.id} has no default flow and no other way in`);
    assert.equal(
      profile.nationalClouds,
      profile.clouds.some((id) => id !== "com"),
      profile.id,
    );
    assert.equal(new Set(profile.params.map((p) => p.name)).size, profile.params.length, profile.id);
  }
});

test("every profile's resources resolve in every cloud it claims", () => {
  for (const profile of PROFILES) {
    for (const id of profile.clouds) {
      const resolved = resolveResources(profile, cloudFor(id));
      assert.equal(resolved.length, profile.resources.length);
      for (const resource of resolved) {
        assert.ok(resource.scope.endsWith("/.default"), `${profile.id} in ${id}: ${resource.scope}`);
        assert.ok(resource.api.startsWith("https://") || resource.api.startsWith("{"), resource.api);
      }
    }
  }
});

test("national clouds build hosts and scopes from the selected cloud, never the public one", () => {
  for (const profile of PROFILES.filter((p) => p.nationalClouds)) {
    const publicHosts = resolveResources(profile, CLOUDS.com);
    for (const id of profile.clouds.filter(
      (cloud) => cloud === "gcc-high" || cloud === "dod" || cloud === "cn",
    )) {
      resolveResources(profile, cloudFor(id)).forEach((resource, index) => {
        const spec = profile.resources[index]!;
        // Cloud Apps' audience is an application id, the same in every cloud.
        if (spec.kind === "family" && spec.family !== "defenderForCloudApps") {
          assert.notEqual(resource.scope, publicHosts[index]!.scope, `${profile.id} ${id} scope`);
          assert.notEqual(resource.api, publicHosts[index]!.api, `${profile.id} ${id} api`);
        }
      });
    }
  }
  const [graph] = resolveResources(findProfile("microsoft-graph-api"), CLOUDS["gcc-high"]);
  assert.deepEqual(graph, {
    name: "graph",
    resource: "https://graph.microsoft.us/",
    scope: "https://graph.microsoft.us/.default",
    api: "https://graph.microsoft.us/v1.0",
  });
});

test("a custom cloud (the emulator) supplies every host of a national-cloud profile", () => {
  const local = "https://127.0.0.1:8443";
  const cloud = customCloud({
    endpoints: {
      login: local,
      graph: `${local}/`,
      resourceManager: `${local}/`,
      keyVault: local,
      defenderForEndpoint: local,
      defenderAptService: local,
    },
  });
  for (const profile of PROFILES.filter((p) => p.clouds.includes("custom"))) {
    for (const resource of resolveResources(profile, cloud)) {
      // A per-vault host is built from the cloud's DNS suffix, checked for national clouds above.
      if (!resource.api.startsWith("https://{"))
        assert.ok(resource.api.startsWith(local), `${profile.id}: ${resource.api}`);
      assert.ok(resource.scope.startsWith(local), `${profile.id}: ${resource.scope}`);
    }
  }
});

test("a cloud without the resource is a configuration error naming it", () => {
  assert.throws(
    () => resolveResources(findProfile("microsoft-defender-for-endpoint"), CLOUDS.cn),
    (error: unknown) => isEntrakitError(error) && /defenderForEndpoint.*China/.test(error.message),
  );
});

test("auth commands are exactly what the flows call for, with the reference's names", () => {
  const names = (id: string) => authCommands(findProfile(id)).map((command) => command.name);
  assert.deepEqual(names("azure-firewall"), [
    "azure-firewall-auth-start",
    "azure-firewall-auth-complete",
    "azure-firewall-auth-test",
    "azure-firewall-auth-reset",
  ]);
  assert.deepEqual(names("azure-key-vault"), ["azure-key-vault-auth-reset"]);
  assert.deepEqual(names("azure-log-analytics"), [
    "azure-log-analytics-generate-login-url",
    "azure-log-analytics-test",
    "azure-log-analytics-auth-reset",
  ]);
  assert.deepEqual(names("microsoft-graph-security"), [
    "msg-generate-login-url",
    "msg-auth-test",
    "ms-graph-security-auth-reset",
  ]);
  assert.deepEqual(names("azure-storage-container"), []);
  assert.deepEqual(names("microsoft-graph-api"), [
    "msgraph-api-auth-start",
    "msgraph-api-auth-complete",
    "msgraph-api-generate-login-url",
    "msgraph-api-test",
    "msgraph-api-auth-reset",
  ]);
});

test("an unsupported flow is refused with the flows the integration supports", () => {
  assert.doesNotThrow(() => assertFlowSupported(findProfile("azure-key-vault"), "managed_identity"));
  assert.throws(
    () => assertFlowSupported(findProfile("azure-key-vault"), "device_code"),
    (error: unknown) =>
      isEntrakitError(error) &&
      error.toLine() ===
        "Azure Key Vault does not support Device Code. Use one of: Client Credentials (client secret), Client Credentials (certificate), Azure Managed Identities.",
  );
  assert.throws(
    () => assertFlowSupported(findProfile("azure-storage-fileshare"), "managed_identity"),
    (error: unknown) => isEntrakitError(error) && /account SAS token only/.test(error.toLine()),
  );
});

test("profiles are found by id, seed name or a unique prefix; a shared prefix asks for the id", () => {
  assert.equal(findProfile("AzureRiskyUsers").id, "azure-risky-users");
  assert.equal(findProfile("Microsoft Defender for Endpoint (Defender ATP)").prefix, "microsoft-atp");
  assert.equal(findProfile("azure-vm").id, "azure-compute-v2");
  assert.throws(
    () => findProfile("msgraph-mail"),
    (error: unknown) =>
      isEntrakitError(error) && error.code === "usage" && /o365-outlook-mail/.test(error.toLine()),
  );
  // An id wins over a prefix it shares with another integration.
  assert.equal(findProfile("microsoft-teams").name, "Microsoft Teams");
  assert.throws(
    () => findProfile("nope"),
    (error: unknown) => isEntrakitError(error) && error.code === "usage",
  );
});

async function cli(...args: string[]) {
  return run(process.execPath, ["src/cli/main.ts", ...args], { cwd: root });
}

test("`entrakit integrations --output json` prints the seed table, generated from the profiles", async () => {
  const { stdout } = await cli("integrations", "--output", "json");
  const printed = JSON.parse(stdout) as { title: string; columns: string[]; rows: Record<string, string>[] };
  assert.equal(printed.title, SEED_TITLE);
  assert.deepEqual(printed.columns, SEED_COLUMNS);
  assert.deepEqual(printed.rows, seed.rows);
});

test("`entrakit integrations` prints the table as markdown, one line per integration", async () => {
  const { stdout } = await cli("integrations");
  const rows = stdout.split("\n").filter((line) => line.startsWith("| ") && !line.startsWith("| ---"));
  assert.equal(rows.length, 38);
  assert.equal(rows[1], `| ${Object.values(seed.rows[0]!).join(" | ")} |`);
});

test("`entrakit integrations ID` shows flows, clouds, parameters and commands", async () => {
  const { stdout } = await cli("integrations", "o365-outlook-mail", "--output", "json");
  const shown = JSON.parse(stdout);
  assert.equal(shown.prefix, "msgraph-mail");
  assert.deepEqual(
    shown.clouds.map((cloud: { id: string }) => cloud.id),
    ["com", "gcc", "gcc-high", "dod", "cn", "custom"],
  );
  assert.equal(shown.clouds[3].resources[0].api, "https://dod-graph.microsoft.us/v1.0");
  assert.deepEqual(
    shown.commands.map((command: { name: string }) => command.name),
    ["msgraph-mail-auth-reset"],
  );
  assert.ok(
    shown.params.some((param: { name: string; aliases: string[] }) => param.aliases.includes("_tenant_id")),
  );
  const text = await cli("integrations", "azure-ks");
  assert.match(text.stdout, /- Device Code \(default\)/);
  assert.match(text.stdout, /azure-ks-generate-login-url/);
  assert.match(text.stdout, /management\.chinacloudapi\.cn/);
});

test("bad input to `entrakit integrations` is one line that says what to do", async () => {
  await assert.rejects(cli("integrations", "--output", "xml"), (error: { code: number; stderr: string }) => {
    assert.notEqual(error.code, 0);
    assert.equal(error.stderr, 'entrakit: Unknown output format "xml". Use --output md or --output json.\n');
    return true;
  });
  await assert.rejects(cli("integrations", "msgraph-mail"), (error: { stderr: string }) =>
    /microsoft-graph-mail-single-user, o365-outlook-mail/.test(error.stderr),
  );
});

test("docs/integrations.md carries the table generated from the profiles", () => {
  const docs = readFileSync(new URL("../../docs/integrations.md", import.meta.url), "utf8");
  // The formatter pads the cells, so compare cells, not bytes.
  const cells = (markdown: string) =>
    markdown
      .split("\n")
      .filter((line) => line.startsWith("|") && !/^\|[\s-|]+\|$/.test(line))
      .map((line) =>
        line
          .slice(1, -1)
          .split("|")
          .map((cell) => cell.trim()),
      );
  const start = docs.indexOf("<!-- generated: entrakit integrations --output md -->");
  const end = docs.indexOf("<!-- end generated -->");
  assert.ok(start >= 0 && end > start, "the generated table's markers are missing");
  assert.deepEqual(cells(docs.slice(start, end)), cells(supportedFlowsMarkdown()));
  for (const profile of PROFILES) assert.ok(docs.includes(`### ${profile.name}\n`), profile.name);
});
