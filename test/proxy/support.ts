/**
 * Test support for the OAuth proxy: the emulator with a vendor tenant and its two multi-tenant apps
 * (application and delegated), a proxy aimed at the emulator's login host, an audit log captured in
 * memory, and an HTTP walk through the consent pages (a cookie jar plus the emulator's sign-in forms).
 */
import { createServer } from "node:net";
import { type RunningEmulator, startEmulator } from "../../src/emulator/server.ts";
import { DEV_ADMIN } from "../../src/emulator/well-known.ts";
import { createHttpClient } from "../../src/http/index.ts";
import { auditLogTo } from "../../src/proxy/audit.ts";
import { type RunningProxy, startProxy } from "../../src/proxy/server.ts";
import { openStore } from "../../src/store/index.ts";
import type { Store } from "../../src/store/types.ts";
import { signInThroughBrowser } from "../auth/browser.ts";

export const VENDOR_TENANT = {
  id: "1d4c7b2e-8f3a-4e69-a5c1-9b2d6e0f4a73",
  domain: "northwind-vendor.onmicrosoft.com",
  displayName: "Northwind Security (vendor)",
};
export const APPLICATION_APP = {
  name: "risky-users-app",
  clientId: "6b3e9d1a-2c4f-4a87-9e5b-0d7c1f8a3b62",
  secret: "vendor-app-secret-for-tests-only",
};
export const DELEGATED_APP = {
  name: "risky-users-delegated",
  clientId: "c8a2f4e6-1b3d-4c59-8a7e-2f6d9b0c4e15",
  secret: "vendor-delegated-secret-for-tests-only",
};
export const GRAPH = "https://graph.microsoft.com";
export const READ_RISKY_USERS = "IdentityRiskyUser.Read.All";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The vendor's side in the emulator: its tenant and two multi-tenant apps redirecting to the proxy. */
export function vendorDirectory(proxyPublicUrl: string): Record<string, unknown> {
  const app = (spec: typeof APPLICATION_APP, displayName: string) => ({
    clientId: spec.clientId,
    displayName,
    homeTenant: VENDOR_TENANT.id,
    secrets: [{ value: spec.secret }],
    redirectUris: [`${proxyPublicUrl}/callback`],
    multiTenant: true,
  });
  return {
    tenants: [{ ...VENDOR_TENANT }],
    apps: [
      {
        ...app(APPLICATION_APP, "Northwind Risky Users (application)"),
        applicationPermissions: [{ resource: GRAPH, value: READ_RISKY_USERS }],
      },
      {
        ...app(DELEGATED_APP, "Northwind Risky Users (delegated)"),
        delegatedScopes: [{ resource: GRAPH, value: READ_RISKY_USERS }],
      },
    ],
  };
}

export function proxyConfig(
  emulator: RunningEmulator,
  publicUrl: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    public_url: publicUrl,
    listen: { host: "127.0.0.1", port: 0 },
    apps: [
      {
        app_name: APPLICATION_APP.name,
        client_id: APPLICATION_APP.clientId,
        kind: "application",
        credential: { secret: { value: APPLICATION_APP.secret } },
        cloud: "com",
        endpoints: { login: emulator.url, graph: emulator.url },
        resource: GRAPH,
        display_name: "Northwind Risky Users",
        description: "Reads risky users and risk detections so your SOAR playbooks can respond to them.",
        publisher: "Northwind Security",
        permissions: [{ name: READ_RISKY_USERS, description: "Read all risky user information" }],
        integration: "AzureRiskyUsers",
      },
      {
        app_name: DELEGATED_APP.name,
        client_id: DELEGATED_APP.clientId,
        kind: "delegated",
        credential: { secret: { value: DELEGATED_APP.secret } },
        endpoints: { login: emulator.url, graph: emulator.url },
        scopes: [`${GRAPH}/${READ_RISKY_USERS}`],
        display_name: "Northwind Risky Users (on your behalf)",
        permissions: [
          { name: READ_RISKY_USERS, description: "Read risky users as the signed-in administrator" },
        ],
        integration: "AzureRiskyUsers",
      },
    ],
    ...extra,
  };
}

export interface Stack {
  emulator: RunningEmulator;
  proxy: RunningProxy;
  store: Store;
  audit: string[];
  close(): Promise<void>;
}

export interface StackOptions {
  /** Config keys on top of the default (rate_limits, ...). */
  extra?: Record<string, unknown>;
  store?: Store;
  now?: () => number;
  /** Admin-consent the application app in Contoso up front (protocol tests skip the pages). */
  preConsented?: boolean;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const emulator = await startEmulator({ config: { graph: { seed: 7, riskyUsers: 25, detections: 5 } } });
  emulator.admin.seed(vendorDirectory(publicUrl));
  if (options.preConsented) {
    emulator.admin.seed({
      consents: [
        {
          tenant: "contoso.onmicrosoft.com",
          clientId: APPLICATION_APP.clientId,
          resource: GRAPH,
          applicationPermissions: [READ_RISKY_USERS],
        },
      ],
    });
  }
  const store = options.store ?? (await openStore("memory:"));
  const audit: string[] = [];
  const proxy = await startProxy({
    config: proxyConfig(emulator, publicUrl, options.extra),
    port,
    store,
    audit: auditLogTo((line) => audit.push(line)),
    ...(options.now ? { now: options.now } : {}),
  });
  return {
    emulator,
    proxy,
    store,
    audit,
    async close() {
      await proxy.close();
      await emulator.close();
      if (!options.store) await store.close();
    },
  };
}

/** A GET/POST with a cookie jar, no redirects followed. */
export class Browserless {
  readonly cookies = new Map<string, string>();

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    const response = await fetch(url, {
      ...init,
      redirect: "manual",
      headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const [name, ...value] = pair!.split("=");
      this.cookies.set(name!.trim(), value.join("="));
    }
    return response;
  }
}

export interface Triple {
  id: string;
  token: string;
  key: string;
  command: string;
}

/** Reads ID, Token, Key and the command out of the result page. */
export function resultValues(html: string): Triple {
  const value = (id: string) => {
    const match = new RegExp(`<output class="value" id="${id}"[^>]*>([^<]*)</output>`).exec(html);
    if (!match) throw new Error(`no ${id} on the page: ${html.slice(0, 400)}`);
    return match[1]!
      .replaceAll("&#39;", "'")
      .replaceAll("&quot;", '"')
      .replaceAll("&lt;", "<")
      .replaceAll("&gt;", ">")
      .replaceAll("&amp;", "&");
  };
  return {
    id: value("value-id"),
    token: value("value-token"),
    key: value("value-key"),
    command: value("value-command"),
  };
}

/**
 * The whole consent journey over plain HTTP (the browser tests do it with Chromium): start, sign in at the
 * emulator as the admin, consent, come back (for application apps: sign in once more at the consenting
 * tenant). Resolves to the final page's status and HTML.
 */
export async function consentOverHttp(
  stack: Stack,
  appName: string,
  decision: "accept" | "cancel" = "accept",
  browser = new Browserless(),
): Promise<{ status: number; html: string }> {
  const start = await browser.fetch(`${stack.proxy.url}/consent/${appName}/start`, { method: "POST" });
  if (start.status !== 303) throw new Error(`start answered ${start.status}`);
  const http = createHttpClient({ retry: false });
  const admin = { login: DEV_ADMIN.userPrincipalName, password: DEV_ADMIN.password };
  try {
    let callback = await signInThroughBrowser(http, start.headers.get("location")!, admin, decision);
    for (let step = 0; step < 3; step++) {
      const page = await browser.fetch(callback);
      // An application consent continues with a sign-in at the consenting tenant.
      if (page.status !== 303) return { status: page.status, html: await page.text() };
      callback = await signInThroughBrowser(http, page.headers.get("location")!, admin);
    }
    throw new Error("the consent journey did not end");
  } finally {
    await http.close();
  }
}
