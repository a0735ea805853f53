// Claims through the real apiserver and kubectl. A user claims a warm ReserveSet member by
// unpausing it, and the admission webhooks record the claim and detach the member. From then
// on only the claimant, an admin group member or the operator may change or delete it.
import type { Reserve } from '../../src/schema/types.js';
import { RESERVESET_LABEL } from '../../src/schema/constants.js';
import { kubectl, kubectlOk, installCrds, useNamespace, waitFor, type KubectlResult } from './setup/harness.js';
import { Api, BOOT_DELAY_ANNOTATION, isPodReady, reserveSet, withPodAnnotation } from './setup/objects.js';
import {
  ADMIN_GROUP,
  CLAIMER_GROUP,
  claimAs,
  grantReserveAccess,
  startWebhookOperator,
  VALIDATING_WEBHOOK,
  waitForWarmMembers,
  type WebhookOperator,
} from './setup/webhook-operator.js';

const PVC = (reserveName: string) => `model-cache-${reserveName}`;

describe('claims through kubectl', () => {
  const namespace = useNamespace('claims');
  const api = new Api(namespace);
  let webhooks: WebhookOperator | undefined;

  beforeAll(async () => {
    await installCrds();
    await grantReserveAccess(namespace());
    webhooks = await startWebhookOperator([namespace()], namespace());
  });
  afterAll(async () => {
    await webhooks?.stop();
  });

  const asUser = (user: string, groups = [CLAIMER_GROUP]) => ({ namespace: namespace(), as: user, asGroups: groups });
  const reserveOf = async (name: string): Promise<Reserve> => {
    const found = await api.getReserve(name);
    if (found === undefined) throw new Error(`Reserve ${name} not found`);
    return found;
  };
  const phase = (name: string, expected: string) =>
    waitFor(async () => ((await api.getReserve(name))?.status?.phase === expected ? true : undefined), {
      description: `Reserve ${name} to reach phase ${expected}`,
    });
  const expectDeniedToOther = async (result: KubectlResult, name: string, user: string, action: 'change' | 'delete') => {
    const claim = (await reserveOf(name)).spec.claim;
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      `Error from server (Forbidden): admission webhook "${VALIDATING_WEBHOOK}" denied the request: ` +
        `Reserve "${name}" is claimed by "${claim?.user}" at ${claim?.time}, not by "${user}"; ` +
        `only the claimant, the operator or members of group "${ADMIN_GROUP}" may ${action} it`,
    );
  };

  describe('one claim', () => {
    let claimed = '';

    beforeAll(async () => {
      await api.createReserveSet(reserveSet('pool', 2, withPodAnnotation(BOOT_DELAY_ANNOTATION, '1s')));
    });

    test('claim records user and detaches member', async () => {
      const members = await waitForWarmMembers(api, 'pool', 2);
      claimed = members[0]!;
      const pvcBefore = await api.pvc(PVC(claimed));
      expect(pvcBefore?.metadata?.uid).toBeDefined();

      const result = await claimAs('alice', claimed, namespace());
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout.trim()).toBe(`reserve.pool.w-h-a.io/${claimed} patched`);

      const after = await reserveOf(claimed);
      expect(after.spec.paused).toBe(false);
      expect(after.spec.claim?.user).toBe('alice');
      expect(after.spec.claim?.groups).toContain(CLAIMER_GROUP);
      expect(after.spec.claim?.reserveSet).toBe('pool');
      expect(Date.parse(after.spec.claim?.time ?? '')).not.toBeNaN();
      expect(after.metadata.ownerReferences ?? []).toHaveLength(0);
      expect(after.metadata.labels?.[RESERVESET_LABEL]).toBeUndefined();

      await phase(claimed, 'Running');
      const pod = await api.pod(claimed);
      expect(isPodReady(pod)).toBe(true);
      const volume = pod?.spec?.volumes?.find((v) => v.name === 'model-cache');
      expect(volume?.persistentVolumeClaim?.claimName).toBe(PVC(claimed));
      expect((await api.pvc(PVC(claimed)))?.metadata?.uid).toBe(pvcBefore?.metadata?.uid);

      const refilled = await waitForWarmMembers(api, 'pool', 2);
      expect(refilled).not.toContain(claimed);
      expect(refilled).toContain(members[1]);
      // Before the claim the status counted two warm members too, so both counts together
      // identify the status written after the refill.
      const status = await waitFor(
        async () => {
          const set = await api.getReserveSet('pool');
          return set?.status?.claimedReplicas === 1 && set.status.warmReplicas === 2 ? set.status : undefined;
        },
        { description: 'ReserveSet pool status to count one claimed and two warm Reserves' },
      );
      expect(status.replicas).toBe(2);
    });

    test('claimed Reserve rejects other users', async () => {
      const pause = await kubectl(['patch', 'reserve', claimed, '--type', 'merge', '-p', '{"spec":{"paused":true}}'], asUser('bob'));
      await expectDeniedToOther(pause, claimed, 'bob', 'change');

      const edit = await kubectl(
        ['patch', 'reserve', claimed, '--type', 'merge', '-p', '{"spec":{"template":{"metadata":{"labels":{"owner":"bob"}}}}}'],
        asUser('bob'),
      );
      await expectDeniedToOther(edit, claimed, 'bob', 'change');

      const reclaim = await claimAs('bob', claimed, namespace());
      await expectDeniedToOther(reclaim, claimed, 'bob', 'change');

      const remove = await kubectl(['delete', 'reserve', claimed, '--wait=false'], asUser('bob'));
      await expectDeniedToOther(remove, claimed, 'bob', 'delete');

      const after = await reserveOf(claimed);
      expect(after.metadata.deletionTimestamp).toBeUndefined();
      expect(after.spec.paused).toBe(false);
      expect(after.spec.template.metadata?.labels?.owner).toBeUndefined();
      expect(after.spec.claim?.user).toBe('alice');
    });

    test('claimant and admins may change it', async () => {
      const pvcUid = (await api.pvc(PVC(claimed)))?.metadata?.uid;

      await kubectlOk(['patch', 'reserve', claimed, '--type', 'merge', '-p', '{"spec":{"paused":true}}'], asUser('alice'));
      await phase(claimed, 'Paused');
      expect(await api.pod(claimed)).toBeUndefined();

      await kubectlOk(['patch', 'reserve', claimed, '--type', 'merge', '-p', '{"spec":{"paused":false}}'], asUser('alice'));
      await phase(claimed, 'Running');
      expect((await api.pvc(PVC(claimed)))?.metadata?.uid).toBe(pvcUid);

      const label = '{"spec":{"template":{"metadata":{"labels":{"reviewed-by":"carol"}}}}}';
      await kubectlOk(['patch', 'reserve', claimed, '--type', 'merge', '-p', label], asUser('carol', [ADMIN_GROUP]));
      const after = await reserveOf(claimed);
      expect(after.spec.template.metadata?.labels?.['reviewed-by']).toBe('carol');
      expect(after.spec.claim?.user).toBe('alice');
    });

    test('spec.claim cannot be changed or removed', async () => {
      // The CRD schema rules reject these for everyone, before the validating webhook runs.
      const changed = `The Reserve "${claimed}" is invalid: spec.claim: Invalid value: spec.claim is immutable once set: a Reserve is claimed once`;
      const removed = `The Reserve "${claimed}" is invalid: spec: Invalid value: spec.claim cannot be removed once set: a Reserve is claimed once`;
      const attempts = [
        { requester: 'claimant', patch: '{"spec":{"claim":{"user":"mallory"}}}', options: asUser('alice'), expected: changed },
        { requester: 'claimant', patch: '{"spec":{"claim":null}}', options: asUser('alice'), expected: removed },
        { requester: 'admin', patch: '{"spec":{"claim":{"user":"mallory"}}}', options: asUser('carol', [ADMIN_GROUP]), expected: changed },
        { requester: 'operator', patch: '{"spec":{"claim":null}}', options: { namespace: namespace() }, expected: removed },
      ];
      const before = await reserveOf(claimed);
      for (const { requester, patch, options, expected } of attempts) {
        const result = await kubectl(['patch', 'reserve', claimed, '--type', 'merge', '-p', patch], options);
        expect({ requester, patch, code: result.code, stderr: result.stderr.trim() }).toEqual({ requester, patch, code: 1, stderr: expected });
      }
      expect((await reserveOf(claimed)).spec.claim).toEqual(before.spec.claim);
    });

    test('scale-down keeps claimed Reserve', async () => {
      await kubectlOk(['scale', 'reserveset', 'pool', '--replicas=0'], { namespace: namespace() });
      await waitFor(async () => ((await api.listReserves(`${RESERVESET_LABEL}=pool`)).length === 0 ? true : undefined), {
        description: 'ReserveSet pool to delete its unclaimed members',
      });
      const after = await reserveOf(claimed);
      expect(after.metadata.deletionTimestamp).toBeUndefined();
      expect(after.status?.phase).toBe('Running');
      expect(await api.listReserves()).toHaveLength(1);
    });
  });

  describe('racing claims', () => {
    const USERS = Array.from({ length: 8 }, (_, index) => `racer-${index + 1}`);
    let members: string[] = [];

    beforeAll(async () => {
      await api.createReserveSet(reserveSet('race', 3, withPodAnnotation(BOOT_DELAY_ANNOTATION, '1s')));
      members = await waitForWarmMembers(api, 'race', 3);
    });

    test('each member is claimed exactly once', async () => {
      interface Attempt {
        user: string;
        member: string;
        result: KubectlResult;
      }
      // Every user starts on the first member at the same moment and moves on after a denial.
      const tryInOrder = async (user: string): Promise<Attempt[]> => {
        const attempts: Attempt[] = [];
        for (const member of members) {
          const result = await claimAs(user, member, namespace());
          attempts.push({ user, member, result });
          if (result.code === 0) break;
        }
        return attempts;
      };
      const attempts = (await Promise.all(USERS.map(tryInOrder))).flat();

      const wins = attempts.filter((attempt) => attempt.result.code === 0);
      const losses = attempts.filter((attempt) => attempt.result.code !== 0);
      expect(wins.map((win) => win.member).sort()).toEqual(members);
      expect(new Set(wins.map((win) => win.user)).size).toBe(members.length);
      for (const loss of losses) {
        expect(loss.result.stderr).toContain('Error from server (Forbidden)');
        expect(loss.result.stderr).toContain(`Reserve "${loss.member}" is claimed by "`);
        expect(loss.result.stderr).toContain(`not by "${loss.user}"`);
      }
      const losers = USERS.filter((user) => !wins.some((win) => win.user === user));
      for (const user of losers) {
        expect(losses.filter((loss) => loss.user === user).map((loss) => loss.member)).toEqual(members);
      }

      for (const win of wins) {
        const claimed = await reserveOf(win.member);
        expect(claimed.spec.claim?.user).toBe(win.user);
        expect(claimed.spec.claim?.reserveSet).toBe('race');
        expect(claimed.metadata.labels?.[RESERVESET_LABEL]).toBeUndefined();
      }
    });

    test('set deletion keeps claimed Reserves and PVCs', async () => {
      await waitForWarmMembers(api, 'race', 3);
      const pvcUids = new Map<string, string | undefined>();
      for (const member of members) pvcUids.set(member, (await api.pvc(PVC(member)))?.metadata?.uid);

      await kubectlOk(['delete', 'reserveset', 'race'], { namespace: namespace() });
      await waitFor(async () => ((await api.listReserves(`${RESERVESET_LABEL}=race`)).length === 0 ? true : undefined), {
        description: 'the garbage collector to delete the unclaimed members of ReserveSet race',
      });

      for (const member of members) {
        const claimed = await reserveOf(member);
        expect(claimed.metadata.deletionTimestamp).toBeUndefined();
        expect(claimed.spec.claim?.reserveSet).toBe('race');
        const pvc = await api.pvc(PVC(member));
        expect(pvc?.metadata?.uid).toBeDefined();
        expect(pvc?.metadata?.uid).toBe(pvcUids.get(member));
        expect(pvc?.metadata?.deletionTimestamp).toBeUndefined();
      }
    });
  });
});
