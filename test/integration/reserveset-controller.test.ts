// The ReserveSet controller against the local control plane: members really booted on kwok
// nodes, paused, claimed through the webhooks with an impersonated user, and replaced.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { Operator } from '../../src/operator/operator.js';
import { RESERVESET_LABEL, TEMPLATE_HASH_LABEL } from '../../src/schema/constants.js';
import type { Reserve } from '../../src/schema/types.js';
import { REPO_ROOT, installCrds, kubectl, kubectlOk, useNamespace, waitFor } from './setup/harness.js';
import { Api, BOOT_DELAY_ANNOTATION, FAILURE_ANNOTATION, reserveSet, withPodAnnotation } from './setup/objects.js';
import { startOperator } from './setup/operator.js';

const CLAIMER = { as: 'alice', asGroups: ['agent-users'] };
const PVC = (name: string) => `model-cache-${name}`;

const fastBoot = withPodAnnotation(BOOT_DELAY_ANNOTATION, '1s');
const isWarm = (member: Reserve) => member.spec.paused === true && member.status?.phase === 'Paused' && member.status.firstReadyTime !== undefined;

describe('ReserveSet controller', () => {
  const namespace = useNamespace('reserveset');
  const api = new Api(namespace);
  let operator: Operator | undefined;

  const start = async (options: Parameters<typeof startOperator>[1] = {}) => {
    operator = await startOperator([namespace()], {
      disableWebhooks: false,
      // Pods of the broken set fail at once; two failures in a row stall their Reserve.
      failureBackoff: { initialDelayMs: 500, maxDelayMs: 1000, stallThreshold: 2 },
      ...options,
      config: {
        registerWebhooks: true,
        generateCertificates: true,
        certDir: mkdtempSync(path.join(tmpdir(), 'reserve-certs-')),
        webhookHost: '127.0.0.1',
        webhookPort: 0,
        ...options.config,
      },
    });
  };
  const stop = async () => {
    await operator?.stop();
    operator = undefined;
  };

  beforeAll(async () => {
    await installCrds();
    await kubectlOk(['apply', '-f', path.join(REPO_ROOT, 'examples', 'claimer-rbac.yaml')], { namespace: namespace() });
    await start();
  });
  afterAll(stop);

  /** Members the set controls, read from the apiserver rather than from a cache. */
  const members = async (setName: string) => (await api.listReserves(`${RESERVESET_LABEL}=${setName}`)).filter((member) => !member.spec.claim);
  const warmMembers = async (setName: string, count: number) =>
    waitFor(
      async () => {
        const all = await members(setName);
        const warm = all.filter(isWarm);
        const set = await api.getReserveSet(setName);
        return warm.length === count && all.length === count && set?.status?.warmReplicas === count ? warm : undefined;
      },
      { description: `ReserveSet ${setName} to have exactly ${count} warm members`, timeoutMs: 90_000 },
    );
  const claim = (name: string, as = CLAIMER) =>
    kubectl(['patch', 'reserve', name, '--type', 'merge', '-p', '{"spec":{"paused":false}}'], { namespace: namespace(), ...as });

  test('fills 10 warm members without Pods', async () => {
    await api.createReserveSet(reserveSet('pool', 10, fastBoot));
    const warm = await warmMembers('pool', 10);

    expect(await api.allPods()).toEqual([]);
    for (const member of warm) {
      expect(member.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'ReserveSet', name: 'pool', controller: true });
      expect((await api.pvc(PVC(member.metadata.name!)))?.status?.phase).toBe('Bound');
    }
    const set = await api.getReserveSet('pool');
    expect(set?.status).toMatchObject({ replicas: 10, warmReplicas: 10, warmingReplicas: 0, observedGeneration: set?.metadata.generation });
    expect(set?.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True', reason: 'PoolWarm' });
  });

  test('claims run on their PVCs and refill', async () => {
    const warm = (await members('pool')).filter(isWarm).slice(0, 3);
    const pvcUids = new Map<string, string | undefined>();
    for (const member of warm) {
      pvcUids.set(member.metadata.name!, (await api.pvc(PVC(member.metadata.name!)))?.metadata?.uid);
      const result = await claim(member.metadata.name!);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    }

    for (const [name, pvcUid] of pvcUids) {
      const claimed = await waitFor(async () => {
        const reserve = await api.getReserve(name);
        return reserve?.status?.phase === 'Running' ? reserve : undefined;
      }, { description: `claimed Reserve ${name} to run` });
      expect(claimed.spec.claim).toMatchObject({ user: 'alice', groups: expect.arrayContaining(['agent-users']), reserveSet: 'pool' });
      expect(claimed.metadata.ownerReferences ?? []).toEqual([]);
      expect(claimed.metadata.labels?.[RESERVESET_LABEL]).toBeUndefined();
      expect((await api.pvc(PVC(name)))?.metadata?.uid).toBe(pvcUid);
    }

    const refilled = await warmMembers('pool', 10);
    expect(refilled.map((member) => member.metadata.name)).not.toEqual(expect.arrayContaining([...pvcUids.keys()]));
    const set = await waitFor(async () => {
      const current = await api.getReserveSet('pool');
      return current?.status?.claimedReplicas === 3 ? current : undefined;
    }, { description: 'status.claimedReplicas to count the claims' });
    expect(set.status?.replicas).toBe(10);
  });

  test('second claimant is denied', async () => {
    const [claimed] = (await api.listReserves()).filter((reserve) => reserve.spec.claim);
    const result = await claim(claimed!.metadata.name!, { as: 'bob', asGroups: ['agent-users'] });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('Forbidden');
    expect(result.stderr).toContain('"alice"');
  });

  test('scale-down deletes only unclaimed members', async () => {
    const claimedBefore = (await api.listReserves()).filter((reserve) => reserve.spec.claim).map((r) => r.metadata.uid);
    await api.patchReserveSet('pool', { spec: { replicas: 2 } });
    await warmMembers('pool', 2);

    const claimedAfter = (await api.listReserves()).filter((reserve) => reserve.spec.claim);
    expect(claimedAfter.map((r) => r.metadata.uid).sort()).toEqual([...claimedBefore].sort());
    expect(claimedAfter.every((reserve) => reserve.status?.phase === 'Running')).toBe(true);
  });

  test('template change replaces unclaimed members', async () => {
    const oldHash = (await api.getReserveSet('pool'))?.status?.templateHash;
    const claimedBefore = (await api.listReserves()).filter((reserve) => reserve.spec.claim);
    await api.patchReserveSet('pool', {
      spec: { template: { metadata: { labels: { app: 'agent', revision: 'two' } } } },
    });

    const set = await waitFor(async () => {
      const current = await api.getReserveSet('pool');
      return current?.status?.templateHash !== oldHash && current?.status?.updatedReplicas === 2 && current.status.warmReplicas === 2
        ? current
        : undefined;
    }, { description: 'every unclaimed member to be rebuilt from the new template', timeoutMs: 90_000 });
    const current = await members('pool');
    expect(current.map((member) => member.metadata.labels?.[TEMPLATE_HASH_LABEL])).toEqual([set.status?.templateHash, set.status?.templateHash]);

    const claimedAfter = (await api.listReserves()).filter((reserve) => reserve.spec.claim);
    expect(claimedAfter.map((r) => `${r.metadata.uid}/${r.metadata.generation}`).sort()).toEqual(
      claimedBefore.map((r) => `${r.metadata.uid}/${r.metadata.generation}`).sort(),
    );
  });

  test('set deletion keeps claimed Reserves', async () => {
    const claimed = (await api.listReserves()).filter((reserve) => reserve.spec.claim);
    const pvcUids = await Promise.all(claimed.map(async (r) => (await api.pvc(PVC(r.metadata.name!)))?.metadata?.uid));
    await api.deleteReserveSet('pool');

    await waitFor(async () => ((await members('pool')).length === 0 ? true : undefined), {
      description: 'the unclaimed members to be garbage collected',
    });
    for (const [index, reserve] of claimed.entries()) {
      const after = await api.getReserve(reserve.metadata.name!);
      expect(after?.metadata.uid).toBe(reserve.metadata.uid);
      expect(after?.status?.phase).toBe('Running');
      expect((await api.pvc(PVC(reserve.metadata.name!)))?.metadata?.uid).toBe(pvcUids[index]);
    }
  });

  test('stuck member stalls without a loop', async () => {
    await api.createReserveSet(reserveSet('broken', 2, withPodAnnotation(FAILURE_ANNOTATION, 'true')));
    const set = await waitFor(async () => {
      const current = await api.getReserveSet('broken');
      return current?.status?.conditions?.find((c) => c.type === 'Stalled' && c.status === 'True') ? current : undefined;
    }, { description: 'the set to report Stalled', timeoutMs: 90_000 });
    expect(set.status?.conditions?.find((c) => c.type === 'Stalled')?.reason).toBe('MembersStuck');
    expect(set.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');

    // Every member the set ever created, deleted or not, has an Event; replacements of stuck
    // members back off from 30 seconds, so in this time at most one replacement happens.
    const events = JSON.parse(await kubectlOk(['get', 'events', '-o', 'json', '--field-selector', 'involvedObject.name=broken'], { namespace: namespace() })) as {
      items: { reason: string; count?: number }[];
    };
    const replacements = events.items.filter((event) => event.reason === 'ReplacingStuckMember').reduce((sum, e) => sum + (e.count ?? 1), 0);
    expect(replacements).toBeLessThanOrEqual(1);
    expect((await api.listReserves(`${RESERVESET_LABEL}=broken`)).length).toBeLessThanOrEqual(2);
    await api.deleteReserveSet('broken');
  });

  test('restart mid-fill never exceeds replicas', async () => {
    await stop();
    await start({ config: { createRate: 1, createBurst: 1 } });
    await api.createReserveSet(reserveSet('restart', 8, fastBoot));
    await waitFor(async () => ((await members('restart')).length >= 3 ? true : undefined), { description: 'the fill to begin' });
    await stop();
    const countWhileStopped = (await members('restart')).length;
    expect(countWhileStopped).toBeLessThanOrEqual(8);

    await start();
    let largest = 0;
    await waitFor(async () => {
      const all = await members('restart');
      largest = Math.max(largest, all.length);
      return all.length === 8 && all.every(isWarm) ? true : undefined;
    }, { description: 'the set to finish its fill', intervalMs: 100, timeoutMs: 90_000 });
    expect(largest).toBe(8);
    await api.deleteReserveSet('restart');
  });

  test('lagging cache never exceeds replicas', async () => {
    await stop();
    // Watch events reach the caches 3 s late, so every reconcile in that window counts too
    // few members. Only the expectations stop it from creating more.
    await start({ cacheLagMs: 3000 });
    await api.createReserveSet(reserveSet('lagging', 6, fastBoot));
    let largest = 0;
    await waitFor(async () => {
      const all = await members('lagging');
      largest = Math.max(largest, all.length);
      return all.length === 6 && all.every(isWarm) ? true : undefined;
    }, { description: 'the set to fill through a lagging cache', intervalMs: 100, timeoutMs: 120_000 });
    expect(largest).toBe(6);
    await api.deleteReserveSet('lagging');
  });
});

