import assert from "node:assert/strict";
import { test } from "node:test";
import { EntrakitError } from "../../src/errors.ts";
import { azureRiskyUsers } from "../../src/integrations/azure-risky-users/manifest.ts";
import { resolveParameters, selectAuthFlow } from "../../src/runtime/parameters.ts";

function configurationError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof EntrakitError);
    assert.equal(error.code, "configuration");
    assert.ok(!error.toLine().includes("\n"));
    return error.toLine();
  }
  assert.fail("expected a configuration error");
}

test("aliases fold into canonical names; defaults apply; choices are matched without case", () => {
  const values = resolveParameters(azureRiskyUsers, {
    ID: "client",
    Token: "tenant",
    Key: "secret",
    authentication_type: "client credentials",
    proxy: "yes",
  });
  assert.deepEqual(values, {
    client_id: "client",
    tenant_id: "tenant",
    client_secret: "secret",
    authentication_type: "Client Credentials",
    proxy: true,
    use_managed_identities: false,
    self_deployed: true,
    azure_cloud: "Worldwide",
    insecure: false,
  });
  assert.equal(selectAuthFlow(azureRiskyUsers, values), "client_credentials_secret");
});

test("the flow follows the reference's choice order", () => {
  const flow = (raw: Record<string, string | boolean>) =>
    selectAuthFlow(azureRiskyUsers, resolveParameters(azureRiskyUsers, raw));
  assert.equal(flow({ client_id: "c" }), "device_code");
  assert.equal(flow({ authentication_type: "Azure Managed Identities" }), "managed_identity");
  assert.equal(
    flow({ use_managed_identities: true, authentication_type: "Device Code" }),
    "managed_identity",
  );
  assert.equal(flow({ self_deployed: "false", ID: "reg", Token: "tenant", Key: "k" }), "vendor_app");
  assert.equal(
    flow({
      authentication_type: "Client Credentials",
      client_id: "c",
      tenant_id: "t",
      certificate_thumbprint: "AB",
      private_key: "-----BEGIN PRIVATE KEY-----",
    }),
    "client_credentials_certificate",
  );
});

test("errors name the parameter to set", () => {
  assert.match(
    configurationError(() => resolveParameters(azureRiskyUsers, { tenant: "x" })),
    /has no parameter "tenant"\. Valid parameters: client_id, authentication_type/,
  );
  assert.match(
    configurationError(() => resolveParameters(azureRiskyUsers, { authentication_type: "Password" })),
    /Invalid value "Password" for authentication_type\. Valid values: Client Credentials, Device Code, Azure Managed Identities\./,
  );
  assert.match(
    configurationError(() => resolveParameters(azureRiskyUsers, { insecure: "sometimes" })),
    /insecure: "sometimes" is not true or false/,
  );
  assert.match(
    configurationError(() => resolveParameters(azureRiskyUsers, { client_secret: "a", Key: "b" })),
    /"Key" and "client_secret" both set client_secret/,
  );
  const missing = configurationError(() =>
    selectAuthFlow(
      azureRiskyUsers,
      resolveParameters(azureRiskyUsers, { authentication_type: "Client Credentials", client_id: "c" }),
    ),
  );
  assert.match(
    missing,
    /Client Credentials with a secret needs tenant_id \(Tenant ID \(for Client Credentials mode\)\), client_secret \(Client Secret/,
  );
  assert.match(missing, /Set tenant_id=\.\.\. client_secret=\.\.\. on the instance\./);
  assert.match(
    configurationError(() => selectAuthFlow(azureRiskyUsers, resolveParameters(azureRiskyUsers, {}))),
    /Device Code needs client_id/,
  );
});
