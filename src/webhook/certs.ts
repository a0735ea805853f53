// Self-signed certificates for running the webhook outside a cluster, where no
// cert-manager issues them: a CA, and a serving certificate it signs.
import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import forge from 'node-forge';
import { CA_FILE, CERT_FILE, KEY_FILE, type KeyPair } from './certificate-reloader.js';

export interface ServingCertificateOptions {
  /** DNS names besides `localhost`, e.g. `reserve-webhook.reserve-system.svc`. */
  dnsNames?: readonly string[];
  /** IP addresses besides 127.0.0.1. */
  ipAddresses?: readonly string[];
  /** Validity in days. */
  validityDays?: number;
}

export interface LocalCertificates {
  /** The CA certificate (PEM), for the caBundle of the webhook configurations. */
  caCert: string;
  ca: KeyPair;
  serving: KeyPair;
}

const RSA_BITS = 2048;
const DEFAULT_CA_VALIDITY_DAYS = 3650;
const DEFAULT_SERVING_VALIDITY_DAYS = 365;
// Tolerates clocks that run slightly behind this one, such as the apiserver's.
const CLOCK_SKEW_MS = 5 * 60 * 1000;
const SUBJECT_ALT_NAME_DNS = 2;
const SUBJECT_ALT_NAME_IP = 7;

export function createCertificateAuthority(validityDays = DEFAULT_CA_VALIDITY_DAYS): KeyPair {
  const keys = forge.pki.rsa.generateKeyPair({ bits: RSA_BITS });
  const certificate = newCertificate(keys.publicKey, validityDays);
  const subject = [{ name: 'commonName', value: 'reserve webhook CA' }];
  certificate.setSubject(subject);
  certificate.setIssuer(subject);
  certificate.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  certificate.sign(keys.privateKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(certificate), key: forge.pki.privateKeyToPem(keys.privateKey) };
}

/** Creates a serving certificate signed by `ca` for localhost, 127.0.0.1 and the given names. */
export function createServingCertificate(ca: KeyPair, options: ServingCertificateOptions = {}): KeyPair {
  const caCertificate = forge.pki.certificateFromPem(ca.cert);
  const caKey = forge.pki.privateKeyFromPem(ca.key);
  const keys = forge.pki.rsa.generateKeyPair({ bits: RSA_BITS });
  const certificate = newCertificate(keys.publicKey, options.validityDays ?? DEFAULT_SERVING_VALIDITY_DAYS);
  const dnsNames = unique(['localhost', ...(options.dnsNames ?? [])]);
  const ipAddresses = unique(['127.0.0.1', ...(options.ipAddresses ?? [])]);
  certificate.setSubject([{ name: 'commonName', value: dnsNames.at(-1) ?? 'localhost' }]);
  certificate.setIssuer(caCertificate.subject.attributes);
  certificate.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        ...dnsNames.map((value) => ({ type: SUBJECT_ALT_NAME_DNS, value })),
        ...ipAddresses.map((ip) => ({ type: SUBJECT_ALT_NAME_IP, ip })),
      ],
    },
  ]);
  certificate.sign(caKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(certificate), key: forge.pki.privateKeyToPem(keys.privateKey) };
}

/**
 * Creates a CA and a serving certificate and writes tls.crt, tls.key and ca.crt to
 * `directory`. Each file is written to a temporary name and renamed, so a watching server
 * never reads half a file.
 */
export async function generateLocalCertificates(
  directory: string,
  options: ServingCertificateOptions = {},
): Promise<LocalCertificates> {
  const ca = createCertificateAuthority();
  const serving = createServingCertificate(ca, options);
  await mkdir(directory, { recursive: true });
  await writeAtomically(join(directory, CA_FILE), ca.cert, 0o644);
  await writeAtomically(join(directory, KEY_FILE), serving.key, 0o600);
  await writeAtomically(join(directory, CERT_FILE), serving.cert, 0o644);
  return { caCert: ca.cert, ca, serving };
}

export async function writeAtomically(path: string, content: string, mode: number): Promise<void> {
  const temporary = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, content, { mode });
  await rename(temporary, path);
}

function newCertificate(publicKey: forge.pki.PublicKey, validityDays: number): forge.pki.Certificate {
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = publicKey;
  certificate.serialNumber = randomSerialNumber();
  const now = Date.now();
  certificate.validity.notBefore = new Date(now - CLOCK_SKEW_MS);
  certificate.validity.notAfter = new Date(now + validityDays * 24 * 60 * 60 * 1000);
  return certificate;
}

// RFC 5280 serial numbers are positive and DER integers minimal, which Go's x509 parser (and
// so the apiserver) enforces: a first byte in 0x40..0x7f is neither negative nor padding.
function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x3f) | 0x40;
  return bytes.toString('hex');
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
