/**
 * The reference's legacy cloud parameters (reference-auth-module §5.1) on real instances: with `azure_cloud`
 * empty or Custom, `server_url` moves ARM (host and audience), `azure_ad_endpoint` moves the sign-in host,
 * and a `url` naming a cloud's Microsoft Graph host selects that whole cloud. An explicit `azure_cloud` wins,
 * and a `url` that is an integration's own API address selects nothing.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { CLOUDS } from "../../src/clouds/registry.ts";
import { findIntegration } from "../../src/integrations/registry.ts";
import { resolveInstance } from "../../src/runtime/instances.ts";
import { instanceCloud, resourceTarget } from "../../src/runtime/targets.ts";

function instance(integration: string, params: Record<string, string>) {
  return resolveInstance({
    name: "i",
    integration,
    params: { client_id: "c", tenant_id: "t", client_secret: "s", ...params },
  });
}

test("azure_ad_endpoint replaces the sign-in host; everything else stays Worldwide", () => {
  const cloud = instanceCloud(
    instance("azure-network-security-groups", {
      authentication_type: "Device Code",
      azure_ad_endpoint: "https://login.example.test/",
    }),
  );
  assert.equal(cloud.endpoints.login, "https://login.example.test");
  assert.equal(cloud.endpoints.resourceManager, CLOUDS.com.endpoints.resourceManager);
});

test("server_url with azure_cloud=Custom moves ARM: the API host and the token audience", () => {
  const logs = instance("azure-log-analytics", {
    authentication_type: "Client Credentials",
    azure_cloud: "Custom",
    server_url: "https://management.usgovcloudapi.net/",
  });
  const cloud = instanceCloud(logs);
  const target = resourceTarget(findIntegration("azure-log-analytics").definition, logs, cloud);
  assert.equal(target.baseUrl, "https://management.usgovcloudapi.net");
  assert.deepEqual(target.audience.scopes, ["https://management.usgovcloudapi.net/.default"]);
  assert.equal(cloud.endpoints.login, CLOUDS.com.endpoints.login);
});

test("a url naming a national Graph host selects that cloud, sign-in included", () => {
  const mail = instance("o365-outlook-mail", { self_deployed: "true", url: "https://graph.microsoft.us" });
  const cloud = instanceCloud(mail);
  assert.equal(cloud.id, "gcc-high");
  assert.equal(cloud.endpoints.login, CLOUDS["gcc-high"].endpoints.login);
  const target = resourceTarget(findIntegration("o365-outlook-mail").definition, mail, cloud);
  assert.equal(target.baseUrl, "https://graph.microsoft.us/v1.0");
  assert.deepEqual(target.audience.scopes, ["https://graph.microsoft.us/.default"]);
  assert.equal(
    instanceCloud(instance("o365-outlook-mail", { url: "https://dod-graph.microsoft.us/" })).id,
    "dod",
  );
});

test("an explicit azure_cloud wins over the legacy parameters", () => {
  const mail = instance("o365-outlook-mail", { azure_cloud: "Worldwide", url: "https://graph.microsoft.us" });
  assert.equal(instanceCloud(mail).id, "com");
});

test("a url that is an integration's own API address selects no cloud", () => {
  const apps = instance("microsoft-defender-for-cloud-apps", {
    authentication_type: "Client Credentials",
    url: "https://contoso.portal.cloudappsecurity.com",
  });
  assert.equal(instanceCloud(apps).id, "com");
});
