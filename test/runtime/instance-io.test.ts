/**
 * Instance edit, export and import on real SQLite stores (each with its own master key): what an edit
 * keeps and changes, that an invalid edit or import writes nothing, that exported files carry no secret in
 * clear and no context or token, and that sealed secrets open only with the export passphrase, in place.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parse, stringify } from "yaml";
import { EntrakitError } from "../../src/errors.ts";
import { editInstance } from "../../src/runtime/instance-edit.ts";
import { applyImport, EXPORT_FORMAT, exportInstances, planImport } from "../../src/runtime/instance-io.ts";
import {
  CONTEXT_KEY,
  listInstances,
  loadInstance,
  resolveInstance,
  saveInstance,
} from "../../src/runtime/instances.ts";
import { openStore } from "../../src/store/open.ts";
import type { EntrakitStore } from "../../src/store/store.ts";

const SECRET = "s3cret-value-for-the-test";
const PASSPHRASE = "correct horse battery staple";
const TOKEN_KEY = "auth.token.test";

let dir: string;
const stores: EntrakitStore[] = [];

async function freshStore(): Promise<EntrakitStore> {
  const store = await openStore({
    url: `sqlite:${join(dir, `store-${stores.length}.db`)}`,
    masterKey: randomBytes(32),
    env: {},
  });
  stores.push(store);
  return store;
}

function secretInstance(name: string, extra: Record<string, string> = {}) {
  return resolveInstance({
    name,
    integration: "AzureRiskyUsers",
    params: {
      authentication_type: "Client Credentials",
      client_id: "11111111-2222-3333-4444-555555555555",
      tenant_id: "contoso.onmicrosoft.com",
      client_secret: SECRET,
      ...extra,
    },
  });
}

async function fails(work: () => unknown): Promise<EntrakitError> {
  try {
    await work();
  } catch (error) {
    assert.ok(error instanceof EntrakitError, String(error));
    return error;
  }
  assert.fail("expected an EntrakitError");
}

/** Versions of every record of an instance: equal before and after means nothing was written. */
async function versions(store: EntrakitStore, name: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const key of await store.list(name)) out[key] = (await store.get(name, key))!.version;
  return out;
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), "entrakit-instance-io-"));
});
after(async () => {
  for (const store of stores) await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("editInstance", () => {
  test("changes what is given, keeps the rest; aliases fold; unset returns to the default", async () => {
    const store = await freshStore();
    await saveInstance(store, secretInstance("risky", { proxy: "true" }));
    const outcome = await editInstance(store, "risky", {
      set: { Token: "fabrikam.onmicrosoft.com" },
      unset: ["proxy"],
      endpoints: {},
    });
    assert.deepEqual(outcome.changed.sort(), ["proxy", "tenant_id"]);
    assert.equal(outcome.credentialsChanged, true);
    const loaded = await loadInstance(store, "risky");
    assert.equal(loaded.params.tenant_id, "fabrikam.onmicrosoft.com");
    assert.equal(loaded.params.proxy, false);
    assert.equal(loaded.params.client_secret, SECRET);
    assert.equal(loaded.params.client_id, "11111111-2222-3333-4444-555555555555");
  });

  test("a credential change clears the cached tokens; other changes keep them and the context", async () => {
    const store = await freshStore();
    await saveInstance(store, secretInstance("risky"));
    await store.set("risky", TOKEN_KEY, { cached: true }, { seal: true });
    await store.set("risky", CONTEXT_KEY, { AzureRiskyUsers: { a: 1 } });

    const proxyOnly = await editInstance(store, "risky", { set: { proxy: "yes" }, unset: [], endpoints: {} });
    assert.deepEqual(proxyOnly.changed, ["proxy"]);
    assert.equal(proxyOnly.credentialsChanged, false);
    assert.ok(await store.get("risky", TOKEN_KEY));

    const secret = await editInstance(store, "risky", {
      set: { client_secret: "another-secret" },
      unset: [],
      endpoints: {},
    });
    assert.deepEqual(secret.changed, ["client_secret"]);
    assert.equal(secret.credentialsChanged, true);
    assert.equal(await store.get("risky", TOKEN_KEY), undefined);
    assert.deepEqual((await store.get("risky", CONTEXT_KEY))?.value, { AzureRiskyUsers: { a: 1 } });
    assert.equal((await loadInstance(store, "risky")).params.client_secret, "another-secret");
  });

  test("nothing to change writes nothing", async () => {
    const store = await freshStore();
    await saveInstance(store, secretInstance("risky"));
    const before = await versions(store, "risky");
    const outcome = await editInstance(store, "risky", { set: { Key: SECRET }, unset: [], endpoints: {} });
    assert.deepEqual(outcome.changed, []);
    assert.deepEqual(await versions(store, "risky"), before);
  });

  test("an invalid edit throws the add error and leaves every record as it was", async () => {
    const store = await freshStore();
    await saveInstance(store, secretInstance("risky"));
    await store.set("risky", TOKEN_KEY, { cached: true });
    const before = await versions(store, "risky");
    const cases: Array<{
      set: Record<string, string>;
      unset?: string[];
      endpoints?: Record<string, string>;
      match: RegExp;
    }> = [
      { set: { azure_cloud: "Mars" }, match: /Invalid value "Mars" for azure_cloud/ },
      { set: {}, unset: ["client_secret"], match: /needs client_secret/ },
      { set: { colour: "blue" }, match: /has no parameter "colour"/ },
      { set: {}, unset: ["colour"], match: /--unset colour: .* has no such parameter/ },
      { set: { tenant_id: "a" }, unset: ["Token"], match: /tenant_id is changed twice/ },
      {
        set: {},
        endpoints: { login: "http://127.0.0.1:1" },
        match: /Endpoint overrides need a Custom cloud/,
      },
    ];
    for (const c of cases) {
      const error = await fails(() =>
        editInstance(store, "risky", { set: c.set, unset: c.unset ?? [], endpoints: c.endpoints ?? {} }),
      );
      assert.match(error.message, c.match);
      assert.ok(error.hint, `${error.message} has a hint`);
    }
    assert.deepEqual(await versions(store, "risky"), before);
    assert.equal((await loadInstance(store, "risky")).params.client_secret, SECRET);
  });

  test("endpoints: set and removed; a vendor app name goes when the instance stops using the vendor app", async () => {
    const store = await freshStore();
    await saveInstance(
      store,
      resolveInstance({
        name: "vendor",
        integration: "AzureRiskyUsers",
        params: { self_deployed: "false", ID: "reg-id", Token: "tenant", Key: "key-value" },
        vendorApp: "my-app",
      }),
    );
    const custom = await editInstance(store, "vendor", {
      set: { azure_cloud: "Custom" },
      unset: [],
      endpoints: { login: "http://127.0.0.1:9", graph: "http://127.0.0.1:9" },
    });
    assert.deepEqual(custom.changed.sort(), ["azure_cloud", "endpoint graph", "endpoint login"]);
    const removed = await editInstance(store, "vendor", { set: {}, unset: [], endpoints: { graph: "" } });
    assert.deepEqual(removed.changed, ["endpoint graph"]);
    assert.equal(removed.credentialsChanged, false);
    assert.deepEqual((await loadInstance(store, "vendor")).endpoints, { login: "http://127.0.0.1:9" });

    const selfDeployed = await editInstance(store, "vendor", {
      set: { self_deployed: "true", authentication_type: "Client Credentials" },
      unset: [],
      endpoints: {},
    });
    assert.ok(selfDeployed.changed.includes("vendor app"));
    assert.equal((await loadInstance(store, "vendor")).vendorApp, undefined);
  });

  test("an unknown instance is not_found", async () => {
    const store = await freshStore();
    const error = await fails(() => editInstance(store, "ghost", { set: {}, unset: [], endpoints: {} }));
    assert.equal(error.code, "not_found");
  });
});

describe("export and import", () => {
  test("without secrets: omitted and listed; no context, token or secret in the file", async () => {
    const store = await freshStore();
    await saveInstance(store, secretInstance("risky"));
    await store.set("risky", CONTEXT_KEY, { AzureRiskyUsers: { RiskyUser: [{ id: "ctx-marker" }] } });
    await store.set("risky", TOKEN_KEY, { accessToken: "token-marker" });
    const result = await exportInstances(store, []);
    assert.deepEqual(result.names, ["risky"]);
    assert.deepEqual(result.omitted, ["risky.client_secret"]);
    for (const marker of [SECRET, "ctx-marker", "token-marker"])
      assert.equal(result.text.includes(marker), false);
    const doc = parse(result.text);
    assert.equal(doc.format, EXPORT_FORMAT);
    assert.equal(doc.sealing, undefined);
    assert.deepEqual(doc.instances.risky.secrets_omitted, ["client_secret"]);
    assert.equal(doc.instances.risky.params.client_id, "11111111-2222-3333-4444-555555555555");

    const target = await freshStore();
    const entries = planImport(result.text, "risky.yaml");
    assert.deepEqual(entries[0]!.missingSecrets, ["client_secret"]);
    const imported = await applyImport(target, entries);
    assert.deepEqual(imported, [
      { name: "risky", integration: "AzureRiskyUsers", replaced: false, missingSecrets: ["client_secret"] },
    ]);
    const loaded = await loadInstance(target, "risky");
    assert.equal(loaded.params.client_secret, undefined);
    assert.equal(loaded.params.tenant_id, "contoso.onmicrosoft.com");
    // Exported again before its secret is set, it still lists the secret and imports again.
    const again = await exportInstances(target, []);
    assert.deepEqual(again.omitted, ["risky.client_secret"]);
    const third = await freshStore();
    await applyImport(third, planImport(again.text, "again.yaml"));
    assert.equal((await loadInstance(third, "risky")).params.tenant_id, "contoso.onmicrosoft.com");
    // The instance is completed with an edit, as the import output says.
    const edited = await editInstance(target, "risky", {
      set: { client_secret: SECRET },
      unset: [],
      endpoints: {},
    });
    assert.deepEqual(edited.changed, ["client_secret"]);
  });

  test("with secrets: sealed under the passphrase; opens in a store with another master key", async () => {
    const store = await freshStore();
    await saveInstance(store, secretInstance("risky"));
    await saveInstance(store, secretInstance("other", { client_secret: "other-secret" }));
    const result = await exportInstances(store, ["risky", "other"], { passphrase: PASSPHRASE });
    assert.equal(result.text.includes(SECRET), false);
    assert.equal(result.text.includes("other-secret"), false);
    assert.deepEqual(result.omitted, []);

    const target = await freshStore();
    await applyImport(target, planImport(result.text, "x.yaml", PASSPHRASE));
    assert.deepEqual(
      (await listInstances(target)).map((r) => r.name),
      ["other", "risky"],
    );
    assert.deepEqual(await loadInstance(target, "risky"), await loadInstance(store, "risky"));
    assert.equal((await loadInstance(target, "other")).params.client_secret, "other-secret");
    // At rest in the target store the secret is sealed under that store's key.
    assert.equal(
      readFileSync(join(dir, `store-${stores.indexOf(target)}.db`)).includes(Buffer.from(SECRET)),
      false,
    );
  });

  test("a wrong passphrase, a changed value and a value moved to another instance do not open", async () => {
    const store = await freshStore();
    await saveInstance(store, secretInstance("risky"));
    await saveInstance(store, secretInstance("other"));
    const { text } = await exportInstances(store, [], { passphrase: PASSPHRASE });

    const wrong = await fails(() => planImport(text, "x.yaml", "not the passphrase at all"));
    assert.equal(wrong.code, "sealed_data");
    assert.match(wrong.message, /passphrase does not open/);

    const doc = parse(text);
    const sealed: string = doc.instances.risky.secrets.client_secret;
    const flipped = `${sealed.slice(0, -2)}${sealed.endsWith("AA") ? "BB" : "AA"}`;
    const changed = await fails(() =>
      planImport(
        stringify({
          ...doc,
          instances: {
            ...doc.instances,
            risky: { ...doc.instances.risky, secrets: { client_secret: flipped } },
          },
        }),
        "x.yaml",
        PASSPHRASE,
      ),
    );
    assert.equal(changed.code, "sealed_data");
    assert.match(changed.message, /Instance "risky", secrets\.client_secret: does not open/);

    const moved = structuredClone(doc);
    moved.instances.other.secrets.client_secret = sealed;
    const error = await fails(() => planImport(stringify(moved), "x.yaml", PASSPHRASE));
    assert.match(error.message, /Instance "other", secrets\.client_secret/);

    const none = await fails(() => planImport(text, "x.yaml"));
    assert.equal(none.code, "usage");
    assert.match(none.message, /holds sealed secrets/);
    assert.match(none.hint!, /--passphrase-env/);
  });

  test("an invalid document imports nothing and names the instance and field", async () => {
    const store = await freshStore();
    await saveInstance(store, secretInstance("good"));
    await saveInstance(store, secretInstance("bad"));
    const doc = parse((await exportInstances(store, [])).text);
    const target = await freshStore();
    const cases: Array<[unknown, RegExp]> = [
      ["{not yaml: [", /x\.yaml: not valid YAML: /],
      ["format: something-else\n", /x\.yaml: is not an entrakit instances file/],
      [{ format: EXPORT_FORMAT, instances: {} }, /instances is missing or empty/],
      [
        { ...doc, instances: { ...doc.instances, bad: { ...doc.instances.bad, integration: "Nope" } } },
        /instance "bad": integration: /,
      ],
      [
        {
          ...doc,
          instances: {
            ...doc.instances,
            bad: { ...doc.instances.bad, params: { ...doc.instances.bad.params, azure_cloud: "Mars" } },
          },
        },
        /instance "bad": Invalid value "Mars" for azure_cloud/,
      ],
      [
        { ...doc, instances: { ...doc.instances, bad: { ...doc.instances.bad, colour: "blue" } } },
        /instance "bad": unknown field "colour"/,
      ],
      [
        {
          ...doc,
          instances: {
            ...doc.instances,
            bad: { ...doc.instances.bad, params: { ...doc.instances.bad.params, Key: "plain" } },
          },
        },
        /instance "bad": params\.Key is a secret and may not be in clear text/,
      ],
      [
        {
          ...doc,
          instances: { ...doc.instances, bad: { ...doc.instances.bad, secrets_omitted: ["client_id"] } },
        },
        /instance "bad": secrets_omitted must list secret parameter names/,
      ],
      [
        { ...doc, instances: { ...doc.instances, "9bad": doc.instances.bad } },
        /instance "9bad": "9bad" is not a valid instance name/,
      ],
      [
        {
          ...doc,
          instances: { ...doc.instances, bad: { ...doc.instances.bad, endpoints: { moon: "https://x" } } },
        },
        /instance "bad": Unknown endpoint "moon"/,
      ],
      [
        { ...doc, instances: { ...doc.instances, bad: { ...doc.instances.bad, endpoints: "https://x" } } },
        /^x\.yaml: instance "bad": endpoints must be a map of names to text\.$/,
      ],
      [{ ...doc, extra: true }, /^x\.yaml: unknown field "extra"\.$/],
    ];
    for (const [input, match] of cases) {
      const text = typeof input === "string" ? input : stringify(input);
      const error = await fails(() => planImport(text, "x.yaml"));
      assert.equal(error.code, "usage", error.message);
      assert.match(error.message, match);
      assert.equal(error.toLine().includes("\n"), false);
      assert.ok(error.hint);
    }
    assert.deepEqual(await listInstances(target), []);
  });

  test("existing names: refused, nothing written; --replace overwrites and drops the old tokens", async () => {
    const store = await freshStore();
    await saveInstance(store, secretInstance("a"));
    await saveInstance(store, secretInstance("b", { tenant_id: "exported-tenant" }));
    const { text } = await exportInstances(store, [], { passphrase: PASSPHRASE });
    const target = await freshStore();
    await saveInstance(target, secretInstance("b"));
    await target.set("b", TOKEN_KEY, { cached: true });
    await target.set("b", CONTEXT_KEY, { kept: true });
    const entries = planImport(text, "x.yaml", PASSPHRASE);
    const refused = await fails(() => applyImport(target, entries));
    assert.equal(refused.code, "conflict");
    assert.match(refused.message, /Instances already exist: b; nothing was imported/);
    assert.deepEqual(
      (await listInstances(target)).map((r) => r.name),
      ["b"],
    );
    const replaced = await applyImport(target, entries, { replace: true });
    assert.deepEqual(
      replaced.map((r) => [r.name, r.replaced]),
      [
        ["a", false],
        ["b", true],
      ],
    );
    assert.equal((await loadInstance(target, "b")).params.tenant_id, "exported-tenant");
    assert.equal(await target.get("b", TOKEN_KEY), undefined);
    assert.deepEqual((await target.get("b", CONTEXT_KEY))?.value, { kept: true });
  });

  test("export: unknown names are not_found; an empty store has nothing to export; short passphrases refused", async () => {
    const store = await freshStore();
    assert.equal((await fails(() => exportInstances(store, []))).code, "not_found");
    await saveInstance(store, secretInstance("risky"));
    assert.equal((await fails(() => exportInstances(store, ["ghost"]))).code, "not_found");
    const short = await fails(() => exportInstances(store, [], { passphrase: "short" }));
    assert.equal(short.code, "usage");
    assert.match(short.message, /shorter than 12/);
  });

  test("a sealing header asking for an unreasonable scrypt cost is refused before any work", async () => {
    const store = await freshStore();
    await saveInstance(store, secretInstance("risky"));
    const doc = parse((await exportInstances(store, [], { passphrase: PASSPHRASE })).text);
    doc.sealing.N = 2 ** 30;
    const error = await fails(() => planImport(stringify(doc), "x.yaml", PASSPHRASE));
    assert.equal(error.code, "usage");
    assert.match(error.message, /sealing section is not one entrakit writes/);
  });
});
