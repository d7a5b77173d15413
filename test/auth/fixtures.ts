/**
 * Test-only certificate material: a fresh self-signed RSA certificate and its unencrypted key, in PEM,
 * made with the system `openssl` (no global polyfills needed, unlike @peculiar/x509's tsyringe).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestCertificate {
  certificatePem: string;
  privateKeyPem: string;
}

export function createTestCertificate(commonName = "entrakit-test"): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), "entrakit-cert-"));
  try {
    const key = join(dir, "key.pem");
    const cert = join(dir, "cert.pem");
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        key,
        "-out",
        cert,
        "-subj",
        `/CN=${commonName}`,
        "-days",
        "30",
      ],
      { stdio: "ignore" },
    );
    return { certificatePem: readFileSync(cert, "utf8"), privateKeyPem: readFileSync(key, "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
