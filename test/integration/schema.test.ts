// The CRDs alone, with no operator and no webhook: what a user gets from the schema even
// when the webhook is down.
import path from 'node:path';

import { REPO_ROOT, installCrds, kubectl, kubectlOk, useNamespace } from './setup/harness.js';
import { reserve, reserveSet } from './setup/objects.js';

const json = (object: unknown) => JSON.stringify(object);

describe('CRD schema', () => {
  const namespace = useNamespace('schema');
  const inNamespace = () => ({ namespace: namespace() });

  beforeAll(async () => {
    await installCrds();
  });

  test('example ReserveSet applies twice unchanged', async () => {
    const file = path.join(REPO_ROOT, 'examples', 'reserveset.yaml');
    await kubectlOk(['apply', '--server-side', '-f', file], inNamespace());
    const first = JSON.parse(await kubectlOk(['get', 'reserveset', 'pytorch-agents', '-o', 'json'], inNamespace()));
    await kubectlOk(['apply', '--server-side', '-f', file], inNamespace());
    const second = JSON.parse(await kubectlOk(['get', 'reserveset', 'pytorch-agents', '-o', 'json'], inNamespace()));

    expect(second.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
    expect(first.spec.updateStrategy).toEqual({ type: 'Replace', maxUnavailable: '25%' });
    expect(first.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Delete' });
  });

  test('example standalone Reserve applies', async () => {
    const output = await kubectlOk(['apply', '--server-side', '-f', path.join(REPO_ROOT, 'examples', 'reserve.yaml')], inNamespace());

    expect(output).toMatch(/reserve\.pool\.w-h-a\.io\/\S+ serverside-applied/);
  });

  test('unknown pod template field is rejected', async () => {
    const object = reserve('typo');
    (object.spec.template.spec.containers[0] as unknown as Record<string, unknown>).imagePullPolicyy = 'Always';
    const result = await kubectl(['create', '-f', '-'], { ...inNamespace(), input: json(object) });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('unknown field "spec.template.spec.containers[0].imagePullPolicyy"');
  });

  test('negative replicas are rejected', async () => {
    const result = await kubectl(['create', '-f', '-'], { ...inNamespace(), input: json(reserveSet('negative', -1)) });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0');
  });

  test('volume claim templates are immutable', async () => {
    await kubectlOk(['create', '-f', '-'], { ...inNamespace(), input: json(reserve('fixed')) });
    const patch = '{"spec":{"volumeClaimTemplates":[{"metadata":{"name":"other"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}]}}';
    const result = await kubectl(['patch', 'reserve', 'fixed', '--type', 'merge', '-p', patch], inNamespace());

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('spec.volumeClaimTemplates is immutable');
  });

  test('too long ReserveSet name is rejected', async () => {
    const name = 'a'.repeat(60);
    const result = await kubectl(['create', '-f', '-'], { ...inNamespace(), input: json(reserveSet(name, 1)) });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('metadata.name must be at most 57 characters');
  });

  test('kubectl explain shows field descriptions', async () => {
    const output = await kubectlOk(['explain', 'reserve.spec.paused']);

    expect(output).toContain('Whether the Pod is stopped');
  });

  test('kubectl get shows the printer columns', async () => {
    const sets = await kubectlOk(['get', 'reservesets'], inNamespace());
    const reserves = await kubectlOk(['get', 'reserves'], inNamespace());

    expect(sets.split('\n')[0]).toMatch(/^NAME\s+DESIRED\s+WARM\s+WARMING\s+CLAIMED\s+AGE$/);
    expect(reserves.split('\n')[0]).toMatch(/^NAME\s+PAUSED\s+PHASE\s+CLAIMED BY\s+NODE\s+AGE$/);
  });

  test('kubectl scale changes spec.replicas', async () => {
    await kubectlOk(['scale', 'reserveset', 'pytorch-agents', '--replicas=4'], inNamespace());
    const set = JSON.parse(await kubectlOk(['get', 'reserveset', 'pytorch-agents', '-o', 'json'], inNamespace()));

    expect(set.spec.replicas).toBe(4);
  });
});
