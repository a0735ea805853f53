// The operator process: webhook server on every replica, controllers on the elected leader,
// and a probe and metrics server. main.ts runs it; integration tests run it in process.
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { hostname } from 'node:os';

import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';

import { createCaches } from '../client/caches.js';
import { EventRecorder } from '../client/events.js';
import { KubeClient } from '../client/kube-client.js';
import { ControllerManager } from '../reconcile/manager.js';
import { createMetrics, type Metrics } from '../reconcile/metrics.js';
import type { FailureBackoff } from '../reconcile/reserve/backoff.js';
import { ReserveController } from '../reconcile/reserve/controller.js';
import { ReserveSetController } from '../reconcile/reserveset/controller.js';
import { TokenBucket } from '../reconcile/token-bucket.js';
import type { OperatorConfig } from './config.js';
import { startHealthServer } from './health-server.js';
import { LeaderElector } from './leader-election.js';
import { startWebhooks, type RunningWebhooks } from './webhooks.js';

export interface OperatorOptions {
  config: OperatorConfig;
  kubeConfig: KubeConfig;
  logger: Logger;
  /** Delay of watch events reaching the caches; tests raise it to simulate a lagging cache. */
  cacheLagMs?: number;
  /** Skip the webhook server, for tests of the controllers alone. */
  disableWebhooks?: boolean;
  /** Skip the probe and metrics server, for tests that run several operators in one process. */
  disableHealthServer?: boolean;
  /** Backoff between failed Pods of a Reserve; tests shorten it. */
  failureBackoff?: FailureBackoff;
}

export class Operator {
  readonly registry = new Registry();
  readonly metrics: Metrics;
  readonly client: KubeClient;
  readonly identity = `${hostname()}-${randomBytes(4).toString('hex')}`;
  private readonly createBucket: TokenBucket;
  private manager: ControllerManager | undefined;
  private elector: LeaderElector | undefined;
  private webhooks: RunningWebhooks | undefined;
  private healthServer: Server | undefined;
  private managerTransition: Promise<void> = Promise.resolve();
  private started = false;

  constructor(private readonly options: OperatorOptions) {
    collectDefaultMetrics({ register: this.registry });
    this.metrics = createMetrics(this.registry);
    this.client = new KubeClient(options.kubeConfig, (verb, resource) => this.metrics.apiWrites.inc({ verb, resource }));
    this.createBucket = new TokenBucket({ ratePerSecond: options.config.createRate, burst: options.config.createBurst });
  }

  get logger(): Logger {
    return this.options.logger;
  }

  /** True while this replica runs the controllers. */
  isLeading(): boolean {
    return this.manager !== undefined;
  }

  /** The controller manager while leading, for tests that inspect queues. */
  controllerManager(): ControllerManager | undefined {
    return this.manager;
  }

  async start(): Promise<void> {
    const { config, logger } = this.options;
    if (!this.options.disableHealthServer) {
      this.healthServer = await startHealthServer({
        host: config.healthHost,
        port: config.healthPort,
        registry: this.registry,
        notReadyReason: () => this.notReadyReason(),
      });
    }
    if (!this.options.disableWebhooks) {
      this.webhooks = await startWebhooks({ config, client: this.client, logger, registry: this.registry });
    }
    if (config.leaderElect) {
      this.elector = new LeaderElector({
        api: this.client.coordination,
        namespace: config.operatorNamespace,
        name: config.leaseName,
        identity: this.identity,
        logger,
        onStartedLeading: () => this.transition(() => this.startControllers()),
        onStoppedLeading: () => {
          this.manager?.cancelStart();
          return this.transition(() => this.stopControllers());
        },
      });
      this.elector.start();
    } else {
      await this.transition(() => this.startControllers());
    }
    this.started = true;
    logger.info({ identity: this.identity, leaderElect: config.leaderElect, namespaces: config.namespaces }, 'operator started');
  }

  /** Stops taking work, finishes reconciles and requests in flight, and releases the lease. */
  async stop(): Promise<void> {
    await this.elector?.stop();
    this.manager?.cancelStart();
    await this.transition(() => this.stopControllers());
    await this.webhooks?.close();
    await new Promise<void>((resolve) => (this.healthServer ? this.healthServer.close(() => resolve()) : resolve()));
    this.options.logger.info({ identity: this.identity }, 'operator stopped');
  }

  notReadyReason(): string | undefined {
    if (!this.started) return 'starting';
    if (this.webhooks && !this.webhooks.ready()) return 'webhook certificates not loaded';
    if (this.manager && !this.manager.hasSynced()) return 'caches not synced';
    return undefined;
  }

  // Leadership callbacks may fire while a start or stop is still running; chaining them
  // keeps at most one manager alive.
  private transition(step: () => Promise<void>): Promise<void> {
    this.managerTransition = this.managerTransition.then(step, step);
    return this.managerTransition;
  }

  private async startControllers(): Promise<void> {
    if (this.manager) return;
    const { config, logger, cacheLagMs } = this.options;
    const caches = createCaches(this.client, { namespaces: config.namespaces, logger, lagMs: cacheLagMs });
    const events = new EventRecorder(this.client, 'reserve-operator', logger);
    const reserveController = new ReserveController({
      client: this.client,
      reserves: caches.reserves,
      pods: caches.pods,
      pvcs: caches.pvcs,
      events,
      logger: logger.child({ controller: 'reserve' }),
      metrics: this.metrics,
      failureBackoff: this.options.failureBackoff,
    });
    const reserveSetController = new ReserveSetController({
      client: this.client,
      reserveSets: caches.reserveSets,
      reserves: caches.reserves,
      events,
      logger: logger.child({ controller: 'reserveset' }),
      createBucket: this.createBucket,
      metrics: this.metrics,
    });
    this.manager = new ControllerManager({
      caches,
      reserveController,
      reserveSetController,
      logger,
      workers: config.workers,
      resyncPeriodMs: config.resyncPeriodSeconds * 1000,
      observer: {
        reconciled: (controller, seconds, outcome) => {
          this.metrics.reconcileTotal.inc({ controller, outcome });
          this.metrics.reconcileDuration.observe({ controller }, seconds);
          if (outcome === 'error') this.metrics.reconcileErrors.inc({ controller });
        },
      },
    });
    try {
      await this.manager.start();
    } catch (error) {
      // Leave no half-started manager behind, so the next leadership starts a fresh one.
      const manager = this.manager;
      this.manager = undefined;
      await manager.stop().catch(() => undefined);
      throw error;
    }
  }

  private async stopControllers(): Promise<void> {
    const manager = this.manager;
    this.manager = undefined;
    await manager?.stop();
  }
}
