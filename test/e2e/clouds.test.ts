/**
 * National clouds, for every integration that claims them: an instance with `azure_cloud` set to each
 * claimed cloud signs in at that cloud's login host and builds every resource's API address, v2 scope and
 * v1 resource from that cloud's tables in src/clouds (never a public-cloud host it did not table), through
 * the runtime's own path (parameters → instanceCloud → resourceTarget). A few hosts are also checked
 * against Microsoft's published values. The Custom cloud runs end to end in the other files of this folder
 * (every row there is a Custom cloud aimed at the emulator). Pure.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CLOUDS, type Cloud, type CloudId } from "../../src/clouds/registry.ts";
import { RESOURCE_FAMILIES } from "../../src/clouds/resources.ts";
import { DEV_APP, DEV_TENANT } from "../../src/emulator/well-known.ts";
import { PROFILES, type ProfileResource } from "../../src/integrations/profiles/index.ts";
import { findIntegration } from "../../src/integrations/registry.ts";
import { emulatorEndpoints } from "../../src/runtime/emulator-endpoints.ts";
import { resolveInstance } from "../../src/runtime/instances.ts";
import { instanceCloud, resourceTarget } from "../../src/runtime/targets.ts";

const NATIONAL = PROFILES.filter((profile) => profile.nationalClouds);
const trim = (url: string) => url.replace(/\/+$/, "");
const PORTAL = "https://contoso.portal.cloudappsecurity.com";

/** Parameters for a sign-in the integration runs (any will do: clouds do not depend on the flow). */
function signIn(integration: string, cloud: string): Record<string, string> {
  const definition = findIntegration(integration).definition;
  const has = (name: string) => definition.params.some((param) => param.name === name);
  const params: Record<string, string> = {
    client_id: DEV_APP.clientId,
    tenant_id: DEV_TENANT.id,
    azure_cloud: cloud,
  };
  if (definition.auth.flows.includes("client_credentials_secret")) {
    params.client_secret = DEV_APP.secret;
    if (has("authentication_type")) params.authentication_type = "Client Credentials";
  } else if (has("authentication_type")) {
    params.authentication_type = "Device Code";
  }
  if (has("vault_name")) params.vault_name = "entrakit-dev";
  if (has("url")) params.url = PORTAL;
  return params;
}

/** What src/clouds tables say one resource is in one cloud: API base, v2 scope, v1 resource. */
function tabled(resource: ProfileResource, cloud: Cloud): { api: string; scope: string; resource: string } {
  if (resource.kind === "fixed")
    return { api: resource.api, scope: resource.scope, resource: resource.resource };
  const family = RESOURCE_FAMILIES[resource.family];
  const table = (name: keyof Cloud["endpoints"]) => {
    const value = cloud.endpoints[name];
    assert.ok(value, `${cloud.id} tables no ${name}`);
    return trim(value);
  };
  const api = family.api
    ? table(family.api)
    : resource.family === "keyVault"
      ? `https://entrakit-dev${cloud.suffixes.keyVaultDns}`
      : PORTAL;
  if (typeof family.resource !== "string") {
    return {
      api: `${api}${resource.basePath}`,
      scope: `${family.resource.appId}/.default`,
      resource: family.resource.appId,
    };
  }
  const scopeHost = table(family.scopeHost ?? family.resource);
  return {
    api: `${api}${resource.basePath}`,
    scope: `${scopeHost}${family.scopePath ? `/${family.scopePath}` : ""}/.default`,
    resource: cloud.endpoints[family.resource]!,
  };
}

/** Hosts of the public cloud's tables that another cloud's tables do not also list. */
function foreignHosts(cloud: Cloud): string[] {
  const own = new Set(Object.values(cloud.endpoints).map((url) => new URL(url!).host));
  return Object.values(CLOUDS.com.endpoints)
    .map((url) => new URL(url!).host)
    .filter((host) => !own.has(host));
}

describe(`national clouds: ${NATIONAL.length} integrations`, () => {
  for (const profile of NATIONAL) {
    const definition = findIntegration(profile.id).definition;
    const claimed = profile.clouds.filter((id): id is Exclude<CloudId, "custom"> => id !== "custom");
    it(`${profile.id}: ${claimed.join(", ")}`, () => {
      const options = definition.params.find((param) => param.name === "azure_cloud")?.options ?? [];
      for (const id of claimed) {
        const table = CLOUDS[id];
        assert.ok(options.includes(table.displayName), `${profile.id} offers no ${table.displayName}`);
        const instance = resolveInstance({
          name: "n",
          integration: profile.id,
          params: signIn(profile.id, table.displayName),
        });
        const cloud = instanceCloud(instance);
        assert.equal(cloud.endpoints.login, table.endpoints.login, `${profile.id} in ${id}: login`);
        profile.resources.forEach((resource, index) => {
          const target = resourceTarget(definition, instance, cloud, index);
          const expected = tabled(resource, table);
          const where = `${profile.id} in ${id}, resource ${index}`;
          assert.equal(target.baseUrl, expected.api, `${where}: API`);
          assert.deepEqual(target.audience.scopes, [expected.scope], `${where}: scope`);
          assert.equal(target.resource, expected.resource, `${where}: resource`);
          for (const host of foreignHosts(table)) {
            for (const url of [target.baseUrl, expected.scope, target.resource]) {
              assert.ok(!url.includes(host), `${where}: ${url} names the public cloud's ${host}`);
            }
          }
        });
      }
    });
  }

  it("hosts match Microsoft's published national endpoints", () => {
    const target = (integration: string, cloud: Exclude<CloudId, "custom">, index = 0) => {
      const params = signIn(integration, CLOUDS[cloud].displayName);
      const instance = resolveInstance({ name: "n", integration, params });
      return resourceTarget(
        findIntegration(integration).definition,
        instance,
        instanceCloud(instance),
        index,
      );
    };
    assert.equal(target("microsoft-graph-api", "gcc-high").baseUrl, "https://graph.microsoft.us/v1.0");
    assert.equal(target("microsoft-graph-api", "dod").baseUrl, "https://dod-graph.microsoft.us/v1.0");
    assert.deepEqual(target("microsoft-graph-api", "cn").audience.scopes, [
      "https://microsoftgraph.chinacloudapi.cn/.default",
    ]);
    assert.equal(target("azure-sentinel", "gcc-high").baseUrl, "https://management.usgovcloudapi.net");
    assert.deepEqual(target("azure-key-vault", "cn", 1).audience.scopes, ["https://vault.azure.cn/.default"]);
    assert.equal(
      target("azure-key-vault", "gcc-high", 1).baseUrl,
      "https://entrakit-dev.vault.usgovcloudapi.net",
    );
  });
});

describe("a Custom cloud aimed at the emulator", () => {
  it("moves API hosts only: tokens keep the real audiences, a per-cluster address included", () => {
    const emulator = "http://127.0.0.1:4000";
    const instance = resolveInstance({
      name: "adx",
      integration: "azure-data-explorer",
      params: {
        authentication_type: "Device Code",
        client_id: DEV_APP.clientId,
        azure_cloud: "Custom",
        cluster_url: `${emulator}/entrakit.westus.kusto.windows.net`,
      },
      endpoints: emulatorEndpoints(emulator),
    });
    const cloud = instanceCloud(instance);
    assert.equal(cloud.endpoints.login, emulator);
    const target = resourceTarget(findIntegration("azure-data-explorer").definition, instance, cloud);
    assert.equal(target.baseUrl, `${emulator}/entrakit.westus.kusto.windows.net`);
    assert.deepEqual(target.audience.scopes, ["https://entrakit.westus.kusto.windows.net/.default"]);
    assert.equal(target.resource, "https://entrakit.westus.kusto.windows.net");
  });
});
