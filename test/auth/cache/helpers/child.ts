/**
 * A worker process for the multi-process token cache tests. Configured by environment (EK_*), it waits
 * for "go" on stdin so every worker starts at once, then prints one JSON line with what it observed.
 *
 * EK_MODE=cold     EK_CALLERS concurrent getToken calls through cachedCredential (client credentials)
 * EK_MODE=refresh  one forced refresh of the delegated token (raw AuthorizationCodeCredential)
 * EK_MODE=crash    forced refreshes in a loop; at EK_KILL_STEP (occurrence EK_KILL_AT) it prints
 *                  "at <step>" and freezes, so the parent's kill -9 lands exactly at that step
 */
import { readFileSync, writeSync } from "node:fs";
import { createInterface } from "node:readline";
import { AuthorizationCodeCredential } from "../../../../src/auth/authorization-code.ts";
import { CachedCredential } from "../../../../src/auth/cache/cached-credential.ts";
import type { RotationStep } from "../../../../src/auth/cache/refresh-rotation.ts";
import { ClientSecretCredential } from "../../../../src/auth/client-secret.ts";
import { createAuthHttp } from "../../../../src/auth/transport.ts";
import { DEV_APP, DEV_TENANT } from "../../../../src/emulator/well-known.ts";
import { openStore } from "../../../../src/store/index.ts";

const env = process.env;
const emulatorUrl = env.EK_EMULATOR_URL!;
const http = createAuthHttp({ caCertificates: [readFileSync(env.EK_CA_FILE!, "utf8")] });
const store = await openStore({ url: env.EK_STORE_URL! });
const namespace = env.EK_NAMESPACE!;
const GRAPH_USER_READ = "https://graph.microsoft.com/User.Read";

function print(line: string): void {
  writeSync(1, `${line}\n`);
}

async function go(): Promise<void> {
  print("ready");
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) if (line === "go") break;
}

function delegated(onStep?: (step: RotationStep) => void): AuthorizationCodeCredential {
  return new AuthorizationCodeCredential({
    authorityHost: emulatorUrl,
    tenantId: DEV_TENANT.id,
    clientId: DEV_APP.clientId,
    clientSecret: DEV_APP.secret,
    redirectUri: "http://localhost/callback",
    scopes: [GRAPH_USER_READ],
    http,
    store,
    namespace,
    rotation: { leaseTtlMs: Number(env.EK_LEASE_TTL_MS ?? 15_000), ...(onStep ? { onStep } : {}) },
  });
}

const mode = env.EK_MODE;
if (mode === "cold") {
  const credential = new CachedCredential(
    new ClientSecretCredential({
      authorityHost: emulatorUrl,
      tenantId: DEV_TENANT.id,
      clientId: DEV_APP.clientId,
      clientSecret: DEV_APP.secret,
      http,
    }),
    {
      store,
      namespace,
      keyParts: { authorityHost: emulatorUrl, tenant: DEV_TENANT.id, clientId: DEV_APP.clientId, flow: "cc" },
    },
  );
  await go();
  const callers = Number(env.EK_CALLERS ?? 200);
  const tokens = await Promise.all(
    Array.from({ length: callers }, () =>
      credential.getToken({ scopes: ["https://graph.microsoft.com/.default"] }).then((t) => t.token),
    ),
  );
  print(
    JSON.stringify({ distinct: [...new Set(tokens)], calls: tokens.length, stats: credential.cache.stats }),
  );
} else if (mode === "refresh") {
  const credential = delegated();
  await go();
  try {
    const token = await credential.getToken({ forceRefresh: true });
    print(JSON.stringify({ ok: true, token: token.token.slice(-12) }));
  } catch (error) {
    print(JSON.stringify({ ok: false, error: (error as Error).message }));
  }
} else if (mode === "crash") {
  const killStep = env.EK_KILL_STEP as RotationStep;
  let remaining = Number(env.EK_KILL_AT ?? 1);
  const credential = delegated((step) => {
    if (step !== killStep || --remaining > 0) return;
    print(`at ${step}`);
    // Freeze right here until the parent's SIGKILL arrives.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10_000);
  });
  await go();
  for (;;) await credential.getToken({ forceRefresh: true });
}
await store.close();
process.exit(0);
