/**
 * The emulator's token service: one RS256 signing key with a `kid` (persisted in the state directory when
 * there is one, else generated per start), its JWKS, access tokens with the claims Entra puts in them,
 * ID tokens, and verification against the emulator clock. JWTs are assembled with node:crypto directly:
 * this is the hot path of the token benchmark and needs no JOSE generality.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomUUID,
  verify,
} from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type AccessTokenClaims,
  type Clock,
  InvalidTokenError,
  type IssueAccessTokenInput,
  type IssuedToken,
  type TokenService,
  type UserRecord,
} from "./contracts.ts";
import { Rs256Signer } from "./signer.ts";

/** Entra's default access token lifetime is 60–90 minutes; the emulator uses a fixed 3599 s unless told. */
export const DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS = 3599;
export const ID_TOKEN_LIFETIME_SECONDS = 3600;
/** Template id of the Global Administrator role, carried in `wids`. */
const ROLE_TEMPLATE_IDS: Record<string, string> = {
  "Global Administrator": "62e90394-69f5-4237-9190-012177145e10",
  "Security Administrator": "194ae4cb-b126-40b2-bd5b-6091b380977d",
  "Security Reader": "5d6b6bb7-de71-4623-b4af-96380a352509",
  "Application Administrator": "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
};
const DEFAULT_USER_WIDS = "b79fbf4d-3ef9-4689-8143-76b194e85509";

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Public JWK as served in the JWKS. */
  jwk: Record<string, unknown>;
}

export interface IdTokenInput {
  tenantId: string;
  clientId: string;
  user: UserRecord;
  version: 1 | 2;
  nonce?: string;
  /** Time the user signed in (`auth_time`), milliseconds. */
  authTime?: number;
}

/** Loads the signing key from `stateDir/signing-key.pem`, creating it there (or in memory) when absent. */
export async function loadSigningKey(stateDir: string | undefined): Promise<SigningKey> {
  if (stateDir) {
    const path = join(stateDir, "signing-key.pem");
    try {
      return signingKeyFrom(createPrivateKey(await readFile(path, "utf8")));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
        throw new Error(
          `The emulator signing key ${path} is unreadable (${(error as Error).message}); delete it to get a new one.`,
        );
      }
    }
    const key = signingKeyFrom(generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey);
    await mkdir(stateDir, { recursive: true });
    const temp = `${path}.${process.pid}.tmp`;
    await writeFile(temp, key.privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
    await rename(temp, path);
    return key;
  }
  return signingKeyFrom(generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey);
}

function signingKeyFrom(privateKey: KeyObject): SigningKey {
  const publicKey = createPublicKey(privateKey);
  const { n, e } = publicKey.export({ format: "jwk" }) as { n: string; e: string };
  // RFC 7638 thumbprint: stable across restarts for a persisted key, as Entra's kids are per key.
  const kid = createHash("sha256")
    .update(JSON.stringify({ e, kty: "RSA", n }))
    .digest("base64url")
    .slice(0, 27);
  return { kid, privateKey, publicKey, jwk: { kty: "RSA", use: "sig", kid, x5t: kid, n, e, alg: "RS256" } };
}

export class EmulatorTokenService implements TokenService {
  readonly #key: SigningKey;
  readonly #clock: Clock;
  readonly #baseUrl: () => string;
  readonly #signer: Rs256Signer;
  readonly #header: string;

  /** `signingThreads`: worker threads for signatures (default: one per spare core; 0 signs in place). */
  constructor(key: SigningKey, clock: Clock, baseUrl: () => string, signingThreads?: number) {
    this.#key = key;
    this.#clock = clock;
    this.#baseUrl = baseUrl;
    this.#signer = new Rs256Signer(key.privateKey, signingThreads);
    this.#header = Buffer.from(
      JSON.stringify({ typ: "JWT", alg: "RS256", x5t: key.kid, kid: key.kid }),
    ).toString("base64url");
  }

  /** Stops the signing threads. */
  close(): Promise<void> {
    return this.#signer.close();
  }

  jwks(): { keys: Record<string, unknown>[] } {
    return { keys: [{ ...this.#key.jwk }] };
  }

  /** v1 tokens: `https://sts.windows.net/{tid}/`; v2: `{emulator}/{tid}/v2.0`. */
  issuer(tenantId: string, version: 1 | 2): string {
    return version === 1 ? `https://sts.windows.net/${tenantId}/` : `${this.#baseUrl()}/${tenantId}/v2.0`;
  }

  async issueAccessToken(input: IssueAccessTokenInput): Promise<IssuedToken> {
    const now = this.#clock.now();
    const iat = Math.floor(now / 1000);
    const exp = iat + (input.lifetimeSeconds ?? DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS);
    const v1 = input.version === 1;
    const claims: Record<string, unknown> = {
      aud: input.audience ?? (v1 ? input.resource.identifierUris[0] : input.resource.appId),
      iss: this.issuer(input.tenantId, input.version),
      iat,
      nbf: iat,
      exp,
    };
    const subject = input.subject;
    if (subject.kind === "user") {
      const user = subject.user;
      Object.assign(claims, {
        acr: "1",
        amr: ["pwd"],
        family_name: user.surname,
        given_name: user.givenName,
        name: user.displayName,
        oid: user.id,
        sub: pairwiseSubject(user.id, input.clientId),
        tid: input.tenantId,
        idtyp: "user",
        wids: widsOf(user),
      });
      if (v1)
        Object.assign(claims, {
          appid: input.clientId,
          appidacr: "0",
          unique_name: user.userPrincipalName,
          upn: user.userPrincipalName,
        });
      else
        Object.assign(claims, {
          azp: input.clientId,
          azpacr: "0",
          preferred_username: user.userPrincipalName,
        });
      if (input.scopes && input.scopes.length > 0) claims.scp = input.scopes.join(" ");
    } else {
      const oid = subject.kind === "app" ? subject.servicePrincipalId : subject.identity.objectId;
      Object.assign(claims, {
        idp: `https://sts.windows.net/${input.tenantId}/`,
        idtyp: "app",
        oid,
        sub: oid,
        tid: input.tenantId,
      });
      if (v1) Object.assign(claims, { appid: input.clientId, appidacr: subject.kind === "app" ? "1" : "2" });
      else Object.assign(claims, { azp: input.clientId, azpacr: subject.kind === "app" ? "1" : "2" });
      if (subject.kind === "managed_identity" && subject.identity.resourceId)
        claims.xms_mirid = subject.identity.resourceId;
      if (input.roles && input.roles.length > 0) claims.roles = [...input.roles];
    }
    Object.assign(
      claims,
      { uti: randomUUID().replaceAll("-", "").slice(0, 22), ver: v1 ? "1.0" : "2.0" },
      input.extraClaims,
    );
    const signingInput = `${this.#header}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
    const token = `${signingInput}.${await this.#signer.sign(signingInput)}`;
    return { token, expiresAt: exp * 1000, issuedAt: iat * 1000, claims };
  }

  /** An OpenID Connect ID token for a signed-in user (aud = the client). */
  issueIdToken(input: IdTokenInput): { token: string; claims: Record<string, unknown> } {
    const iat = Math.floor(this.#clock.now() / 1000);
    const user = input.user;
    const claims: Record<string, unknown> = {
      aud: input.clientId,
      iss: this.issuer(input.tenantId, input.version),
      iat,
      nbf: iat,
      exp: iat + ID_TOKEN_LIFETIME_SECONDS,
      name: user.displayName,
      oid: user.id,
      sub: pairwiseSubject(user.id, input.clientId),
      tid: input.tenantId,
      ver: input.version === 1 ? "1.0" : "2.0",
    };
    if (input.version === 2) claims.preferred_username = user.userPrincipalName;
    else
      Object.assign(claims, {
        upn: user.userPrincipalName,
        unique_name: user.userPrincipalName,
        amr: ["pwd"],
      });
    if (input.nonce) claims.nonce = input.nonce;
    if (input.authTime !== undefined) claims.auth_time = Math.floor(input.authTime / 1000);
    return { token: this.sign(claims), claims };
  }

  async verifyAccessToken(token: string): Promise<AccessTokenClaims> {
    const parts = token.split(".");
    if (parts.length !== 3) throw new InvalidTokenError("malformed", "The token is not a compact JWT.");
    let header: { alg?: string; kid?: string };
    let claims: AccessTokenClaims;
    try {
      header = JSON.parse(Buffer.from(parts[0]!, "base64url").toString("utf8"));
      claims = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8"));
    } catch {
      throw new InvalidTokenError("malformed", "The token's header or payload is not JSON.");
    }
    if (header.alg !== "RS256" || header.kid !== this.#key.kid) {
      throw new InvalidTokenError("signature", "The token was not signed by this emulator's key.");
    }
    const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
    if (!verify("sha256", signed, this.#key.publicKey, Buffer.from(parts[2]!, "base64url"))) {
      throw new InvalidTokenError("signature", "The token signature is invalid.");
    }
    const now = Math.floor(this.#clock.now() / 1000);
    if (typeof claims.nbf === "number" && now < claims.nbf) {
      throw new InvalidTokenError("not_yet_valid", "The token is not valid yet (nbf is in the future).");
    }
    if (typeof claims.exp !== "number" || now >= claims.exp) {
      throw new InvalidTokenError("expired", "The token has expired.");
    }
    return claims;
  }

  /** A JWT signed on this thread (ID tokens and other rare tokens). */
  sign(claims: Record<string, unknown>): string {
    const input = `${this.#header}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
    return `${input}.${this.#signer.signNow(input)}`;
  }
}

/** Entra's `sub` is pairwise: stable per (user, app), different across apps. */
export function pairwiseSubject(objectId: string, clientId: string): string {
  return createHash("sha256")
    .update(`${objectId.toLowerCase()}|${clientId.toLowerCase()}`)
    .digest("base64url")
    .slice(0, 43);
}

function widsOf(user: UserRecord): string[] {
  const ids = user.directoryRoles
    .map((role) => ROLE_TEMPLATE_IDS[role])
    .filter((id): id is string => id !== undefined);
  return [...ids, DEFAULT_USER_WIDS];
}
