/**
 * A certificate instance through the real binary: the private key piped on stdin (sealed), the
 * portal's SHA-1 thumbprint as a parameter, tokens from the emulator, which knows the certificate.
 */
import assert from "node:assert/strict";
import { createHash, randomUUID, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { RunningEmulator } from "../../src/emulator/server.ts";
import { DEV_APP, DEV_TENANT } from "../../src/emulator/well-known.ts";
import { EXIT_CODES } from "../../src/errors.ts";
import { createTestCertificate } from "../auth/fixtures.ts";
import { startRiskyUsersEmulator } from "../integrations/azure-risky-users/emulator-support.ts";
import { type CliSandbox, cliSandbox } from "./cli-helpers.ts";

let emu: RunningEmulator;
let cli: CliSandbox;
const cert = createTestCertificate("entrakit-cli-cert");
const der = new X509Certificate(cert.certificatePem).raw;
const thumbprint = createHash("sha1").update(der).digest("hex").toUpperCase();

before(async () => {
  emu = await startRiskyUsersEmulator();
  cli = cliSandbox();
  // Upload the certificate to the dev app, as an admin would in the portal.
  const app = emu.core.directory.app(DEV_APP.clientId)!;
  emu.core.directory.putApp({
    ...app,
    certificates: [
      ...app.certificates,
      {
        keyId: randomUUID(),
        certificatePem: cert.certificatePem,
        thumbprintSha1: thumbprint,
        thumbprintSha256: createHash("sha256").update(der).digest("hex").toUpperCase(),
        expiresAt: Date.now() + 365 * 86_400_000,
      },
    ],
  });
});
after(async () => {
  cli?.close();
  await emu?.close();
});

const addArgs = (name: string, print: string) => [
  "instance",
  "add",
  name,
  "--integration",
  "AzureRiskyUsers",
  "--param",
  "authentication_type=Client Credentials",
  "--param",
  `client_id=${DEV_APP.clientId}`,
  "--param",
  `tenant_id=${DEV_TENANT.id}`,
  "--param",
  `certificate_thumbprint=${print}`,
  "--param",
  "azure_cloud=Custom",
  "--endpoint",
  `login=${emu.url}`,
  "--endpoint",
  `graph=${emu.url}`,
  "--secret-stdin",
  "private_key",
];

test("certificate: key from stdin, sealed; auth-test and a list succeed", async () => {
  const added = await cli.run(addArgs("cert", thumbprint), { stdin: cert.privateKeyPem });
  assert.equal(added.code, 0, added.stderr);
  const body = cert.privateKeyPem.split("\n")[1]!;
  assert.equal(readFileSync(join(cli.dir, "store.db")).includes(Buffer.from(body)), false);
  const tested = await cli.run(["run", "!azure-risky-users-auth-test"]);
  assert.equal(tested.stderr, "");
  assert.equal(tested.code, 0);
  const list = await cli.run(["run", "!azure-risky-users-list limit=1", "--output", "json"]);
  assert.equal(list.code, 0, list.stderr);
});

test("certificate with a thumbprint the app does not know: authentication failed, one line", async () => {
  const added = await cli.run(addArgs("stranger", "00".repeat(20)), { stdin: cert.privateKeyPem });
  assert.equal(added.code, 0, added.stderr);
  const tested = await cli.run(["run", "!azure-risky-users-auth-test using=stranger"]);
  assert.equal(tested.code, EXIT_CODES.authentication_failed, tested.stderr);
  assert.equal(tested.stderr.trim().split("\n").length, 1);
  assert.equal(tested.stderr.includes("PRIVATE KEY"), false);
});
