// A watch-backed cache of one resource type, restarted with backoff when its watch fails.
import { ListWatch, Watch, type KubeConfig, type KubernetesObject, type ListPromise } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { GROUP } from '../schema/constants.js';
import { statusCode } from './errors.js';

export type ChangeType = 'add' | 'update' | 'delete';
export type ChangeHandler<T> = (type: ChangeType, object: T) => void;

/** Read access to a cache; objects returned must be treated as read-only. */
export interface Store<T> {
  get(namespace: string, name: string): T | undefined;
  list(namespace?: string): T[];
}

export interface InformerOptions<T extends KubernetesObject> {
  /** Resource name for logs, e.g. "pods". */
  resource: string;
  kubeConfig: KubeConfig;
  /** Watch path, e.g. /api/v1/pods or /apis/pool.w-h-a.io/v1alpha1/namespaces/ns/reserves. */
  path: string;
  list: ListPromise<T>;
  labelSelector?: string;
  logger: Logger;
  /**
   * Delay before a watch event reaches the cache and the handlers. Zero in production; tests
   * raise it to reproduce a cache that lags behind the apiserver.
   */
  lagMs?: number;
  minRestartDelayMs?: number;
  maxRestartDelayMs?: number;
}

const key = (namespace: string | undefined, name: string | undefined) => `${namespace ?? ''}/${name ?? ''}`;

export class Informer<T extends KubernetesObject> implements Store<T> {
  private readonly objects = new Map<string, T>();
  private readonly handlers: ChangeHandler<T>[] = [];
  private readonly listWatch: ListWatch<T>;
  private restartDelayMs: number;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private synced = false;
  private errors = 0;

  constructor(private readonly options: InformerOptions<T>) {
    this.restartDelayMs = options.minRestartDelayMs ?? 1000;
    const watch = new Watch(options.kubeConfig);
    this.listWatch = new ListWatch(options.path, watch, options.list, false, options.labelSelector);
    this.listWatch.on('add', (object) => this.deliver('add', object));
    this.listWatch.on('update', (object) => this.deliver('update', object));
    this.listWatch.on('delete', (object) => this.deliver('delete', object));
    this.listWatch.on('error', (error: unknown) => {
      this.errors++;
      this.scheduleRestart(error);
    });
  }

  onChange(handler: ChangeHandler<T>): void {
    this.handlers.push(handler);
  }

  /** Lists, fills the cache and starts watching; resolves once the cache holds the list. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.listAndWatch();
  }

  // ListWatch reports a failed list through its error event, not by rejecting, so the cache
  // counts as synced only after a start during which no error arrived.
  private async listAndWatch(): Promise<void> {
    const errorsBefore = this.errors;
    await this.listWatch.start();
    if (this.errors !== errorsBefore) return;
    if (this.options.lagMs) await new Promise((resolve) => setTimeout(resolve, this.options.lagMs));
    this.synced = true;
    this.restartDelayMs = this.options.minRestartDelayMs ?? 1000;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    await this.listWatch.stop();
  }

  hasSynced(): boolean {
    return this.synced;
  }

  get(namespace: string, name: string): T | undefined {
    return this.objects.get(key(namespace, name));
  }

  list(namespace?: string): T[] {
    const all = [...this.objects.values()];
    return namespace === undefined ? all : all.filter((object) => object.metadata?.namespace === namespace);
  }

  private deliver(type: ChangeType, object: T): void {
    if (this.options.lagMs) {
      setTimeout(() => this.apply(type, object), this.options.lagMs);
    } else {
      this.apply(type, object);
    }
  }

  private apply(type: ChangeType, object: T): void {
    const objectKey = key(object.metadata?.namespace, object.metadata?.name);
    if (type === 'delete') this.objects.delete(objectKey);
    else this.objects.set(objectKey, object);
    for (const handler of this.handlers) {
      try {
        handler(type, object);
      } catch (error) {
        this.options.logger.error({ err: error, resource: this.options.resource }, 'informer handler failed');
      }
    }
  }

  // ListWatch stops for good on any error but 410 Gone and a client-side timeout, so the
  // informer restarts it, backing off up to maxRestartDelayMs while the error persists.
  private scheduleRestart(error: unknown): void {
    if (this.stopped) return;
    const delayMs = this.restartDelayMs;
    this.restartDelayMs = Math.min(delayMs * 2, this.options.maxRestartDelayMs ?? 60_000);
    const hint =
      statusCode(error) === 404 && this.options.path.includes(GROUP)
        ? 'the reserve CRDs are not installed: kubectl apply --server-side -f manifests/crds'
        : undefined;
    this.options.logger.warn({ err: error, resource: this.options.resource, delayMs, hint }, 'watch failed, restarting');
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      if (this.stopped) return;
      this.listAndWatch().catch((restartError: unknown) => this.scheduleRestart(restartError));
    }, delayMs);
  }
}
