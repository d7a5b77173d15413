/**
 * Client authentication at the token endpoint: client secret (form or HTTP Basic), client assertion JWT
 * signed with an uploaded certificate (RS256 or PS256, `x5t` or `x5t#S256`), or none for public client
 * flows. Each failure maps to the AADSTS code Entra returns.
 */
import { constants, createPublicKey, timingSafeEqual, verify } from "node:crypto";
import type { AppRegistrationRecord } from "../contracts.ts";
import { CLIENT_ASSERTION_TYPE } from "./constants.ts";
import type { IdentityContext } from "./context.ts";
import { AadstsError, entraTimestamp } from "./errors.ts";

/** Entra tolerates a few minutes of clock skew on assertion times. */
const ASSERTION_SKEW_SECONDS = 300;

export interface AuthenticatedClient {
  app: AppRegistrationRecord;
  method: "secret" | "certificate" | "none";
}

export interface ClientAuthOptions {
  /** The tenant the request is for (GUID), when known: the assertion audience must name it. */
  tenantId?: string;
  /** Tenant path segment as sent, for error messages. */
  tenantSegment: string;
  /** client_credentials always needs a credential; user flows accept none for public clients. */
  requireCredential: boolean;
  /** Origins the token endpoint is reachable at (assertion `aud` must use one). */
  origins: string[];
}

export function authenticateClient(
  ic: IdentityContext,
  form: URLSearchParams,
  authorization: string | undefined,
  options: ClientAuthOptions,
): AuthenticatedClient {
  let clientId = form.get("client_id");
  let secret = form.get("client_secret");
  if (authorization?.toLowerCase().startsWith("basic ")) {
    const decoded = Buffer.from(authorization.slice(6).trim(), "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon > 0) {
      clientId ??= decodeURIComponent(decoded.slice(0, colon));
      secret ??= decodeURIComponent(decoded.slice(colon + 1));
    }
  }
  if (!clientId) throw new AadstsError(900144, { parameter: "client_id" });
  const app = ic.directory.app(clientId);
  if (!app) throw new AadstsError(700016, { clientId, tenant: options.tenantSegment });

  const assertion = form.get("client_assertion");
  if (assertion) {
    if (form.get("client_assertion_type") !== CLIENT_ASSERTION_TYPE) {
      throw new AadstsError(900144, { parameter: "client_assertion_type" });
    }
    verifyAssertion(ic, app, assertion, options);
    return { app, method: "certificate" };
  }
  if (secret) {
    verifySecret(ic, app, secret);
    return { app, method: "secret" };
  }
  if (options.requireCredential || !app.allowPublicClient) throw new AadstsError(7000218);
  return { app, method: "none" };
}

function verifySecret(ic: IdentityContext, app: AppRegistrationRecord, secret: string): void {
  const given = Buffer.from(secret);
  const match = app.secrets.find((s) => {
    const expected = Buffer.from(s.value);
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
  if (!match) throw new AadstsError(7000215, { clientId: app.clientId });
  if (match.expiresAt <= ic.clock.now()) throw new AadstsError(7000222, { clientId: app.clientId });
}

interface AssertionHeader {
  alg?: string;
  x5t?: string;
  "x5t#S256"?: string;
}

interface AssertionClaims {
  aud?: string | string[];
  iss?: string;
  sub?: string;
  exp?: number;
  nbf?: number;
  jti?: string;
}

function verifyAssertion(
  ic: IdentityContext,
  app: AppRegistrationRecord,
  jwt: string,
  options: ClientAuthOptions,
): void {
  const parts = jwt.split(".");
  let header: AssertionHeader;
  let claims: AssertionClaims;
  try {
    if (parts.length !== 3) throw new Error("not three parts");
    header = JSON.parse(Buffer.from(parts[0]!, "base64url").toString("utf8"));
    claims = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8"));
  } catch {
    throw new AadstsError(50027);
  }
  const sha256 = header["x5t#S256"]
    ? Buffer.from(header["x5t#S256"], "base64url").toString("hex").toUpperCase()
    : undefined;
  const sha1 = header.x5t ? Buffer.from(header.x5t, "base64url").toString("hex").toUpperCase() : undefined;
  const thumbprint = sha256 ?? sha1 ?? "";
  const certificate = app.certificates.find(
    (c) => (sha256 && c.thumbprintSha256 === sha256) || (!sha256 && sha1 && c.thumbprintSha1 === sha1),
  );
  if (!certificate) {
    throw new AadstsError(700027, { reason: "The key was not found.", thumbprint, clientId: app.clientId });
  }
  if (certificate.expiresAt <= ic.clock.now()) {
    throw new AadstsError(700027, { reason: "The key used is expired.", thumbprint, clientId: app.clientId });
  }
  const key = createPublicKey(certificate.certificatePem);
  const data = Buffer.from(`${parts[0]}.${parts[1]}`);
  const signature = Buffer.from(parts[2]!, "base64url");
  let valid: boolean;
  if (header.alg === "RS256") valid = verify("sha256", data, key, signature);
  else if (header.alg === "PS256") {
    valid = verify(
      "sha256",
      data,
      { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
      signature,
    );
  } else {
    throw new AadstsError(700027, {
      reason: `The signing algorithm '${String(header.alg)}' is not supported; use RS256 or PS256.`,
      thumbprint,
      clientId: app.clientId,
    });
  }
  if (!valid)
    throw new AadstsError(700027, { reason: "Signature is invalid.", thumbprint, clientId: app.clientId });

  if (claims.iss !== app.clientId || claims.sub !== app.clientId) throw new AadstsError(700021);
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.some((aud) => typeof aud === "string" && audienceMatches(ic, aud, options))) {
    throw new AadstsError(50013, {
      reason: `the audience '${String(claims.aud)}' is not this tenant's token endpoint`,
    });
  }
  const now = Math.floor(ic.clock.now() / 1000);
  if (typeof claims.exp !== "number") throw new AadstsError(50027);
  const nbf = typeof claims.nbf === "number" ? claims.nbf : 0;
  if (now > claims.exp + ASSERTION_SKEW_SECONDS || now + ASSERTION_SKEW_SECONDS < nbf) {
    throw new AadstsError(700024, {
      now: entraTimestamp(now * 1000),
      nbf: entraTimestamp(nbf * 1000),
      exp: entraTimestamp(claims.exp * 1000),
    });
  }
  if (ic.options.rejectAssertionReplay) {
    if (!claims.jti) throw new AadstsError(50013, { reason: "the assertion has no jti claim" });
    const key = `${app.clientId}|${claims.jti}`;
    if (ic.state.assertionIds.has(key))
      throw new AadstsError(50013, { reason: "the assertion's jti was already used (replay)" });
    ic.state.assertionIds.set(key, true, (claims.exp + ASSERTION_SKEW_SECONDS) * 1000, ic.clock.now());
  }
}

/** `{origin}/{tenant}/oauth2/v2.0/token` or the v1 `/oauth2/token`, the tenant by GUID or domain. */
function audienceMatches(ic: IdentityContext, aud: string, options: ClientAuthOptions): boolean {
  let url: URL;
  try {
    url = new URL(aud);
  } catch {
    return false;
  }
  if (!options.origins.includes(url.origin)) return false;
  const match = /^\/([^/]+)\/oauth2\/(?:v2\.0\/)?token\/?$/i.exec(url.pathname);
  if (!match) return false;
  const segment = decodeURIComponent(match[1]!);
  if (!options.tenantId) return segment.toLowerCase() === options.tenantSegment.toLowerCase();
  return ic.directory.tenant(segment)?.id === options.tenantId;
}
