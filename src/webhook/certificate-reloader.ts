// Loads the serving key pair from a directory and reloads it when the files change.
//
// A Secret volume updates by swapping its `..data` symlink to a new directory, which fires
// events on the directory but not on the old files, so the directory is watched. A periodic
// check covers events that a file system does not report. A pair that fails to load leaves
// the current one in place.
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from 'pino';

export const CERT_FILE = 'tls.crt';
export const KEY_FILE = 'tls.key';
export const CA_FILE = 'ca.crt';

/** A PEM certificate (chain) and its PEM private key. */
export interface KeyPair {
  cert: string;
  key: string;
}

export interface CertificateReloaderOptions {
  /** Wait after the last file event before reloading, in milliseconds, so that both files are in place. */
  debounceMs?: number;
  /** Interval of the periodic check, in milliseconds. */
  intervalMs?: number;
}

const DEFAULT_DEBOUNCE_MS = 200;
const DEFAULT_INTERVAL_MS = 60_000;

/** Reads tls.crt and tls.key from a directory; throws when they are unreadable, mismatched or expired. */
export function loadKeyPair(directory: string): KeyPair {
  const pair = {
    cert: readFileSync(join(directory, CERT_FILE), 'utf8'),
    key: readFileSync(join(directory, KEY_FILE), 'utf8'),
  };
  checkKeyPair(pair, directory);
  return pair;
}

async function readKeyPair(directory: string): Promise<KeyPair> {
  const [cert, key] = await Promise.all([
    readFile(join(directory, CERT_FILE), 'utf8'),
    readFile(join(directory, KEY_FILE), 'utf8'),
  ]);
  const pair = { cert, key };
  checkKeyPair(pair, directory);
  return pair;
}

function checkKeyPair(pair: KeyPair, directory: string): void {
  const certificate = parsePem(() => new X509Certificate(pair.cert), join(directory, CERT_FILE), 'certificate');
  const privateKey = parsePem(() => createPrivateKey(pair.key), join(directory, KEY_FILE), 'private key');
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new Error(`${join(directory, KEY_FILE)} does not match the public key of ${join(directory, CERT_FILE)}`);
  }
  if (Date.parse(certificate.validTo) < Date.now()) {
    throw new Error(`${join(directory, CERT_FILE)} expired at ${certificate.validTo}`);
  }
}

// Names the file in a parse error, which OpenSSL reports only as e.g. `PEM routines::no start line`.
function parsePem<T>(parse: () => T, path: string, description: string): T {
  try {
    return parse();
  } catch (error) {
    throw new Error(`${path} is not a valid PEM ${description}: ${(error as Error).message}`, { cause: error });
  }
}

export class CertificateReloader {
  private current: KeyPair | undefined;
  private watcher: FSWatcher | undefined;
  private debounceTimer: NodeJS.Timeout | undefined;
  private intervalTimer: NodeJS.Timeout | undefined;
  private reloading: Promise<void> = Promise.resolve();

  constructor(
    private readonly directory: string,
    private readonly apply: (pair: KeyPair) => void,
    private readonly logger: Logger,
    private readonly options: CertificateReloaderOptions = {},
  ) {}

  /** Loads the current pair (throwing when it is unusable) and starts watching for new ones. */
  start(): KeyPair {
    const pair = loadKeyPair(this.directory);
    this.current = pair;
    this.watch();
    this.intervalTimer = setInterval(() => this.scheduleReload(0), this.options.intervalMs ?? DEFAULT_INTERVAL_MS);
    this.intervalTimer.unref();
    return pair;
  }

  stop(): void {
    this.watcher?.close();
    this.watcher = undefined;
    clearTimeout(this.debounceTimer);
    clearInterval(this.intervalTimer);
  }

  /** Resolves when the reloads scheduled so far have finished; for tests and shutdown. */
  async settled(): Promise<void> {
    await this.reloading;
  }

  private watch(): void {
    try {
      this.watcher = watch(this.directory, () => this.scheduleReload(this.options.debounceMs ?? DEFAULT_DEBOUNCE_MS));
      this.watcher.on('error', (error) => {
        this.logger.error({ err: error, directory: this.directory }, 'watching the certificate directory failed; relying on the periodic check');
      });
    } catch (error) {
      this.logger.error({ err: error, directory: this.directory }, 'watching the certificate directory failed; relying on the periodic check');
    }
  }

  private scheduleReload(delayMs: number): void {
    clearTimeout(this.debounceTimer);
    this.debounceTimer = setTimeout(() => {
      this.reloading = this.reloading.then(() => this.reload());
    }, delayMs);
    this.debounceTimer.unref();
  }

  private async reload(): Promise<void> {
    let pair: KeyPair;
    try {
      pair = await readKeyPair(this.directory);
    } catch (error) {
      this.logger.error({ err: error, directory: this.directory }, 'loading the rotated serving certificate failed; keeping the current one');
      return;
    }
    if (pair.cert === this.current?.cert && pair.key === this.current.key) {
      return;
    }
    try {
      this.apply(pair);
    } catch (error) {
      this.logger.error({ err: error, directory: this.directory }, 'applying the rotated serving certificate failed; keeping the current one');
      return;
    }
    this.current = pair;
    this.logger.info({ directory: this.directory, validTo: new X509Certificate(pair.cert).validTo }, 'serving certificate reloaded');
  }
}
