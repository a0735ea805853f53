import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CERT_FILE, KEY_FILE, type KeyPair } from '../../../src/webhook/certificate-reloader.js';
import { createCertificateAuthority, createServingCertificate, writeAtomically } from '../../../src/webhook/certs.js';
import { createWebhookServer } from '../../../src/webhook/server.js';
import { HEALTHZ_PATH, VALIDATE_PATH } from '../../../src/webhook/app.js';
import { admissionContext, create, reserve } from './builders.js';
import {
  LogCapture,
  reviewOf,
  send,
  servedFingerprint,
  startServer,
  type HttpResult,
  type LogRecord,
  type RunningServer,
} from './server-harness.js';

const RELOADED = 'serving certificate reloaded';
const RELOAD_FAILED = 'loading the rotated serving certificate failed';

function fingerprintOf(pair: KeyPair): string {
  return new X509Certificate(pair.cert).fingerprint256;
}

function errorMessage(record: LogRecord): string {
  return (record.err as { message?: string } | undefined)?.message ?? '';
}

/** Writes a pair the way a tool that replaces files does: the key first, then the certificate. */
async function writePair(directory: string, pair: KeyPair): Promise<void> {
  await writeAtomically(join(directory, KEY_FILE), pair.key, 0o600);
  await writeAtomically(join(directory, CERT_FILE), pair.cert, 0o644);
}

/** Sends reviews on new connections until stopped, and collects every result or error. */
class RequestLoad {
  readonly results: HttpResult[] = [];
  readonly errors: unknown[] = [];
  private running = true;
  private readonly done: Promise<void>;

  constructor(port: number, caCert: string) {
    const body = JSON.stringify(reviewOf(create(reserve('r'))));
    this.done = (async () => {
      while (this.running) {
        try {
          this.results.push(await send(port, caCert, VALIDATE_PATH, body));
        } catch (error) {
          this.errors.push(error);
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

describe('certificate rotation', () => {
  let running: RunningServer;
  let lastGood: KeyPair;

  beforeAll(async () => {
    running = await startServer({ certificateReload: { debounceMs: 10, intervalMs: 50 } });
    lastGood = {
      cert: await readFile(join(running.certDir, CERT_FILE), 'utf8'),
      key: await readFile(join(running.certDir, KEY_FILE), 'utf8'),
    };
  });

  afterAll(async () => {
    await running.stop();
  });

  test('serves the certificate on disk', async () => {
    expect(await servedFingerprint(running.port, running.caCert)).toBe(fingerprintOf(lastGood));
  });

  test('serves a rotated certificate without a restart', async () => {
    const load = new RequestLoad(running.port, running.caCert);
    const next = createServingCertificate(running.ca);
    const from = running.logs.records.length;

    await writePair(running.certDir, next);
    await running.logs.waitFor(RELOADED, from);
    const served = await servedFingerprint(running.port, running.caCert);
    await load.stop();

    expect(served).toBe(fingerprintOf(next));
    expect(served).not.toBe(fingerprintOf(lastGood));
    expect(load.errors).toEqual([]);
    expect(load.results.length).toBeGreaterThan(0);
    expect(load.results.every((result) => result.status === 200)).toBe(true);
    lastGood = next;
  });

  const brokenPairs: [string, () => KeyPair, string][] = [
    [
      'a key of another certificate',
      () => ({ cert: createServingCertificate(running.ca).cert, key: createServingCertificate(running.ca).key }),
      'does not match the public key',
    ],
    ['an expired certificate', () => createServingCertificate(running.ca, { validityDays: -1 }), 'expired at'],
    [
      'a certificate that is not PEM',
      () => ({ cert: 'not a certificate\n', key: lastGood.key }),
      `${CERT_FILE} is not a valid PEM certificate`,
    ],
    ['a key that is not PEM', () => ({ cert: lastGood.cert, key: 'not a key\n' }), `${KEY_FILE} is not a valid PEM private key`],
  ];

  test.each(brokenPairs)('keeps the last good pair over %s', async (_case, broken, reason) => {
    const load = new RequestLoad(running.port, running.caCert);
    await writePair(running.certDir, broken());
    const from = running.logs.records.length;

    // While the two files are replaced one after the other, a reload may fail for another reason.
    const failure = await running.logs.waitFor(RELOAD_FAILED, from, (record) => errorMessage(record).includes(reason));
    const served = await servedFingerprint(running.port, running.caCert);
    await load.stop();

    expect(errorMessage(failure)).toContain(reason);
    expect(served).toBe(fingerprintOf(lastGood));
    expect(load.errors).toEqual([]);
    expect(load.results.every((result) => result.status === 200)).toBe(true);
  });

  test('keeps the last good pair without a key file', async () => {
    await rm(join(running.certDir, KEY_FILE));
    const from = running.logs.records.length;

    const failure = await running.logs.waitFor(RELOAD_FAILED, from);

    expect((failure.err as { code?: string }).code).toBe('ENOENT');
    expect(await servedFingerprint(running.port, running.caCert)).toBe(fingerprintOf(lastGood));
  });

  test('recovers with a good pair after a broken one', async () => {
    await writePair(running.certDir, { cert: 'not a certificate\n', key: lastGood.key });
    await running.logs.waitFor(RELOAD_FAILED, running.logs.records.length);
    const next = createServingCertificate(running.ca);
    const from = running.logs.records.length;

    await writePair(running.certDir, next);
    await running.logs.waitFor(RELOADED, from);

    expect(await servedFingerprint(running.port, running.caCert)).toBe(fingerprintOf(next));
    lastGood = next;
  });
});

describe('certificate rotation in a Secret volume', () => {
  // A Secret volume keeps each version in a hidden directory, points `..data` at the current
  // one and links tls.crt and tls.key through `..data`. An update swaps `..data` in one rename.
  async function writeVersion(directory: string, version: number, pair: KeyPair): Promise<void> {
    const versionDir = join(directory, `..version-${version}`);
    await mkdir(versionDir);
    await writeFile(join(versionDir, CERT_FILE), pair.cert);
    await writeFile(join(versionDir, KEY_FILE), pair.key);
    await symlink(`..version-${version}`, join(directory, '..data_tmp'));
    await rename(join(directory, '..data_tmp'), join(directory, '..data'));
    if (version > 1) {
      await rm(join(directory, `..version-${version - 1}`), { recursive: true });
    }
  }

  test('reloads on the directory event alone', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'reserve-secret-volume-'));
    const ca = createCertificateAuthority();
    const first = createServingCertificate(ca);
    await writeVersion(directory, 1, first);
    await symlink(join('..data', CERT_FILE), join(directory, CERT_FILE));
    await symlink(join('..data', KEY_FILE), join(directory, KEY_FILE));
    const logs = new LogCapture();
    const context = admissionContext();
    // An hour-long periodic check leaves the directory watch as the only trigger.
    const server = createWebhookServer({
      certDir: directory,
      port: 0,
      host: '127.0.0.1',
      config: context.config,
      getReserveSet: context.getReserveSet,
      logger: logs.logger,
      certificateReload: { debounceMs: 10, intervalMs: 3_600_000 },
    });
    const { port } = await server.start();

    try {
      expect(await servedFingerprint(port, ca.cert)).toBe(fingerprintOf(first));
      const second = createServingCertificate(ca);
      const from = logs.records.length;

      await writeVersion(directory, 2, second);
      await logs.waitFor(RELOADED, from);

      expect(await servedFingerprint(port, ca.cert)).toBe(fingerprintOf(second));
      const health = await send(port, ca.cert, HEALTHZ_PATH, undefined, { method: 'GET' });
      expect(health.status).toBe(200);
    } finally {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    }
  });
});
