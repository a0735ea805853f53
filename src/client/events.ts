// Records Kubernetes Events for what users must see in `kubectl describe`.
import { randomBytes } from 'node:crypto';

import type { Logger } from 'pino';

import type { KubeClient } from './kube-client.js';
import { isNamespaceTerminating } from './errors.js';

export interface EventTarget {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

export type EventType = 'Normal' | 'Warning';

/** Same event about the same object within this window is sent once. */
const DEDUPLICATION_WINDOW_MS = 60_000;

export class EventRecorder {
  private readonly recent = new Map<string, number>();

  constructor(
    private readonly client: KubeClient,
    private readonly component: string,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Sends an Event without waiting; a failure is logged and never fails the caller. */
  record(target: EventTarget, type: EventType, reason: string, message: string): void {
    const dedupeKey = `${target.metadata.uid}/${type}/${reason}/${message}`;
    const last = this.recent.get(dedupeKey);
    if (last !== undefined && this.now() - last < DEDUPLICATION_WINDOW_MS) return;
    this.recent.set(dedupeKey, this.now());
    this.prune();

    const timestamp = new Date(this.now());
    const namespace = target.metadata.namespace ?? 'default';
    this.client
      .createEvent({
        metadata: { name: `${target.metadata.name}.${randomBytes(8).toString('hex')}`, namespace },
        involvedObject: {
          apiVersion: target.apiVersion,
          kind: target.kind,
          name: target.metadata.name,
          namespace,
          uid: target.metadata.uid,
          resourceVersion: target.metadata.resourceVersion,
        },
        type,
        reason,
        message,
        source: { component: this.component },
        reportingComponent: this.component,
        firstTimestamp: timestamp,
        lastTimestamp: timestamp,
        count: 1,
      })
      .catch((error: unknown) => {
        if (isNamespaceTerminating(error)) return;
        this.logger.warn({ err: error, namespace, name: target.metadata.name, reason }, 'failed to record event');
      });
  }

  private prune(): void {
    if (this.recent.size < 10_000) return;
    const cutoff = this.now() - DEDUPLICATION_WINDOW_MS;
    for (const [key, time] of this.recent) if (time < cutoff) this.recent.delete(key);
  }
}
