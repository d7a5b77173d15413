import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { describe, it } from "node:test";
import { DEV_TENANT } from "../../src/emulator/well-known.ts";

const MAIN = new URL("../../src/cli/main.ts", import.meta.url).pathname;

function run(args: string[]): ChildProcess {
  return spawn(process.execPath, [MAIN, "emulator", ...args], { stdio: ["ignore", "pipe", "pipe"] });
}

/** Resolves with stdout once `pattern` appears in it. */
function waitFor(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (pattern.test(out)) resolve(out);
    });
    child.once("exit", (code) => reject(new Error(`exited with ${code} before printing ${pattern}: ${out}`)));
  });
}

async function finish(child: ChildProcess): Promise<{ code: number | null; stderr: string }> {
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stderr };
}

describe("entrakit emulator (CLI)", () => {
  it("prints its URLs and CA path, serves requests, and stops cleanly on SIGTERM", async () => {
    const child = run(["--port", "0", "--tls"]);
    const done = finish(child);
    const out = await waitFor(child, /Admin API: /);
    const url = /listening on (https:\/\/\S+)/.exec(out)![1]!;
    const httpUrl = /plain HTTP \(managed identity\) on (http:\/\/\S+)/.exec(out)![1]!;
    assert.match(out, /CA certificate: \S+ca\.pem/);
    assert.match(out, /NODE_EXTRA_CA_CERTS=/);
    assert.match(out, /knownAuthorities/);
    assert.match(out, /disableInstanceDiscovery: true/);
    assert.ok(url.startsWith("https://127.0.0.1:"));
    const res = await fetch(`${httpUrl}/${DEV_TENANT.id}/v2.0/.well-known/openid-configuration`);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { issuer: string }).issuer, `${url}/${DEV_TENANT.id}/v2.0`);
    child.kill("SIGTERM");
    const { code } = await done;
    assert.equal(code, 0);
  });

  it("refuses a bad port and a non-loopback host with a one-line error and exit status 2", async () => {
    for (const args of [
      ["--port", "70000"],
      ["--host", "0.0.0.0"],
    ]) {
      const { code, stderr } = await finish(run(args));
      assert.equal(code, 2, stderr);
      assert.match(stderr, /^entrakit: .+\n$/);
    }
  });
});
