/**
 * A second, independent OAuth proxy client, written only from the wire description
 * (reference-auth-module.md §3) with WebCrypto and fetch: it shares no code with src/. If our proxy and
 * this client agree, the proxy speaks the protocol, not merely our own client's dialect of it.
 */

export interface WireResponse {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** standard base64 with padding, from bytes. */
function base64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** base64(nonce(12) ‖ AES-GCM ciphertext ‖ tag(16)) of `<epoch>:<content>`, no associated data. */
export function encryptToken(keyBase64: string, content: string, epochSeconds: number): Promise<string> {
  return encryptRaw(keyBase64, `${Math.floor(epochSeconds)}:${content}`);
}

/** The same envelope around any plaintext (tests of malformed plaintexts). */
export async function encryptRaw(keyBase64: string, text: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", fromBase64(keyBase64), { name: "AES-GCM" }, false, [
    "encrypt",
  ]);
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  const plaintext = new TextEncoder().encode(text);
  // WebCrypto's AES-GCM output is the ciphertext with the 16-byte tag appended: exactly the wire layout.
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce, tagLength: 128 }, key, plaintext),
  );
  const out = new Uint8Array(nonce.length + sealed.length);
  out.set(nonce, 0);
  out.set(sealed, nonce.length);
  return base64(out);
}

/** The ID field: registration before the first `@`; with exactly one `@` the rest is the URL. */
export function splitId(id: string): { registrationId: string; url: string } {
  const parts = id.split("@");
  return {
    registrationId: parts[0]!,
    url: parts.length === 2 ? parts[1]! : "https://oproxy.demisto.ninja/obtain-token",
  };
}

export async function postObtainToken(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<WireResponse> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { unparsed: text };
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

export interface WireClientInput {
  id: string;
  key: string;
  appName: string;
  /** The tenant id or the current refresh token. */
  content: string;
  scope?: string | null;
  resource?: string;
  epochSeconds?: number;
}

/** One obtain-token call as the reference module makes it. */
export async function obtainTokenOverWire(input: WireClientInput): Promise<WireResponse> {
  const { registrationId, url } = splitId(input.id);
  const encrypted = await encryptToken(
    input.key,
    input.content,
    input.epochSeconds ?? Math.floor(Date.now() / 1000),
  );
  return postObtainToken(
    url,
    {
      app_name: input.appName,
      registration_id: registrationId,
      encrypted_token: encrypted,
      scope: input.scope ?? null,
      resource: input.resource ?? "",
    },
    { "X-Content-Version": "0.0.0", "X-Content-Name": "wire-test-client" },
  );
}
