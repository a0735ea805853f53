// Starts the admission webhook server of this replica and, for local development, creates
// its certificates and registers the webhook configurations that point at it.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

import { isNotFound } from '../client/errors.js';
import type { KubeClient } from '../client/kube-client.js';
import type { ReserveSet } from '../schema/types.js';
import { validateReserve, validateReserveSet } from '../schema/validation.js';
import {
  CA_FILE,
  CERT_FILE,
  createWebhookServer,
  generateLocalCertificates,
  registerWebhooks,
  unregisterWebhooks,
  type WebhookServer,
} from '../webhook/index.js';
import type { OperatorConfig } from './config.js';

export interface RunningWebhooks {
  port: number;
  ready(): boolean;
  close(): Promise<void>;
}

export interface StartWebhooksOptions {
  config: OperatorConfig;
  client: KubeClient;
  logger: Logger;
  registry: Registry;
}

export async function startWebhooks(options: StartWebhooksOptions): Promise<RunningWebhooks> {
  const { config, client, logger } = options;
  if (config.generateCertificates && !existsSync(path.join(config.certDir, CERT_FILE))) {
    await generateLocalCertificates(config.certDir, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    logger.info({ certDir: config.certDir }, 'generated local webhook certificates');
  }

  const server: WebhookServer = createWebhookServer({
    certDir: config.certDir,
    port: config.webhookPort,
    host: config.webhookHost,
    config: { operatorUsername: config.operatorUsername, adminGroups: config.adminGroups, maxReplicas: config.maxReplicas },
    getReserveSet: async (namespace, name): Promise<ReserveSet | undefined> => {
      try {
        return await client.getReserveSet(namespace, name);
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    schemaValidators: {
      reserve: (object) => validateReserve(object).map((error) => ({ ...error, value: error.value })),
      reserveSet: (object) => validateReserveSet(object).map((error) => ({ ...error, value: error.value })),
    },
    logger,
  });
  const address = await server.start();
  logger.info({ host: config.webhookHost, port: address.port }, 'webhook server listening');

  if (config.registerWebhooks) {
    const url = config.webhookUrl ?? `https://127.0.0.1:${address.port}`;
    const caBundle = await readFile(path.join(config.certDir, CA_FILE), 'utf8');
    await registerWebhooks(client.kubeConfig, { endpoint: { url, caBundle }, operatorNamespace: config.operatorNamespace });
    logger.info({ url }, 'registered webhook configurations');
  }
  const close = async (): Promise<void> => {
    // Configurations this process registered point at its own address, and their
    // failurePolicy Fail would reject every Reserve write once it is gone: remove them first.
    if (config.registerWebhooks) {
      await unregisterWebhooks(client.kubeConfig).catch((error: unknown) => {
        logger.warn({ err: error }, 'could not remove the webhook configurations');
      });
    }
    await server.close();
  };
  return { port: address.port, ready: () => server.ready(), close };
}
