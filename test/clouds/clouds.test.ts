import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  adminConsentUrl,
  apiBase,
  authorityHost,
  CLOUDS,
  type CloudId,
  cloudByName,
  cloudForDefender,
  customCloud,
  defenderBaseUrl,
  endpoint,
  keyVaultUrl,
  type ResourceFamily,
  resourceFor,
  scopeFor,
  scopesFor,
  selectCloud,
} from "../../src/clouds/index.ts";
import { isEntrakitError } from "../../src/errors.ts";

type Known = Exclude<CloudId, "custom">;

/** Expected values typed from the spec tables (reference §5.2/§5.4, integrations §2), not from the registry. */
const LOGIN: Record<Known, string> = {
  com: "https://login.microsoftonline.com",
  gcc: "https://login.microsoftonline.com",
  "gcc-high": "https://login.microsoftonline.us",
  dod: "https://login.microsoftonline.us",
  cn: "https://login.chinacloudapi.cn",
  de: "https://login.microsoftonline.de",
};

/** `.default` scope per family and cloud; undefined = not offered there (must fail clearly). */
const SCOPES: Record<ResourceFamily, Partial<Record<Known, string>>> = {
  graph: {
    com: "https://graph.microsoft.com/.default",
    gcc: "https://graph.microsoft.com/.default", // deliberate: GCC tenants use the commercial Graph
    "gcc-high": "https://graph.microsoft.us/.default",
    dod: "https://dod-graph.microsoft.us/.default",
    cn: "https://microsoftgraph.chinacloudapi.cn/.default",
    de: "https://graph.microsoft.de/.default",
  },
  arm: {
    com: "https://management.azure.com/.default",
    gcc: "https://management.usgovcloudapi.net/.default",
    "gcc-high": "https://management.usgovcloudapi.net/.default",
    dod: "https://management.usgovcloudapi.net/.default",
    cn: "https://management.chinacloudapi.cn/.default",
    de: "https://management.microsoftazure.de/.default",
  },
  management: {
    com: "https://management.core.windows.net/.default",
    gcc: "https://management.core.usgovcloudapi.net/.default",
    "gcc-high": "https://management.core.usgovcloudapi.net/.default",
    dod: "https://management.core.usgovcloudapi.net/.default",
    cn: "https://management.core.chinacloudapi.cn/.default",
    de: "https://management.core.cloudapi.de/.default",
  },
  keyVault: {
    com: "https://vault.azure.net/.default",
    gcc: "https://vault.usgovcloudapi.net/.default",
    "gcc-high": "https://vault.usgovcloudapi.net/.default",
    dod: "https://vault.usgovcloudapi.net/.default",
    cn: "https://vault.azure.cn/.default",
    de: "https://vault.microsoftazure.de/.default",
  },
  logAnalytics: {
    com: "https://api.loganalytics.io/.default",
    gcc: "https://api.loganalytics.us/.default",
    "gcc-high": "https://api.loganalytics.us/.default",
    dod: "https://api.loganalytics.us/.default",
    cn: "https://api.loganalytics.azure.cn/.default",
  },
  appInsights: {
    com: "https://api.applicationinsights.io/.default",
    gcc: "https://api.applicationinsights.us/.default",
    "gcc-high": "https://api.applicationinsights.us/.default",
    dod: "https://api.applicationinsights.us/.default",
    cn: "https://api.applicationinsights.azure.cn/.default",
  },
  o365Management: {
    com: "https://manage.office.com/.default",
    gcc: "https://manage-gcc.office.com/.default",
    "gcc-high": "https://manage.office365.us/.default",
    dod: "https://manage.protection.apps.mil/.default",
  },
  exchangeOnline: {
    com: "https://outlook.office365.com/.default",
    gcc: "https://outlook.office365.com/.default",
    "gcc-high": "https://outlook.office365.us/.default",
    dod: "https://outlook-dod.office365.us/.default",
    cn: "https://partner.outlook.cn/.default",
  },
  defenderForEndpoint: {
    com: "https://securitycenter.onmicrosoft.com/windowsatpservice/.default",
    gcc: "https://securitycenter.onmicrosoft.com/windowsatpservice/.default",
    "gcc-high": "https://securitycenter.onmicrosoft.us/windowsatpservice/.default",
    dod: "https://securitycenter.onmicrosoft.us/windowsatpservice/.default",
  },
  microsoft365Defender: { com: "https://security.microsoft.com/mtp/.default" },
  defenderForCloudApps: {
    com: "05a65629-4c1b-48c1-a78b-804c4abdd4af/.default",
    gcc: "05a65629-4c1b-48c1-a78b-804c4abdd4af/.default",
    "gcc-high": "05a65629-4c1b-48c1-a78b-804c4abdd4af/.default",
    dod: "05a65629-4c1b-48c1-a78b-804c4abdd4af/.default",
    cn: "05a65629-4c1b-48c1-a78b-804c4abdd4af/.default",
    de: "05a65629-4c1b-48c1-a78b-804c4abdd4af/.default",
  },
};

const KNOWN: Known[] = ["com", "gcc", "gcc-high", "dod", "cn", "de"];

describe("cloud registry derivations", () => {
  for (const id of KNOWN) {
    it(`${id}: login authority`, () => {
      assert.equal(authorityHost(CLOUDS[id]), LOGIN[id]);
    });
    for (const [family, perCloud] of Object.entries(SCOPES) as [
      ResourceFamily,
      Partial<Record<Known, string>>,
    ][]) {
      const expected = perCloud[id];
      it(`${id}: ${family} scope ${expected ? "is derived from the cloud" : "is refused clearly"}`, () => {
        if (expected) {
          assert.equal(scopeFor(CLOUDS[id], family), expected);
        } else {
          assert.throws(
            () => scopeFor(CLOUDS[id], family),
            (error: unknown) =>
              isEntrakitError(error) &&
              error.code === "configuration" &&
              error.message.includes(CLOUDS[id].displayName) &&
              !error.message.includes("{}"),
          );
        }
      });
    }
  }

  it("keeps v1 resources exactly as tabled (trailing slashes matter)", () => {
    assert.equal(resourceFor(CLOUDS.com, "arm"), "https://management.azure.com/");
    assert.equal(resourceFor(CLOUDS.cn, "arm"), "https://management.chinacloudapi.cn");
    assert.equal(resourceFor(CLOUDS.com, "keyVault"), "https://vault.azure.net");
    assert.equal(resourceFor(CLOUDS.dod, "graph"), "https://dod-graph.microsoft.us/");
    assert.equal(
      resourceFor(CLOUDS["gcc-high"], "defenderForEndpoint"),
      "https://api-gov.securitycenter.microsoft.us",
    );
    assert.equal(resourceFor(CLOUDS.com, "defenderForCloudApps"), "05a65629-4c1b-48c1-a78b-804c4abdd4af");
  });

  it("API bases drop the trailing slash", () => {
    assert.equal(apiBase(CLOUDS.com, "graph"), "https://graph.microsoft.com");
    assert.equal(apiBase(CLOUDS.gcc, "arm"), "https://management.usgovcloudapi.net");
    assert.equal(apiBase(CLOUDS.gcc, "defenderForEndpoint"), "https://api-gcc.securitycenter.microsoft.us");
    assert.throws(() => apiBase(CLOUDS.com, "keyVault"), /per vault/);
  });

  it("builds delegated scope lists from the cloud's host", () => {
    assert.deepEqual(scopesFor(CLOUDS["gcc-high"], "arm", ["user_impersonation"]), [
      "https://management.usgovcloudapi.net/user_impersonation",
    ]);
    assert.deepEqual(scopesFor(CLOUDS.cn, "logAnalytics", ["Data.Read"]), [
      "https://api.loganalytics.azure.cn/Data.Read",
    ]);
  });

  it("builds Key Vault URLs with the cloud's DNS suffix and refuses bad names", () => {
    assert.equal(keyVaultUrl(CLOUDS.com, "My-Vault1"), "https://my-vault1.vault.azure.net");
    assert.equal(keyVaultUrl(CLOUDS.dod, "kv1"), "https://kv1.vault.usgovcloudapi.net");
    assert.equal(keyVaultUrl(CLOUDS.cn, "kv1"), "https://kv1.vault.azure.cn");
    assert.throws(() => keyVaultUrl(CLOUDS.com, "a/../b"), /not a valid Key Vault name/);
  });

  it("builds the admin consent URL on the cloud's login host, encoded", () => {
    assert.equal(
      adminConsentUrl(CLOUDS["gcc-high"], "contoso.onmicrosoft.us", "app id"),
      "https://login.microsoftonline.us/contoso.onmicrosoft.us/adminconsent?client_id=app+id",
    );
  });

  it("marks Germany as retired and nothing else", () => {
    assert.deepEqual(
      KNOWN.filter((id) => CLOUDS[id].retired),
      ["de"],
    );
  });
});

describe("cloud selection (reference-compatible)", () => {
  const noEnv = {};

  it("maps every azure_cloud display name and id", () => {
    const names: Record<string, Known> = {
      Worldwide: "com",
      "US GCC": "gcc",
      "US GCC-High": "gcc-high",
      DoD: "dod",
      Germany: "de",
      China: "cn",
      "gcc-high": "gcc-high",
      "us gcc": "gcc",
    };
    for (const [name, id] of Object.entries(names)) {
      assert.equal(selectCloud({ azure_cloud: name }, noEnv).id, id, name);
    }
  });

  it("reference case: Germany", () => {
    const cloud = selectCloud({ azure_cloud: "Germany" }, noEnv);
    assert.equal(endpoint(cloud, "resourceManager"), "https://management.microsoftazure.de");
    assert.equal(endpoint(cloud, "login"), "https://login.microsoftonline.de");
    assert.equal(endpoint(cloud, "graph"), "https://graph.microsoft.de");
  });

  it("reference case: Custom + server_url replaces only ARM", () => {
    const cloud = selectCloud({ azure_cloud: "Custom", server_url: "mock_url" }, noEnv);
    assert.equal(cloud.id, "custom");
    assert.equal(endpoint(cloud, "resourceManager"), "mock_url");
    assert.equal(endpoint(cloud, "login"), "https://login.microsoftonline.com");
    assert.equal(endpoint(cloud, "graph"), "https://graph.microsoft.com/");
    assert.equal(
      endpoint(cloud, "exchangeOnline"),
      "https://outlook.office365.com",
      "custom keeps exchange_online",
    );
  });

  it("reference cases: azure_ad_endpoint, then url/host, then worldwide", () => {
    assert.equal(
      endpoint(selectCloud({ azure_ad_endpoint: "mock_endpoint" }, noEnv), "login"),
      "mock_endpoint",
    );
    assert.equal(endpoint(selectCloud({ url: "mock_url" }, noEnv), "graph"), "mock_url");
    assert.equal(endpoint(selectCloud({ host: "mock_host" }, noEnv), "graph"), "mock_host");
    assert.equal(selectCloud({}, noEnv).id, "com");
  });

  it("legacy precedence: server_url, then azure_ad_endpoint, then url (presence, even empty)", () => {
    const all = selectCloud({ server_url: "arm", azure_ad_endpoint: "aad", url: "graph" }, noEnv);
    assert.equal(endpoint(all, "resourceManager"), "arm");
    assert.equal(endpoint(all, "login"), "https://login.microsoftonline.com");
    const emptyServer = selectCloud({ server_url: "", azure_ad_endpoint: "aad" }, noEnv);
    assert.equal(endpoint(emptyServer, "resourceManager"), "https://management.azure.com");
    assert.equal(endpoint(emptyServer, "login"), "https://login.microsoftonline.com");
  });

  it("a named cloud ignores the legacy parameters", () => {
    const cloud = selectCloud({ azure_cloud: "DoD", server_url: "x", url: "y" }, noEnv);
    assert.equal(cloud.id, "dod");
  });

  it("honours the deprecated endpoint abbreviation", () => {
    assert.equal(selectCloud({ endpoint: "gcc-high" }, noEnv).id, "gcc-high");
    assert.equal(selectCloud({ endpoint: "__NA__" }, noEnv).id, "com");
  });

  it("honours AZURE_AUTHORITY_HOST when no cloud is chosen", () => {
    assert.equal(selectCloud({}, { AZURE_AUTHORITY_HOST: "https://login.chinacloudapi.cn/" }).id, "cn");
    assert.equal(
      selectCloud({}, { AZURE_AUTHORITY_HOST: "https://login.microsoftonline.us" }).id,
      "gcc-high",
    );
    const emulator = selectCloud({}, { AZURE_AUTHORITY_HOST: "https://127.0.0.1:8443/" });
    assert.equal(emulator.id, "custom");
    assert.equal(authorityHost(emulator), "https://127.0.0.1:8443");
    assert.equal(selectCloud({ azure_cloud: "China" }, { AZURE_AUTHORITY_HOST: "https://x" }).id, "cn");
  });

  it("custom endpoints override any endpoint of any base cloud", () => {
    const cloud = selectCloud(
      {
        azure_cloud: "US GCC-High",
        endpoints: {
          login: "https://127.0.0.1:9",
          graph: "https://127.0.0.1:9/graph/",
          keyVault: "https://kv.test",
        },
        suffixes: { keyVaultDns: ".kv.test" },
      },
      noEnv,
    );
    assert.equal(cloud.id, "custom");
    assert.equal(scopeFor(cloud, "graph"), "https://127.0.0.1:9/graph/.default");
    assert.equal(
      scopeFor(cloud, "arm"),
      "https://management.usgovcloudapi.net/.default",
      "untouched endpoints stay",
    );
    assert.equal(keyVaultUrl(cloud, "kv1"), "https://kv1.kv.test");
    const bare = customCloud({ endpoints: { logAnalytics: "" } }, CLOUDS.de);
    assert.throws(() => scopeFor(bare, "logAnalytics"), /not available in the Custom cloud/);
  });

  it("refuses an unknown cloud name with the list of valid ones", () => {
    assert.throws(
      () => selectCloud({ azure_cloud: "Mars" }, noEnv),
      (error: unknown) =>
        isEntrakitError(error) &&
        error.code === "configuration" &&
        /Worldwide, US GCC/.test(error.hint ?? ""),
    );
  });

  it("finds clouds by name", () => {
    assert.equal(cloudByName("china")?.id, "cn");
    assert.equal(cloudByName("custom"), undefined);
  });
});

describe("Defender for Endpoint endpoint types", () => {
  it("resolves base URLs like the reference", () => {
    assert.deepEqual(defenderBaseUrl({ endpointType: "Worldwide" }), {
      key: "com",
      url: "https://api.securitycenter.microsoft.com",
    });
    assert.deepEqual(defenderBaseUrl({ endpointType: "EU Geo Proximity" }), {
      key: "geo-eu",
      url: "https://api-eu.securitycenter.microsoft.com",
    });
    assert.deepEqual(
      defenderBaseUrl({ endpointType: "UK Geo Proximity" }).url,
      "https://api-uk.securitycenter.microsoft.com",
    );
    assert.deepEqual(
      defenderBaseUrl({ endpointType: "US Geo Proximity" }).url,
      "https://api.securitycenter.microsoft.com",
    );
    assert.deepEqual(defenderBaseUrl({ endpointType: "US GCC-High" }), {
      key: "gcc-high",
      url: "https://api-gov.securitycenter.microsoft.us",
    });
    assert.deepEqual(defenderBaseUrl({ endpointType: "Worldwide", isGcc: true }), {
      key: "gcc",
      url: "https://api-gcc.securitycenter.microsoft.us",
    });
    assert.deepEqual(defenderBaseUrl({ endpointType: "Custom", url: "https://mde.example" }), {
      key: "com",
      url: "https://mde.example",
    });
  });

  it("keeps the reference's messages for a missing URL", () => {
    assert.throws(() => defenderBaseUrl({ endpointType: "Custom" }), {
      message: "Endpoint type is set to 'Custom' but no URL was provided.",
    });
    assert.throws(() => defenderBaseUrl({}), {
      message: "'Endpoint Type' is not set and no URL was provided.",
    });
    assert.throws(
      () => defenderBaseUrl({ endpointType: "Atlantis" }),
      /Unknown Defender for Endpoint endpoint type/,
    );
  });

  it("turns an endpoint type into a cloud with matching login, Graph and scope hosts", () => {
    const gov = cloudForDefender({ endpointType: "DoD" });
    assert.equal(gov.id, "dod");
    assert.equal(authorityHost(gov), "https://login.microsoftonline.us");
    assert.equal(scopeFor(gov, "graph"), "https://dod-graph.microsoft.us/.default");
    assert.equal(
      scopeFor(gov, "defenderForEndpoint"),
      "https://securitycenter.onmicrosoft.us/windowsatpservice/.default",
    );
    const eu = cloudForDefender({ endpointType: "EU Geo Proximity" });
    assert.equal(apiBase(eu, "defenderForEndpoint"), "https://api-eu.securitycenter.microsoft.com");
    assert.equal(
      scopeFor(eu, "defenderForEndpoint"),
      "https://securitycenter.onmicrosoft.com/windowsatpservice/.default",
    );
    const gcc = cloudForDefender({ endpointType: "US GCC" });
    assert.equal(scopeFor(gcc, "graph"), "https://graph.microsoft.com/.default");
    const custom = cloudForDefender({ endpointType: "Custom", url: "https://127.0.0.1:7/mde" });
    assert.equal(custom.id, "custom");
    assert.equal(apiBase(custom, "defenderForEndpoint"), "https://127.0.0.1:7/mde");
  });
});
