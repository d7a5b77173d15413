/**
 * The real `entrakit` binary end to end: instances in a SQLite store sealed under ENTRAKIT_MASTER_KEY,
 * `run` against the emulator (a Custom cloud whose login and graph endpoints are the emulator's loopback
 * URL), exit codes, stdout vs stderr, the JSON output shape, the context.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { RunningEmulator } from "../../src/emulator/server.ts";
import { DEV_APP, DEV_TENANT } from "../../src/emulator/well-known.ts";
import { EXIT_CODES } from "../../src/errors.ts";
import { openStore } from "../../src/store/index.ts";
import {
  appToken,
  graphClient,
  startRiskyUsersEmulator,
} from "../integrations/azure-risky-users/emulator-support.ts";
import { type CliSandbox, cliSandbox, emulatorInstanceArgs } from "./cli-helpers.ts";

let emu: RunningEmulator;
let cli: CliSandbox;

before(async () => {
  emu = await startRiskyUsersEmulator();
  cli = cliSandbox();
});
after(async () => {
  cli?.close();
  await emu?.close();
});

function addArgs(name: string, extra: string[] = []): string[] {
  return emulatorInstanceArgs(name, emu.url, { secretFromEnv: false, extra });
}

describe("entrakit instance", () => {
  test("add with the secret from an environment variable; the store file never holds it in clear", async () => {
    const added = await cli.run(addArgs("risky", ["--secret-from-env", "client_secret=APP_SECRET"]), {
      env: { APP_SECRET: DEV_APP.secret },
    });
    assert.equal(added.stderr, "");
    assert.equal(added.code, 0);
    assert.equal(added.stdout, "Added instance risky (AzureRiskyUsers).\n");
    const file = readFileSync(join(cli.dir, "store.db"));
    assert.equal(file.includes(Buffer.from(DEV_APP.secret)), false);
    assert.equal(file.includes(Buffer.from(DEV_APP.clientId)), true);
  });

  test("a secret given as --param is refused (exit 2) unless --insecure-secret-arg", async () => {
    const refused = await cli.run(addArgs("typed", ["--param", `Key=${DEV_APP.secret}`]));
    assert.equal(refused.code, EXIT_CODES.usage);
    assert.equal(refused.stdout, "");
    assert.match(
      refused.stderr,
      /^entrakit: Refusing the secret Key on the command line .*--secret-from-env Key=VAR/,
    );
    assert.equal(refused.stderr.includes(DEV_APP.secret), false);
    assert.equal(refused.stderr.trim().split("\n").length, 1);
    const insisted = await cli.run(
      addArgs("typed", ["--param", `Key=${DEV_APP.secret}`, "--insecure-secret-arg"]),
    );
    assert.equal(insisted.code, 0, insisted.stderr);
  });

  test("a secret from stdin; a duplicate name is a conflict; bad parameters name the fix", async () => {
    const piped = await cli.run(addArgs("piped", ["--secret-stdin", "client_secret"]), {
      stdin: `${DEV_APP.secret}\n`,
    });
    assert.equal(piped.code, 0, piped.stderr);
    const again = await cli.run(addArgs("piped", ["--secret-stdin", "client_secret"]), { stdin: "x" });
    assert.equal(again.code, EXIT_CODES.conflict);
    assert.match(again.stderr, /already exists/);
    const badChoice = await cli.run(addArgs("bad", ["--param", "proxy=maybe"]));
    assert.equal(badChoice.code, EXIT_CODES.configuration);
    assert.match(badChoice.stderr, /proxy: "maybe" is not true or false\. Set proxy=true or proxy=false\./);
    const badCloud = await cli.run(
      addArgs("bad").map((a) => (a === "azure_cloud=Custom" ? "azure_cloud=Mars" : a)),
    );
    assert.equal(badCloud.code, EXIT_CODES.configuration);
    assert.match(badCloud.stderr, /Invalid value "Mars" for azure_cloud\. Valid values: Worldwide, US GCC/);
    const unknown = await cli.run(addArgs("bad", ["--param", "colour=blue"]));
    assert.match(unknown.stderr, /has no parameter "colour"\. Valid parameters: client_id, /);
    const missing = await cli.run([
      "instance",
      "add",
      "bad",
      "--integration",
      "AzureRiskyUsers",
      "--param",
      "authentication_type=Client Credentials",
    ]);
    assert.equal(missing.code, EXIT_CODES.configuration);
    assert.match(missing.stderr, /needs client_id \(Client ID\), tenant_id .*Set client_id=\.\.\./);
    const list = await cli.run(["instance", "list"]);
    assert.equal(list.stdout.includes("bad"), false);
  });

  test("list and show; show masks every secret", async () => {
    const list = await cli.run(["instance", "list", "--json"]);
    assert.equal(list.code, 0);
    assert.deepEqual(JSON.parse(list.stdout), [
      { name: "piped", integration: "AzureRiskyUsers" },
      { name: "risky", integration: "AzureRiskyUsers" },
      { name: "typed", integration: "AzureRiskyUsers" },
    ]);
    const shown = await cli.run(["instance", "show", "risky"]);
    assert.equal(shown.code, 0);
    assert.equal(shown.stdout.includes(DEV_APP.secret), false);
    assert.match(shown.stdout, /client_secret\s+\*{8}\n/);
    assert.match(shown.stdout, new RegExp(`client_id\\s+${DEV_APP.clientId}`));
    const json = JSON.parse((await cli.run(["instance", "show", "risky", "--json"])).stdout);
    assert.equal(json.params.client_secret, "********");
    assert.equal(json.params.self_deployed, true);
    assert.deepEqual(json.endpoints, { login: emu.url, graph: emu.url });
    const none = await cli.run(["instance", "show", "nope"]);
    assert.equal(none.code, EXIT_CODES.not_found);
    assert.match(none.stderr, /There is no instance named "nope"\. Instances: piped, risky, typed\./);
  });

  test("remove deletes the instance and its namespace", async () => {
    const removed = await cli.run(["instance", "remove", "typed"]);
    assert.equal(removed.code, 0, removed.stderr);
    const list = await cli.run(["instance", "list"]);
    assert.equal(list.stdout, "piped\tAzureRiskyUsers\nrisky\tAzureRiskyUsers\n");
    await cli.run(["instance", "remove", "piped"]);
  });
});

describe("entrakit run", () => {
  test("auth-test through the instance", async () => {
    const result = await cli.run(["run", "!azure-risky-users-auth-test"]);
    assert.equal(result.stderr, "");
    assert.equal(result.code, 0);
    assert.equal(result.stdout, "Success!\n");
  });

  test("list limit=3 --output json: the entry schema, three users from the emulator", async () => {
    const result = await cli.run(["run", "!azure-risky-users-list limit=3", "--output", "json"]);
    assert.equal(result.code, 0, result.stderr);
    const entries = JSON.parse(result.stdout) as {
      readable: string;
      outputs: { prefix: string; key: string; data: { id: string }[] };
      contextKey: string;
      raw: unknown;
    }[];
    assert.equal(entries.length >= 1, true);
    const [entry] = entries;
    assert.deepEqual(Object.keys(entry!).sort(), ["contextKey", "outputs", "raw", "readable"]);
    assert.equal(entry!.outputs.prefix, "AzureRiskyUsers.RiskyUser");
    assert.equal(entry!.outputs.key, "id");
    assert.equal(entry!.contextKey, "AzureRiskyUsers.RiskyUser(val.id && val.id == obj.id)");
    assert.equal(entry!.outputs.data.length, 3);
    // Real users of the emulator's tenant, as Graph itself answers for each id.
    const graph = graphClient(emu, await appToken(emu, DEV_TENANT.id));
    assert.equal(new Set(entry!.outputs.data.map((user) => user.id)).size, 3);
    for (const user of entry!.outputs.data as { id: string; userPrincipalName: string }[]) {
      const direct = (await graph.get(`/identityProtection/riskyUsers/${user.id}`)) as {
        userPrincipalName: string;
      };
      assert.equal(user.userPrincipalName, direct.userPrincipalName);
    }
    for (const user of entry!.outputs.data) assert.ok(entry!.readable.includes(user.id));
  });

  test("the markdown output and context show: the three users merged by id", async () => {
    const md = await cli.run(["run", "!azure-risky-users-list limit=3", "--output", "md"]);
    assert.equal(md.code, 0, md.stderr);
    assert.match(md.stdout, /^### Risky Users/m);
    assert.match(md.stdout, /\|Id\|/i);
    const ids = await cli.run(["context", "show", "risky", "AzureRiskyUsers.RiskyUser.id"]);
    assert.equal(ids.code, 0, ids.stderr);
    const list = JSON.parse(ids.stdout) as string[];
    // The same three users twice: merged by id, not appended.
    assert.equal(list.length, 3);
    const whole = JSON.parse((await cli.run(["context", "show", "risky"])).stdout);
    assert.deepEqual(Object.keys(whole), ["AzureRiskyUsers"]);
    const missing = await cli.run(["context", "show", "risky", "AzureRiskyUsers.Nothing"]);
    assert.equal(missing.code, EXIT_CODES.not_found);
  });

  test("an unknown argument: exit 2, one line on stderr naming the valid arguments, nothing on stdout", async () => {
    const result = await cli.run(["run", "!azure-risky-users-list colour=red"]);
    assert.equal(result.code, EXIT_CODES.usage);
    assert.equal(result.stdout, "");
    assert.equal(result.stderr.trim().split("\n").length, 1);
    assert.match(result.stderr, /^entrakit: .*colour.*limit/);
  });

  test("an unknown command and an unknown instance: one-line errors", async () => {
    const command = await cli.run(["run", "!azure-risky-users-nope"]);
    assert.equal(command.code, EXIT_CODES.usage);
    assert.match(command.stderr, /^entrakit: azure-risky-users-nope command is not implemented/);
    const using = await cli.run(["run", "!azure-risky-users-list using=ghost"]);
    assert.equal(using.code, EXIT_CODES.usage);
    assert.match(
      using.stderr,
      /There is no instance named "ghost"\. Instances of Azure Risky Users: risky\./,
    );
    const output = await cli.run(["run", "!azure-risky-users-list", "--output", "xml"]);
    assert.equal(output.code, EXIT_CODES.usage);
    assert.match(output.stderr, /Use --output md or --output json/);
  });

  test("auth-reset clears the instance's tokens; the next run fetches a new one", async () => {
    const before = await cli.run(["store", "info", "--json"]);
    const recordsBefore = (JSON.parse(before.stdout).instances as { name: string; records: number }[]).find(
      (i) => i.name === "risky",
    )?.records;
    // The token cache keeps the access token in the instance's namespace.
    assert.ok((recordsBefore ?? 0) > 3, `records before reset: ${recordsBefore}`);
    const reset = await cli.run(["run", "!azure-risky-users-auth-reset"]);
    assert.equal(reset.code, 0, reset.stderr);
    assert.match(reset.stdout, /^Authorization was reset successfully/);
    const info = await cli.run(["store", "info", "--json"]);
    const risky = (JSON.parse(info.stdout).instances as { name: string; records: number }[]).find(
      (i) => i.name === "risky",
    );
    // instance.config, instance.secrets and the context's records (context.*): no auth.* record is left.
    const store = await openStore({ url: cli.env.ENTRAKIT_STORE!, env: cli.env });
    try {
      const keys = await store.list("risky");
      assert.deepEqual(
        keys.filter((key) => !key.startsWith("context")),
        ["instance.config", "instance.secrets"],
      );
      assert.equal(risky?.records, keys.length);
    } finally {
      await store.close();
    }
    const again = await cli.run(["run", "!azure-risky-users-auth-test"]);
    assert.equal(again.code, 0, again.stderr);
  });

  test("context clear empties the context and keeps the instance", async () => {
    const cleared = await cli.run(["context", "clear", "risky"]);
    assert.equal(cleared.code, 0, cleared.stderr);
    const shown = await cli.run(["context", "show", "risky"]);
    assert.equal(shown.stdout, "{}\n");
  });

  test("a wrong secret: authentication failed exit, the secret never printed", async () => {
    const added = await cli.run(addArgs("wrong", ["--secret-from-env", "client_secret=S"]), {
      env: { S: "not-the-secret-value-123" },
    });
    assert.equal(added.code, 0, added.stderr);
    const result = await cli.run(["run", "!azure-risky-users-auth-test using=wrong"]);
    assert.equal(result.code, EXIT_CODES.authentication_failed, result.stderr);
    assert.equal(result.stderr.includes("not-the-secret-value-123"), false);
    assert.equal(result.stderr.trim().split("\n").length, 1);
    const ambiguous = await cli.run(["run", "!azure-risky-users-list"]);
    assert.equal(ambiguous.code, EXIT_CODES.usage);
    assert.match(ambiguous.stderr, /There are 2 Azure Risky Users instances: risky, wrong\. Add using=NAME/);
  });
});
