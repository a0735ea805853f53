// Certificates and keys for the local control plane: one CA signs the apiserver's serving
// certificate and the client certificates of the admin and of each component.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface KeyPair {
  certificatePem: string;
  privateKeyPem: string;
}

export interface ClusterPki {
  ca: KeyPair;
  apiserver: KeyPair;
  admin: KeyPair;
  serviceAccountPrivateKeyPem: string;
  serviceAccountPublicKeyPem: string;
}

const VALIDITY_DAYS = 365;

function newRsaKeys(): { privateKeyPem: string; publicKeyPem: string } {
  // Node's native generator takes milliseconds where node-forge's JavaScript one takes seconds.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

function newCertificate(subject: forge.pki.CertificateField[], publicKeyPem: string): forge.pki.Certificate {
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(publicKeyPem);
  // A positive serial number: the leading 0x01 keeps the two's-complement sign bit clear.
  certificate.serialNumber = '01' + randomBytes(15).toString('hex');
  certificate.validity.notBefore = new Date(Date.now() - 60_000);
  certificate.validity.notAfter = new Date(Date.now() + VALIDITY_DAYS * 24 * 3600 * 1000);
  certificate.setSubject(subject);
  return certificate;
}

function signWith(certificate: forge.pki.Certificate, issuer: KeyPair): string {
  const issuerCertificate = forge.pki.certificateFromPem(issuer.certificatePem);
  certificate.setIssuer(issuerCertificate.subject.attributes);
  certificate.sign(forge.pki.privateKeyFromPem(issuer.privateKeyPem), forge.md.sha256.create());
  return forge.pki.certificateToPem(certificate);
}

function newCa(): KeyPair {
  const keys = newRsaKeys();
  const certificate = newCertificate([{ name: 'commonName', value: 'reserve-local-ca' }], keys.publicKeyPem);
  certificate.setIssuer(certificate.subject.attributes);
  certificate.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
  ]);
  certificate.sign(forge.pki.privateKeyFromPem(keys.privateKeyPem), forge.md.sha256.create());
  return { certificatePem: forge.pki.certificateToPem(certificate), privateKeyPem: keys.privateKeyPem };
}

function newServingPair(ca: KeyPair, dnsNames: string[], ipAddresses: string[]): KeyPair {
  const keys = newRsaKeys();
  const certificate = newCertificate([{ name: 'commonName', value: 'kube-apiserver' }], keys.publicKeyPem);
  certificate.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        ...dnsNames.map((value) => ({ type: 2, value })),
        ...ipAddresses.map((ip) => ({ type: 7, ip })),
      ],
    },
  ]);
  return { certificatePem: signWith(certificate, ca), privateKeyPem: keys.privateKeyPem };
}

/** Creates a client certificate; the apiserver maps CN to the user name and O to groups. */
export function newClientPair(ca: KeyPair, user: string, groups: string[]): KeyPair {
  const keys = newRsaKeys();
  const subject: forge.pki.CertificateField[] = [
    { name: 'commonName', value: user },
    ...groups.map((group) => ({ name: 'organizationName', value: group })),
  ];
  const certificate = newCertificate(subject, keys.publicKeyPem);
  certificate.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', clientAuth: true },
  ]);
  return { certificatePem: signWith(certificate, ca), privateKeyPem: keys.privateKeyPem };
}

export function createClusterPki(): ClusterPki {
  const ca = newCa();
  const serviceAccount = newRsaKeys();
  return {
    ca,
    apiserver: newServingPair(
      ca,
      ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'],
      ['127.0.0.1'],
    ),
    admin: newClientPair(ca, 'reserve-admin', ['system:masters']),
    serviceAccountPrivateKeyPem: serviceAccount.privateKeyPem,
    serviceAccountPublicKeyPem: serviceAccount.publicKeyPem,
  };
}
