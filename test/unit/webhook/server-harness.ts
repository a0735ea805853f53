// Starts the real webhook server on 127.0.0.1 with certificates in a temporary directory, and
// sends it requests over TLS the way the apiserver does.
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { pino, type Logger } from 'pino';
import type { AdmissionRequest, AdmissionReview } from '../../../src/webhook/admission-review.js';
import { generateLocalCertificates } from '../../../src/webhook/certs.js';
import { createWebhookServer, type WebhookServer, type WebhookServerOptions } from '../../../src/webhook/server.js';
import { admissionContext, NOW } from './builders.js';

/** One line of the server's JSON log. */
export interface LogRecord {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** A pino logger that keeps its records, so a test can wait for an event the server logs. */
export class LogCapture {
  readonly records: LogRecord[] = [];
  readonly logger: Logger;
  private readonly waiters: { matches: (record: LogRecord) => boolean; resolve: (record: LogRecord) => void }[] = [];

  constructor() {
    this.logger = pino({ level: 'debug' }, { write: (line: string) => this.add(JSON.parse(line) as LogRecord) });
  }

  /**
   * Resolves with the first record, counting from record `from`, whose message contains `text`
   * and that `matches` accepts.
   */
  waitFor(text: string, from = 0, matches: (record: LogRecord) => boolean = () => true): Promise<LogRecord> {
    const accepts = (record: LogRecord) => record.msg.includes(text) && matches(record);
    const found = this.records.slice(from).find(accepts);
    if (found !== undefined) {
      return Promise.resolve(found);
    }
    return new Promise((resolve) => this.waiters.push({ matches: accepts, resolve }));
  }

  private add(record: LogRecord): void {
    this.records.push(record);
    for (const waiter of [...this.waiters]) {
      if (waiter.matches(record)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(record);
      }
    }
  }
}

export interface RunningServer {
  server: WebhookServer;
  port: number;
  /** The CA certificate (PEM) that signed the serving certificate. */
  caCert: string;
  ca: { cert: string; key: string };
  certDir: string;
  logs: LogCapture;
  stop(): Promise<void>;
}

export type ServerOverrides = Partial<Omit<WebhookServerOptions, 'certDir' | 'port' | 'host' | 'logger'>>;

/** Starts the webhook server on 127.0.0.1 with a free port and fresh local certificates. */
export async function startServer(overrides: ServerOverrides = {}): Promise<RunningServer> {
  const certDir = await mkdtemp(join(tmpdir(), 'reserve-webhook-'));
  const certificates = await generateLocalCertificates(certDir);
  const logs = new LogCapture();
  const context = admissionContext();
  const server = createWebhookServer({
    certDir,
    port: 0,
    host: '127.0.0.1',
    config: context.config,
    getReserveSet: context.getReserveSet,
    clock: () => NOW,
    logger: logs.logger,
    ...overrides,
  });
  const address = await server.start();
  return {
    server,
    port: address.port,
    caCert: certificates.caCert,
    ca: certificates.ca,
    certDir,
    logs,
    stop: async () => {
      await server.close();
      await rm(certDir, { recursive: true, force: true });
    },
  };
}

export interface HttpResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface RequestOptions {
  /** Headers besides the default Content-Type application/json. */
  headers?: Record<string, string>;
  /** Sends the body in chunks without a Content-Length. */
  chunked?: boolean;
  method?: string;
}

/** Sends one request on a new TLS connection that trusts only `caCert`. */
export function send(
  port: number,
  caCert: string,
  path: string,
  body: string | Buffer | undefined,
  options: RequestOptions = {},
): Promise<HttpResult> {
  const payload = typeof body === 'string' ? Buffer.from(body) : body;
  const headers: Record<string, string> = { 'Content-Type': 'application/json', ...options.headers };
  if (payload !== undefined && !options.chunked) {
    headers['Content-Length'] = String(payload.length);
  }
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      { host: '127.0.0.1', port, path, method: options.method ?? 'POST', ca: caCert, agent: false, headers },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    if (payload !== undefined && options.chunked) {
      const chunkSize = 64 * 1024;
      for (let offset = 0; offset < payload.length; offset += chunkSize) {
        request.write(payload.subarray(offset, offset + chunkSize));
      }
    } else if (payload !== undefined) {
      request.write(payload);
    }
    request.end();
  });
}

/** Wraps a request in an AdmissionReview v1. */
export function reviewOf(request: AdmissionRequest): AdmissionReview {
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request };
}

/** Posts a review and parses the review in the reply; fails unless the status is 200. */
export async function postReview(running: RunningServer, path: string, request: AdmissionRequest): Promise<AdmissionReview> {
  const result = await send(running.port, running.caCert, path, JSON.stringify(reviewOf(request)));
  expect(result.status).toBe(200);
  return JSON.parse(result.body) as AdmissionReview;
}

/** Returns the SHA-256 fingerprint of the certificate the server presents to a new connection. */
export function servedFingerprint(port: number, caCert: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca: caCert }, () => {
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      socket.end();
      resolve(fingerprint);
    });
    socket.on('error', reject);
  });
}
