/**
 * The consent flow: the app's page, the start (a single-use `state` bound to this browser's cookie and to
 * the app, plus PKCE for delegated apps) and the callback that turns Microsoft's answer into a
 * registration. Any mismatch, replay, `error=` answer or missing tenant ends on an error page and creates
 * nothing.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { authorityHost } from "../clouds/index.ts";
import { buildLoginUrl } from "../protocol/login-url.ts";
import { createPkce, createState } from "../protocol/pkce.ts";
import type { Store } from "../store/types.ts";
import type { AuditLog } from "./audit.ts";
import type { ProxyApp, ProxyConfig } from "./config.ts";
import type { EntraClient } from "./entra.ts";
import { errorPage, instanceCommand, type Page, resultPage } from "./pages.ts";
import { PROXY_NAMESPACE, type Registrations } from "./registrations.ts";

/** Long enough to sign in with MFA, short enough that a leaked link soon stops working. */
export const STATE_LIFETIME_MS = 15 * 60 * 1000;
export const BROWSER_COOKIE = "entrakit_proxy_browser";

interface PendingConsent {
  app: string;
  browser: string;
  verifier: string;
  /** Set in the second step of an application consent: the tenant the admin consent named. */
  confirmTenant?: string;
}

export interface ConsentDeps {
  config: ProxyConfig;
  store: Store;
  registrations: Registrations;
  entra: EntraClient;
  audit: AuditLog;
}

export interface StartResult {
  redirect: string;
  /** A new browser cookie, when the browser had none. */
  setCookie: string | undefined;
}

export function redirectUri(config: ProxyConfig): string {
  return `${config.publicUrl}/callback`;
}

/** Creates the pending consent and the Microsoft URL to send the browser to. */
export async function startConsent(
  deps: ConsentDeps,
  app: ProxyApp,
  browserCookie: string | undefined,
): Promise<StartResult> {
  const cookie = browserCookie && /^[A-Za-z0-9_-]{43}$/.test(browserCookie) ? browserCookie : undefined;
  const browser = cookie ?? randomBytes(32).toString("base64url");
  const { state, pkce } = await savePending(deps, { app: app.appName, browser: digest(browser) });
  const login = authorityHost(app.cloud);
  const redirect =
    app.kind === "application"
      ? adminConsentUrl(login, app, redirectUri(deps.config), state)
      : buildLoginUrl({
          authorityHost: login,
          tenant: "organizations",
          clientId: app.clientId,
          redirectUri: redirectUri(deps.config),
          scopes: app.scopes,
          state,
          codeChallenge: pkce.challenge,
          prompt: "consent",
        });
  return { redirect, setCookie: cookie ? undefined : setCookie(deps.config, browser) };
}

async function savePending(
  deps: ConsentDeps,
  pending: Omit<PendingConsent, "verifier">,
): Promise<{ state: string; pkce: ReturnType<typeof createPkce> }> {
  const state = createState();
  const pkce = createPkce();
  await deps.store.set(
    PROXY_NAMESPACE,
    stateKey(state),
    { ...pending, verifier: pkce.verifier },
    { seal: true, ttlMs: STATE_LIFETIME_MS, expectedVersion: 0 },
  );
  return { state, pkce };
}

function adminConsentUrl(login: string, app: ProxyApp, redirect: string, state: string): string {
  const url = new URL(`${login}/organizations/v2.0/adminconsent`);
  url.searchParams.set("client_id", app.clientId);
  url.searchParams.set("scope", `${app.resource}/.default`);
  url.searchParams.set("redirect_uri", redirect);
  url.searchParams.set("state", state);
  return url.toString();
}

function setCookie(config: ProxyConfig, value: string): string {
  const secure = config.publicUrl.startsWith("https:") ? "; Secure" : "";
  // Lax: the callback is a top-level navigation from the login host, which Lax cookies accompany.
  return `${BROWSER_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${STATE_LIFETIME_MS / 1000}${secure}`;
}

/** A page to show, or (between the two steps of an application consent) a redirect to follow. */
export type CallbackResult = { page: Page } | { redirect: string };

/** The callback: checks `state` against the browser and the app, then creates the registration. */
export async function finishConsent(
  deps: ConsentDeps,
  query: URLSearchParams,
  browserCookie: string | undefined,
  nonce: string,
  address: string,
): Promise<CallbackResult> {
  const fail = (status: number, title: string, message: string, reason: string, app?: ProxyApp) => {
    deps.audit.write({
      event: "consent",
      outcome: "refused",
      app: app?.appName,
      reason,
      address,
    });
    return {
      page: errorPage(
        status,
        title,
        message,
        nonce,
        app ? `/consent/${encodeURIComponent(app.appName)}` : undefined,
      ),
    };
  };
  const state = query.get("state") ?? "";
  const expired = () =>
    fail(
      400,
      "This authorization link is not valid",
      "The link is expired, was already used, or was changed. Start the authorization again from the consent page.",
      "bad_state",
    );
  if (!/^[A-Za-z0-9_-]{16,128}$/.test(state)) return expired();
  const entry = await deps.store.get<Record<string, string>>(PROXY_NAMESPACE, stateKey(state));
  if (!entry) return expired();
  // Single use: only the request that deletes this exact version goes on.
  if (!(await deps.store.delete(PROXY_NAMESPACE, stateKey(state), { expectedVersion: entry.version }))) {
    return expired();
  }
  const pending = entry.value as unknown as PendingConsent;
  const app = deps.config.apps.get(pending.app);
  if (!app) return expired();
  if (!browserCookie || !sameDigest(digest(browserCookie), pending.browser)) {
    return fail(
      400,
      "Authorization started in another browser",
      "Finish the authorization in the same browser where you clicked Start Authorization Process, with cookies allowed.",
      "browser_mismatch",
      app,
    );
  }
  // Echoed (escaped) on the page and in the audit log, so kept short and to OAuth's error alphabet.
  const error = query
    .get("error")
    ?.replace(/[^\w.-]/g, "")
    .slice(0, 64);
  if (error !== undefined) {
    const declined = error === "access_denied" || query.get("error_subcode") === "cancel";
    const description = (query.get("error_description") ?? "")
      .split(/\r?\n|\s(?:Trace ID|Correlation ID|Timestamp):/)[0]!
      .slice(0, 300);
    return fail(
      400,
      declined ? "Consent was declined" : "Microsoft did not authorize the app",
      declined
        ? `No permissions were granted, so nothing was set up. ${description}`.trim()
        : `Microsoft answered "${error}". ${description}`.trim(),
      declined ? "declined" : error,
      app,
    );
  }

  let tenantId: string | undefined;
  let token: string;
  if (app.kind === "application" && pending.confirmTenant === undefined) {
    tenantId = query.get("tenant") ?? undefined;
    if (query.get("admin_consent")?.toLowerCase() !== "true" || !tenantId || !isGuid(tenantId)) {
      return fail(
        400,
        "The consent did not name your tenant",
        "Microsoft's answer carried no admin consent for a tenant. Start again and approve as an administrator.",
        "missing_tenant",
        app,
      );
    }
    tenantId = tenantId.toLowerCase();
    if (app.confirmTenant) {
      // The redirect's `tenant` is unsigned: sign the admin in to that very tenant before trusting it.
      const next = await savePending(deps, {
        app: pending.app,
        browser: pending.browser,
        confirmTenant: tenantId,
      });
      return { redirect: confirmTenantUrl(app, redirectUri(deps.config), tenantId, next) };
    }
    token = tenantId;
  } else {
    const code = query.get("code");
    if (!code) {
      return fail(
        400,
        "Microsoft sent no authorization code",
        "Start the authorization again.",
        "missing_code",
        app,
      );
    }
    const exchanged = await deps.entra.exchangeCode(app, {
      code,
      redirectUri: redirectUri(deps.config),
      codeVerifier: pending.verifier,
      ...(pending.confirmTenant ? { tenant: pending.confirmTenant, scopes: ["openid"] } : {}),
    });
    if (!exchanged.ok) {
      return fail(
        400,
        "Microsoft refused the sign-in",
        `${exchanged.refusal.error}: ${exchanged.refusal.detail}`,
        exchanged.refusal.error,
        app,
      );
    }
    tenantId = exchanged.tokens.tenantId?.toLowerCase();
    if (pending.confirmTenant) {
      if (tenantId !== pending.confirmTenant) {
        return fail(
          400,
          "The sign-in was not in the consenting tenant",
          "Sign in with an administrator account of the organization that granted the consent. Start again.",
          "tenant_mismatch",
          app,
        );
      }
      token = tenantId;
    } else {
      if (!tenantId || !exchanged.tokens.refreshToken) {
        return fail(
          400,
          "The sign-in did not give a tenant and a refresh token",
          "Microsoft's answer lacked the tenant or the refresh token (offline_access). Start again.",
          "missing_tenant",
          app,
        );
      }
      token = exchanged.tokens.refreshToken;
    }
  }
  const created = await deps.registrations.create({ appName: app.appName, kind: app.kind, tenantId });
  deps.audit.write({
    event: "consent",
    outcome: "ok",
    app: app.appName,
    kind: app.kind,
    registration: created.registration.id,
    tenant: tenantId,
    grant:
      app.kind === "delegated"
        ? "authorization_code"
        : app.confirmTenant
          ? "admin_consent+sign_in"
          : "admin_consent",
    address,
  });
  const id = `${created.registration.id}@${deps.config.publicUrl}/obtain-token`;
  return {
    page: resultPage(
      app,
      { id, token, key: created.key, instanceCommand: instanceCommand(app, id, token) },
      nonce,
    ),
  };
}

/** OpenID Connect sign-in at the consenting tenant itself: only its members can finish it. */
function confirmTenantUrl(
  app: ProxyApp,
  redirect: string,
  tenantId: string,
  next: { state: string; pkce: ReturnType<typeof createPkce> },
): string {
  const url = new URL(`${authorityHost(app.cloud)}/${tenantId}/oauth2/v2.0/authorize`);
  for (const [name, value] of [
    ["client_id", app.clientId],
    ["response_type", "code"],
    ["redirect_uri", redirect],
    ["response_mode", "query"],
    ["scope", "openid"],
    ["state", next.state],
    ["code_challenge", next.pkce.challenge],
    ["code_challenge_method", "S256"],
  ] as const) {
    url.searchParams.set(name, value);
  }
  return url.toString();
}

function stateKey(state: string): string {
  return `state.${digest(state)}`;
}

function digest(value: string): string {
  return createHash("sha256").update(value).digest("base64url");
}

function sameDigest(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function isGuid(value: string): boolean {
  return /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(value);
}
