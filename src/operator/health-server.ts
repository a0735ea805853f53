// Plain HTTP server for probes and Prometheus: /healthz (the process serves requests),
// /readyz (caches synced and certificates loaded) and /metrics.
import { createServer, type Server } from 'node:http';

import type { Registry } from 'prom-client';

export interface HealthServerOptions {
  host: string;
  port: number;
  registry: Registry;
  /** Returns undefined when ready, or the reason why not. */
  notReadyReason: () => string | undefined;
}

export async function startHealthServer(options: HealthServerOptions): Promise<Server> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    } else if (path === '/readyz') {
      const reason = options.notReadyReason();
      response.writeHead(reason ? 503 : 200, { 'content-type': 'text/plain' }).end(reason ?? 'ok');
    } else if (path === '/metrics') {
      options.registry
        .metrics()
        .then((body) => response.writeHead(200, { 'content-type': options.registry.contentType }).end(body))
        .catch((error: unknown) => response.writeHead(500).end(String(error)));
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  return server;
}
