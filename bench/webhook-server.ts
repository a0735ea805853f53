// A webhook server for the load test, run as a child process so that it does not share a
// CPU or an event loop with the load generator:
//
//   node --import tsx bench/webhook-server.ts reserve CERT_DIR   reserve's admission server
//   node --import tsx bench/webhook-server.ts bare CERT_DIR      node:https returning a fixed review
//
// Prints {"port": N} on stdout once it listens on 127.0.0.1, and exits on SIGTERM.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import { pino } from 'pino';

import { validateReserve, validateReserveSet } from '../src/schema/validation.js';
import type { ReserveSet } from '../src/schema/types.js';
import { CERT_FILE, createWebhookServer, KEY_FILE } from '../src/webhook/index.js';
import { OPERATOR_USERNAME } from './lib/operator-process.js';
import { reviewReserveSet } from './lib/reviews.js';

/** The response of the bare server to every request: an allowed review with no patch. */
const FIXED_REVIEW = JSON.stringify({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  response: { uid: '00000000-0000-0000-0000-000000000000', allowed: true },
});

async function startReserveServer(certDir: string): Promise<number> {
  const set = reviewReserveSet() as unknown as ReserveSet;
  const server = createWebhookServer({
    certDir,
    port: 0,
    host: '127.0.0.1',
    config: { operatorUsername: OPERATOR_USERNAME, adminGroups: ['system:masters'], maxReplicas: 1000 },
    // The operator reads the set from the apiserver here; an in-memory copy keeps the
    // apiserver out of this measurement.
    getReserveSet: async (namespace, name) => (namespace === set.metadata.namespace && name === set.metadata.name ? set : undefined),
    // The same validators as src/operator/webhooks.ts passes.
    schemaValidators: {
      reserve: (object) => validateReserve(object).map((error) => ({ ...error, value: error.value })),
      reserveSet: (object) => validateReserveSet(object).map((error) => ({ ...error, value: error.value })),
    },
    logger: pino({ level: 'warn' }),
  });
  const address = await server.start();
  process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));
  return address.port;
}

async function startBareServer(certDir: string): Promise<number> {
  const server = createServer(
    { cert: readFileSync(path.join(certDir, CERT_FILE)), key: readFileSync(path.join(certDir, KEY_FILE)), minVersion: 'TLSv1.2' },
    (request, response) => {
      request.resume();
      request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end(FIXED_REVIEW));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.once('SIGTERM', () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
  });
  return (server.address() as AddressInfo).port;
}

async function main(): Promise<void> {
  const [mode, certDir] = process.argv.slice(2);
  if ((mode !== 'reserve' && mode !== 'bare') || !certDir) {
    throw new Error('usage: webhook-server.ts reserve|bare CERT_DIR');
  }
  const port = mode === 'reserve' ? await startReserveServer(certDir) : await startBareServer(certDir);
  process.stdout.write(`${JSON.stringify({ port })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`webhook-server: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
