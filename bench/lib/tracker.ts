// Records, from watches, when each Pod and Reserve of a namespace was first seen and when it
// first reached the states the claim benchmark times. All times are performance.now() in
// the driver at the arrival of the watch event, so every figure includes the same watch
// delivery delay.
import { RESERVESET_LABEL } from '../../src/schema/constants.js';
import type { ApiServer, KubeObject, Watcher } from './apiserver.js';
import { hasTrueCondition, podsPath, reservesPath } from './objects.js';
import { sleep } from './operator-process.js';

export interface Tracked {
  name: string;
  labels: Record<string, string>;
  addedAt: number;
  /** Pods: Ready. Reserves: claimed and Running with Ready=True. */
  readyAt?: number;
  /** Reserves only: a warm member of its set, labelled with the set. */
  warmAt?: number;
  /** Pods only: bound to a node (spec.nodeName set). */
  scheduledAt?: number;
  deleted: boolean;
  /** The latest copy of the object. */
  object: KubeObject;
}

export class NamespaceTracker {
  readonly pods = new Map<string, Tracked>();
  readonly reserves = new Map<string, Tracked>();
  private watchers: Watcher[] = [];

  constructor(
    private readonly api: ApiServer,
    private readonly namespace: string,
  ) {}

  /** Opens both watches; resolves once the apiserver accepted them. */
  async start(): Promise<void> {
    this.watchers = await Promise.all([
      this.api.watch(podsPath(this.namespace), (type, object) => this.record(this.pods, type, object, isPodReady, () => false)),
      this.api.watch(reservesPath(this.namespace), (type, object) =>
        this.record(this.reserves, type, object, isClaimedAndRunning, isWarmMember),
      ),
    ]);
  }

  stop(): void {
    for (const watcher of this.watchers) watcher.stop();
  }

  /** Returns the Pod or Reserve named `name` that was first seen after `since`. */
  latest(kind: 'pods' | 'reserves', name: string, since = Number.NEGATIVE_INFINITY): Tracked | undefined {
    let found: Tracked | undefined;
    for (const tracked of this[kind].values()) {
      if (tracked.name === name && tracked.addedAt >= since && (!found || tracked.addedAt > found.addedAt)) found = tracked;
    }
    return found;
  }

  /** Names of the current warm members of a set. */
  warmMembers(setName: string): string[] {
    return [...this.reserves.values()]
      .filter((tracked) => !tracked.deleted && isWarmMember(tracked.object) && tracked.labels[RESERVESET_LABEL] === setName)
      .map((tracked) => tracked.name)
      .sort();
  }

  /** Polls until check returns true; throws naming `description` after timeoutMs. */
  async waitFor(description: string, timeoutMs: number, check: () => boolean): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!check()) {
      if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${description}`);
      await sleep(20);
    }
  }

  private record(
    map: Map<string, Tracked>,
    type: string,
    object: KubeObject,
    isReady: (object: KubeObject) => boolean,
    isWarm: (object: KubeObject) => boolean,
  ): void {
    const now = performance.now();
    const uid = object.metadata?.uid ?? '';
    let tracked = map.get(uid);
    if (!tracked) {
      tracked = { name: object.metadata?.name ?? '', labels: {}, addedAt: now, deleted: false, object };
      map.set(uid, tracked);
    }
    tracked.object = object;
    tracked.labels = object.metadata?.labels ?? {};
    if (type === 'DELETED') {
      tracked.deleted = true;
      return;
    }
    if (tracked.scheduledAt === undefined && object.spec?.nodeName !== undefined) tracked.scheduledAt = now;
    if (tracked.readyAt === undefined && isReady(object)) tracked.readyAt = now;
    if (tracked.warmAt === undefined && isWarm(object)) tracked.warmAt = now;
  }
}

export function isPodReady(pod: KubeObject): boolean {
  return pod.metadata?.deletionTimestamp === undefined && hasTrueCondition(pod, 'Ready');
}

/**
 * Checks for a claimed Reserve whose Pod is Ready. The phase matters, because a paused
 * Reserve reports Ready=True too (reason Paused), and a just-claimed member keeps that
 * status until the operator acts.
 */
export function isClaimedAndRunning(reserve: KubeObject): boolean {
  return reserve.spec?.claim !== undefined && reserve.status?.phase === 'Running' && hasTrueCondition(reserve, 'Ready');
}

/** Checks for a warm member: labelled with its set, paused after its first boot, its Pod gone. */
export function isWarmMember(reserve: KubeObject): boolean {
  return (
    reserve.metadata?.labels?.[RESERVESET_LABEL] !== undefined &&
    reserve.metadata.deletionTimestamp === undefined &&
    reserve.spec?.paused === true &&
    reserve.spec.claim === undefined &&
    reserve.status?.phase === 'Paused' &&
    reserve.status.firstReadyTime !== undefined
  );
}
