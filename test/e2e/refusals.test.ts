/**
 * Every flow an integration does not run, for all 37, asked for the way a user asks for it
 * (`authentication_type`, `self_deployed=false`, a certificate with Client Credentials, the managed
 * identities switch): refused when the instance is created, in one line that names the flows it does run,
 * and nothing is stored. One refusal also goes through the real binary.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DEV_APP, DEV_TENANT } from "../../src/emulator/well-known.ts";
import { EntrakitError, EXIT_CODES } from "../../src/errors.ts";
import {
  FLOW_NAMES,
  type IntegrationProfile,
  PROFILES,
  supportedFlows,
} from "../../src/integrations/profiles/index.ts";
import type { AuthFlow } from "../../src/integrations/types.ts";
import { listInstances, resolveInstance, saveInstance } from "../../src/runtime/instances.ts";
import { openStore } from "../../src/store/index.ts";
import type { Store } from "../../src/store/types.ts";
import { cliSandbox } from "../cli/cli-helpers.ts";

const ALL_FLOWS = Object.keys(FLOW_NAMES) as AuthFlow[];

/** What a user writes to ask for each flow. */
const ASK: Readonly<Record<AuthFlow, Record<string, string>>> = {
  client_credentials_secret: {
    authentication_type: "Client Credentials",
    client_id: DEV_APP.clientId,
    tenant_id: DEV_TENANT.id,
    client_secret: DEV_APP.secret,
  },
  client_credentials_certificate: {
    authentication_type: "Client Credentials",
    client_id: DEV_APP.clientId,
    tenant_id: DEV_TENANT.id,
    certificate_thumbprint: "00".repeat(20),
    private_key: "-----BEGIN PRIVATE KEY-----",
  },
  device_code: { authentication_type: "Device Code", client_id: DEV_APP.clientId },
  authorization_code: {
    authentication_type: "Authorization Code",
    client_id: DEV_APP.clientId,
    tenant_id: DEV_TENANT.id,
    client_secret: DEV_APP.secret,
  },
  managed_identity: { authentication_type: "Azure Managed Identities" },
  vendor_app: { self_deployed: "false", ID: "registration", Token: DEV_TENANT.id, Key: "key" },
};

/** The refusal's one line: the flow asked for, then the ones the integration runs (or its non-Entra sign-in). */
function expectedRefusal(profile: IntegrationProfile, flow: AuthFlow): string {
  const flows = supportedFlows(profile);
  const hint =
    flows.length > 0
      ? `Use one of: ${flows.map((candidate) => FLOW_NAMES[candidate]).join(", ")}.`
      : `${profile.name} signs in with ${profile.nonEntraAuth} only.`;
  return `${profile.name} does not support ${FLOW_NAMES[flow]}. ${hint}`;
}

const ROWS = PROFILES.flatMap((profile) =>
  ALL_FLOWS.filter((flow) => !supportedFlows(profile).includes(flow)).map((flow) => ({ profile, flow })),
);

let store: Store;
let dir: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), "entrakit-refusals-"));
  store = await openStore({ url: `sqlite:${join(dir, "store.db")}`, masterKey: randomBytes(32), env: {} });
});
after(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe(`unsupported flows: ${ROWS.length} refusals over ${PROFILES.length} integrations`, () => {
  it("covers every integration × every flow it does not run", () => {
    const supported = PROFILES.reduce((sum, profile) => sum + supportedFlows(profile).length, 0);
    assert.equal(ROWS.length + supported, PROFILES.length * ALL_FLOWS.length);
  });

  for (const { profile, flow } of ROWS) {
    it(`${profile.id} refuses ${flow}`, async () => {
      let refused: unknown;
      try {
        await saveInstance(
          store,
          resolveInstance({ name: "refused", integration: profile.id, params: ASK[flow] }),
        );
      } catch (error) {
        refused = error;
      }
      assert.ok(refused instanceof EntrakitError, `${profile.id} accepted ${flow}`);
      assert.equal(refused.code, "configuration");
      assert.equal(refused.toLine(), expectedRefusal(profile, flow));
      assert.deepEqual(await listInstances(store), []);
    });
  }
});

describe("the real binary", () => {
  it("instance add refuses an unsupported flow with exit 3 and the same line", async () => {
    const { profile, flow } = ROWS.find((row) => row.flow === "vendor_app")!;
    const cli = cliSandbox();
    try {
      const added = await cli.run([
        "instance",
        "add",
        "refused",
        "--integration",
        profile.id,
        ...Object.entries(ASK[flow]).flatMap(([name, value]) => ["--param", `${name}=${value}`]),
      ]);
      assert.equal(added.code, EXIT_CODES.configuration);
      assert.equal(added.stdout, "");
      assert.equal(added.stderr, `entrakit: ${expectedRefusal(profile, flow)}\n`);
    } finally {
      cli.close();
    }
  });
});
