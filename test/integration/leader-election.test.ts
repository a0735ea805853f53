// Two operator replicas against the local control plane: one Lease, one reconciler.
import type { Operator } from '../../src/operator/operator.js';
import { installCrds, kubectlOk, useNamespace, waitFor } from './setup/harness.js';
import { Api, reserve } from './setup/objects.js';
import { startOperator } from './setup/operator.js';

const LEASE = 'reserve-operator-test';

describe('leader election', () => {
  const namespace = useNamespace('leader');
  const api = new Api(namespace);
  let replicas: Operator[] = [];

  const startReplica = () =>
    startOperator([namespace()], {
      config: { leaderElect: true, leaseName: LEASE, operatorNamespace: namespace() },
    });
  const reconciles = async (operator: Operator) => {
    const metric = await operator.metrics.reconcileTotal.get();
    return metric.values.reduce((sum, value) => sum + value.value, 0);
  };
  const leaseHolder = async () =>
    JSON.parse(await kubectlOk(['get', 'lease', LEASE, '-o', 'json'], { namespace: namespace() })).spec.holderIdentity as string;
  const running = (name: string) =>
    waitFor(async () => ((await api.getReserve(name))?.status?.phase === 'Running' ? true : undefined), {
      description: `Reserve ${name} to run`,
    });

  beforeAll(async () => {
    await installCrds();
    replicas = [await startReplica(), await startReplica()];
  });
  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
  });

  test('only the leader reconciles', async () => {
    const leader = await waitFor(() => {
      const leading = replicas.filter((replica) => replica.isLeading());
      return leading.length === 1 ? leading[0] : undefined;
    }, { description: 'one replica to lead' });
    const follower = replicas.find((replica) => replica !== leader)!;
    expect(await leaseHolder()).toBe(leader.identity);

    await api.createReserve(reserve('first'));
    await running('first');

    expect(await reconciles(leader)).toBeGreaterThan(0);
    expect(await reconciles(follower)).toBe(0);
    expect(follower.isLeading()).toBe(false);
  });

  test('follower takes over on stop', async () => {
    const leader = replicas.find((replica) => replica.isLeading())!;
    const follower = replicas.find((replica) => replica !== leader)!;
    await leader.stop();
    replicas = [follower];

    await waitFor(() => (follower.isLeading() ? true : undefined), { description: 'the follower to take over' });
    expect(await leaseHolder()).toBe(follower.identity);
    await api.createReserve(reserve('second'));
    await running('second');
    expect(await reconciles(follower)).toBeGreaterThan(0);
  });

  test('lost Lease stops reconciling', async () => {
    const [leader] = replicas;
    const lease = JSON.parse(await kubectlOk(['get', 'lease', LEASE, '-o', 'json'], { namespace: namespace() }));
    lease.spec.holderIdentity = 'someone-else';
    lease.spec.renewTime = new Date().toISOString().replace('Z', '000Z');
    lease.spec.leaseDurationSeconds = 3600;
    await kubectlOk(['replace', '-f', '-'], { namespace: namespace(), input: JSON.stringify(lease) });

    await waitFor(() => (leader!.isLeading() ? undefined : true), { description: 'the replica to stop leading' });
    const before = await reconciles(leader!);
    await api.createReserve(reserve('third'));
    // The Reserve stays unreconciled while nobody leads: no status at all.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect((await api.getReserve('third'))?.status).toBeUndefined();
    expect(await reconciles(leader!)).toBe(before);
  });
});
