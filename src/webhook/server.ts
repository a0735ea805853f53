// The HTTPS server that the apiserver calls, running inside the operator process.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { SecureContextOptions } from 'node:tls';
import type { Logger } from 'pino';
import type { AdmissionConfig, GetReserveSet, SchemaValidators, AdmissionContext } from './admission-context.js';
import { createAdmissionApp } from './app.js';
import { CertificateReloader, type CertificateReloaderOptions, type KeyPair } from './certificate-reloader.js';
import { mutate, validate } from './handlers.js';

export interface WebhookServerOptions {
  /** Directory with tls.crt and tls.key, such as a mounted Secret; rotated files are picked up. */
  certDir: string;
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** Address to listen on. Defaults to 127.0.0.1; in a cluster pass 0.0.0.0 so the Service reaches it. */
  host?: string;
  config: AdmissionConfig;
  getReserveSet: GetReserveSet;
  logger: Logger;
  clock?: () => Date;
  schemaValidators?: SchemaValidators;
  /** Time limit for getReserveSet, in milliseconds. */
  lookupTimeoutMs?: number;
  certificateReload?: CertificateReloaderOptions;
}

export interface WebhookServer {
  /** Loads the certificate and listens; rejects when the certificate is unusable or the port is taken. */
  start(): Promise<AddressInfo>;
  /** Stops accepting connections and waits for open requests to finish. */
  close(): Promise<void>;
  /** True while the server listens with a loaded certificate. */
  ready(): boolean;
}

// The apiserver gives up on a webhook after at most 30 s (timeoutSeconds), so a request
// that takes longer to arrive is not worth waiting for.
const REQUEST_TIMEOUT_MS = 30_000;
const HEADERS_TIMEOUT_MS = 10_000;
const TLS_OPTIONS: SecureContextOptions = { minVersion: 'TLSv1.2' };

export function createWebhookServer(options: WebhookServerOptions): WebhookServer {
  const logger = options.logger.child({ component: 'webhook' });
  const context: AdmissionContext = {
    config: options.config,
    clock: options.clock ?? (() => new Date()),
    getReserveSet: options.getReserveSet,
    schemaValidators: options.schemaValidators,
    lookupTimeoutMs: options.lookupTimeoutMs,
  };
  const app = createAdmissionApp({
    mutate: (request) => mutate(request, context),
    validate: (request) => validate(request, context),
    logger,
  });

  let server: Server | undefined;
  let reloader: CertificateReloader | undefined;
  let listening = false;
  let inFlight = 0;
  let drained: (() => void) | undefined;

  const start = async (): Promise<AddressInfo> => {
    if (server !== undefined) {
      throw new Error('the webhook server is already started');
    }
    let https: Server | undefined;
    const certificates = new CertificateReloader(
      options.certDir,
      (pair: KeyPair) => https?.setSecureContext({ ...TLS_OPTIONS, ...pair }),
      logger,
      options.certificateReload,
    );
    const pair = certificates.start();
    https = createServer(
      { ...TLS_OPTIONS, ...pair, requestTimeout: REQUEST_TIMEOUT_MS, headersTimeout: HEADERS_TIMEOUT_MS },
      app,
    );
    https.on('tlsClientError', (error) => logger.debug({ err: error }, 'TLS handshake failed'));
    https.on('request', (_request, response) => {
      inFlight++;
      response.once('close', () => {
        inFlight--;
        if (inFlight === 0) drained?.();
      });
    });
    server = https;
    reloader = certificates;
    try {
      await listen(https, options.port, options.host ?? '127.0.0.1');
    } catch (error) {
      certificates.stop();
      server = undefined;
      reloader = undefined;
      throw error;
    }
    listening = true;
    const address = https.address() as AddressInfo;
    logger.info({ address: address.address, port: address.port, certDir: options.certDir }, 'webhook server listening');
    return address;
  };

  const close = async (): Promise<void> => {
    const https = server;
    if (https === undefined) {
      return;
    }
    listening = false;
    reloader?.stop();
    server = undefined;
    reloader = undefined;
    await new Promise<void>((resolve) => {
      https.close(() => resolve());
      // The apiserver keeps its connections open for reuse, and Node does not count a TLS
      // connection between requests as idle in every state, so close() alone would wait for
      // the apiserver's own idle timeout (90 s). Requests in flight finish first.
      const closeAll = () => https.closeAllConnections();
      if (inFlight === 0) {
        closeAll();
      } else {
        drained = closeAll;
        setTimeout(closeAll, REQUEST_TIMEOUT_MS).unref();
      }
    });
    drained = undefined;
    logger.info('webhook server stopped');
  };

  return { start, close, ready: () => listening };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
