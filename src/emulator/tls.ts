/**
 * The emulator's local certificate authority. Generated on first start and kept in `<state>/tls/` (else a
 * fresh temporary directory), it signs a server certificate for localhost, 127.0.0.1 and ::1. Clients trust
 * the CA with NODE_EXTRA_CA_CERTS or a `ca` option; nothing is ever added to a system trust store.
 */
import { X509Certificate as NodeX509Certificate, webcrypto } from "node:crypto";
import { mkdir, mkdtemp, readFile, rename, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadX509 } from "./x509.ts";

export interface EmulatorTls {
  caCertPem: string;
  caCertPath: string;
  serverCertPem: string;
  serverKeyPem: string;
  /** The directory holding the files; a temporary one (to delete on close) when there is no state dir. */
  dir: string;
  temporary: boolean;
}

const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY_MS = 24 * 3600 * 1000;
/** Renew the server certificate when it has less than this left. */
const RENEW_BEFORE_MS = 30 * DAY_MS;

/** Loads (or creates) the CA and a server certificate under `stateDir/tls`, or a temp dir when none. */
export async function loadTls(stateDir: string | undefined, now: number): Promise<EmulatorTls> {
  const dir = stateDir ? join(stateDir, "tls") : await mkdtemp(join(tmpdir(), "entrakit-emulator-tls-"));
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const paths = {
    caCert: join(dir, "ca.pem"),
    caKey: join(dir, "ca-key.pem"),
    serverCert: join(dir, "server.pem"),
    serverKey: join(dir, "server-key.pem"),
  };
  let ca = await readPair(paths.caCert, paths.caKey);
  if (!ca || !stillValid(ca.certPem, now, 0)) {
    ca = await createCa(now);
    await writeAtomic(paths.caKey, ca.keyPem, 0o600);
    await writeAtomic(paths.caCert, ca.certPem, 0o644);
  }
  let server = await readPair(paths.serverCert, paths.serverKey);
  if (!server || !stillValid(server.certPem, now, RENEW_BEFORE_MS) || !issuedBy(server.certPem, ca.certPem)) {
    server = await createServerCertificate(ca, now);
    await writeAtomic(paths.serverKey, server.keyPem, 0o600);
    await writeAtomic(paths.serverCert, server.certPem, 0o644);
  }
  return {
    caCertPem: ca.certPem,
    caCertPath: paths.caCert,
    serverCertPem: server.certPem,
    serverKeyPem: server.keyPem,
    dir,
    temporary: !stateDir,
  };
}

interface PemPair {
  certPem: string;
  keyPem: string;
}

async function readPair(certPath: string, keyPath: string): Promise<PemPair | undefined> {
  try {
    return { certPem: await readFile(certPath, "utf8"), keyPem: await readFile(keyPath, "utf8") };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

function stillValid(pem: string, now: number, margin: number): boolean {
  try {
    return Date.parse(new NodeX509Certificate(pem).validTo) - margin > now;
  } catch {
    return false;
  }
}

function issuedBy(certPem: string, caPem: string): boolean {
  try {
    return new NodeX509Certificate(certPem).checkIssued(new NodeX509Certificate(caPem));
  } catch {
    return false;
  }
}

async function createCa(now: number): Promise<PemPair> {
  const x509 = await loadX509();
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"]);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: "CN=entrakit emulator local CA, O=entrakit",
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 10 * 365 * DAY_MS),
    signingAlgorithm: ALGORITHM,
    keys: keys as unknown as CryptoKeyPair,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as unknown as CryptoKey),
    ],
  });
  return { certPem: cert.toString("pem"), keyPem: await exportKey(keys.privateKey as unknown as CryptoKey) };
}

async function createServerCertificate(ca: PemPair, now: number): Promise<PemPair> {
  const x509 = await loadX509();
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await webcrypto.subtle.importKey("pkcs8", pemBody(ca.keyPem), ALGORITHM, false, ["sign"]);
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"]);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: "CN=localhost",
    issuer: caCert.subject,
    notBefore: new Date(now - DAY_MS),
    // Under 398 days, the limit clients enforce for server certificates.
    notAfter: new Date(now + 397 * DAY_MS),
    signingAlgorithm: ALGORITHM,
    publicKey: keys.publicKey as unknown as CryptoKey,
    signingKey: caKey as unknown as CryptoKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: "dns", value: "localhost" },
        { type: "ip", value: "127.0.0.1" },
        { type: "ip", value: "::1" },
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(caCert, false),
    ],
  });
  return { certPem: cert.toString("pem"), keyPem: await exportKey(keys.privateKey as unknown as CryptoKey) };
}

async function exportKey(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", key as never));
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN PRIVATE KEY-----\n${lines.join("\n")}\n-----END PRIVATE KEY-----\n`;
}

function pemBody(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64");
}

function serial(): string {
  // Positive 16-byte serial (leading nibble < 8 keeps it positive in DER).
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = bytes[0]! & 0x7f;
  return Buffer.from(bytes).toString("hex");
}

async function writeAtomic(path: string, content: string, mode: number): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, content, { mode });
  await rename(temp, path);
}
