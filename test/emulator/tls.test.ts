import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startEmulator } from "../../src/emulator/server.ts";
import { DEV_TENANT } from "../../src/emulator/well-known.ts";

function getJson(url: string, ca?: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString()) }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

describe("emulator TLS", () => {
  let stateDir: string;
  before(async () => {
    stateDir = await mkdtemp(join(tmpdir(), "entrakit-tls-test-"));
  });
  after(() => rm(stateDir, { recursive: true, force: true }));

  it("serves HTTPS trusted through its CA, plus a plain-HTTP loopback listener", async () => {
    const emu = await startEmulator({ tls: true, stateDir });
    try {
      assert.match(emu.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      assert.match(emu.httpUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(emu.caCertPath, join(stateDir, "tls", "ca.pem"));
      assert.equal(await readFile(emu.caCertPath!, "utf8"), emu.caCert);
      const path = `/${DEV_TENANT.id}/v2.0/.well-known/openid-configuration`;
      const secure = await getJson(`${emu.url}${path}`, emu.caCert);
      assert.equal(secure.status, 200);
      assert.equal((secure.body as { issuer: string }).issuer, `${emu.url}/${DEV_TENANT.id}/v2.0`);
      // localhost is in the certificate too.
      const viaName = await getJson(`${emu.url.replace("127.0.0.1", "localhost")}${path}`, emu.caCert);
      assert.equal(viaName.status, 200);
      const plain = await fetch(`${emu.httpUrl}${path}`);
      assert.equal(plain.status, 200);
      await assert.rejects(getJson(`${emu.url}${path}`), /self-signed|unable to verify|certificate/i);
    } finally {
      await emu.close();
    }
  });

  it("keeps the CA and the signing key in the state directory across restarts", async () => {
    const first = await startEmulator({ tls: true, stateDir });
    const kid1 = (
      (await (await fetch(`${first.httpUrl}/common/discovery/v2.0/keys`)).json()) as {
        keys: { kid: string }[];
      }
    ).keys[0]!.kid;
    const ca1 = first.caCert;
    await first.close();
    const second = await startEmulator({ tls: true, stateDir });
    const kid2 = (
      (await (await fetch(`${second.httpUrl}/common/discovery/v2.0/keys`)).json()) as {
        keys: { kid: string }[];
      }
    ).keys[0]!.kid;
    await second.close();
    assert.equal(second.caCert, ca1);
    assert.equal(kid2, kid1);
  });
});
