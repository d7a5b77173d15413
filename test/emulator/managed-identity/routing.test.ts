/**
 * The pure parts of the managed identity module: which source and VM a path names, which identity a
 * selector picks on a VM, and the environment a client is given for each source.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ManagedIdentityRecord } from "../../../src/emulator/contracts.ts";
import { clientEnvironment } from "../../../src/emulator/managed-identity/environment.ts";
import { defaultVm, knownVms, resolveIdentity } from "../../../src/emulator/managed-identity/hosts.ts";
import { routePath } from "../../../src/emulator/managed-identity/sources.ts";

const identities: ManagedIdentityRecord[] = [
  { kind: "system", tenantId: "t", clientId: "sys-a", objectId: "oid-sys-a", vm: "vm-a" },
  { kind: "system", tenantId: "t", clientId: "sys-b", objectId: "oid-sys-b", vm: "vm-b" },
  {
    kind: "user",
    tenantId: "t",
    clientId: "user-a",
    objectId: "oid-user-a",
    resourceId: "/subs/x/ID-A",
    vm: "vm-a",
  },
  {
    kind: "user",
    tenantId: "t",
    clientId: "user-any",
    objectId: "oid-user-any",
    resourceId: "/subs/x/id-any",
  },
];

test("routePath: each source's path, with and without a /vm/{name} prefix and a trailing slash", () => {
  assert.equal(routePath("/metadata/identity/oauth2/token")?.source.name, "imds");
  assert.equal(routePath("/metadata/identity/oauth2/token/")?.source.name, "imds");
  assert.deepEqual(
    (({ source, vm }) => [source.name, vm])(routePath("/vm/web%2001/metadata/identity/oauth2/token")!),
    ["imds", "web 01"],
  );
  assert.equal(routePath("/msi/token")?.source.name, "app-service");
  assert.equal(routePath("/arc/metadata/identity/oauth2/token")?.source.name, "azure-arc");
  assert.equal(routePath("/cloudshell/token")?.source.name, "cloud-shell");
  assert.equal(routePath("/common/oauth2/v2.0/token"), undefined);
  assert.equal(routePath("/vm/x/other"), undefined);
});

test("resolveIdentity: system identity by default, selectors among the identities attached to the VM", () => {
  assert.equal(resolveIdentity(identities, "vm-a", undefined)?.clientId, "sys-a");
  assert.equal(resolveIdentity(identities, "vm-b", undefined)?.clientId, "sys-b");
  assert.equal(resolveIdentity(identities, "vm-c", undefined), undefined);
  assert.equal(
    resolveIdentity(identities, "vm-a", { kind: "client_id", value: "USER-A" })?.objectId,
    "oid-user-a",
  );
  assert.equal(resolveIdentity(identities, "vm-b", { kind: "client_id", value: "user-a" }), undefined);
  assert.equal(
    resolveIdentity(identities, "vm-c", { kind: "resource_id", value: "/subs/x/id-any" })?.clientId,
    "user-any",
  );
  assert.equal(resolveIdentity(identities, "vm-a", { kind: "object_id", value: "oid-sys-b" }), undefined);
  assert.equal(
    resolveIdentity(identities, "vm-a", { kind: "resource_id", value: "/subs/x/id-a" })?.clientId,
    "user-a",
  );
});

test("knownVms and defaultVm: directory order, configured VM first", () => {
  assert.deepEqual(knownVms(identities), ["vm-a", "vm-b"]);
  assert.equal(defaultVm(identities, undefined), "vm-a");
  assert.equal(defaultVm(identities, "vm-z"), "vm-z");
  assert.equal(defaultVm([], undefined), "vm-dev");
});

test("clientEnvironment: the variables msal-node and @azure/identity read for each source", () => {
  const input = { baseUrl: "http://127.0.0.1:4000", identityHeader: "h".repeat(32) };
  assert.deepEqual(clientEnvironment("imds", input), {
    AZURE_POD_IDENTITY_AUTHORITY_HOST: "http://127.0.0.1:4000",
  });
  assert.deepEqual(clientEnvironment("imds", { ...input, vm: "vm a" }), {
    AZURE_POD_IDENTITY_AUTHORITY_HOST: "http://127.0.0.1:4000/vm/vm%20a",
  });
  assert.deepEqual(clientEnvironment("app-service", input), {
    IDENTITY_ENDPOINT: "http://127.0.0.1:4000/msi/token",
    IDENTITY_HEADER: input.identityHeader,
  });
  assert.deepEqual(clientEnvironment("azure-arc", input), {
    IDENTITY_ENDPOINT: "http://127.0.0.1:4000/arc/metadata/identity/oauth2/token",
    IMDS_ENDPOINT: "http://127.0.0.1:4000",
  });
  assert.deepEqual(clientEnvironment("cloud-shell", input), {
    MSI_ENDPOINT: "http://127.0.0.1:4000/cloudshell/token",
  });
});
