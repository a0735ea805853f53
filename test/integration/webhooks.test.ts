// The admission webhooks through the real apiserver and kubectl: what a user sees when a
// request is denied, and that dry runs, diffs and repeated applies behave as for built-in
// kinds. Most objects live in a namespace that no controller watches, so nothing but the
// request under test changes them.
import { RESERVE_LABEL, RESERVESET_LABEL } from '../../src/schema/constants.js';
import type { Reserve, ReserveSet } from '../../src/schema/types.js';
import { kubectl, kubectlOk, installCrds, useNamespace, waitFor } from './setup/harness.js';
import { Api, BOOT_DELAY_ANNOTATION, reserve, reserveSet, withPaused, withPodAnnotation } from './setup/objects.js';
import { claimAs, grantReserveAccess, startWebhookOperator, VALIDATING_WEBHOOK, type WebhookOperator } from './setup/webhook-operator.js';

const MAX_REPLICAS = 5;

const json = (object: object) => JSON.stringify(object);

function withMount(name: string, mountPath: string) {
  return (object: Reserve | ReserveSet) => {
    object.spec.template.spec!.containers[0]!.volumeMounts = [{ name, mountPath }];
  };
}

function withImage(image: string) {
  return (object: Reserve | ReserveSet) => {
    object.spec.template.spec!.containers[0]!.image = image;
  };
}

describe('admission webhooks through kubectl', () => {
  // Controllers run only in `watched`, so objects in `unwatched` keep the state the request left.
  const watched = useNamespace('webhooks-watched');
  const unwatched = useNamespace('webhooks');
  const api = new Api(unwatched);
  let webhooks: WebhookOperator | undefined;

  beforeAll(async () => {
    await installCrds();
    await grantReserveAccess(watched());
    webhooks = await startWebhookOperator([watched()], unwatched(), { maxReplicas: MAX_REPLICAS });
  });
  afterAll(async () => {
    await webhooks?.stop();
  });

  const apply = (object: object, ...flags: string[]) => kubectl(['apply', ...flags, '-f', '-'], { namespace: unwatched(), input: json(object) });

  describe('denials', () => {
    test('volumeClaimTemplates are immutable', async () => {
      await kubectlOk(['create', '-f', '-'], { namespace: unwatched(), input: json(reserve('volumes', withPaused(true))) });

      // The CRD schema rule `self == oldSelf` rejects these before the validating webhook,
      // whose own immutability check stays as a fallback. The schema defaults the list to [],
      // so removing it is a change as well.
      const immutable =
        'The Reserve "volumes" is invalid: spec.volumeClaimTemplates: Invalid value: ' +
        'spec.volumeClaimTemplates is immutable: delete and recreate the Reserve to change its volumes';
      const changes = [
        ['resize', '[{"op":"replace","path":"/spec/volumeClaimTemplates/0/spec/resources/requests/storage","value":"2Gi"}]'],
        ['removal', '[{"op":"remove","path":"/spec/volumeClaimTemplates"},{"op":"remove","path":"/spec/template/spec/containers/0/volumeMounts"}]'],
      ];
      for (const [change, patch] of changes) {
        const result = await kubectl(['patch', 'reserve', 'volumes', '--type', 'json', '-p', patch!], { namespace: unwatched() });
        expect({ change, code: result.code, stderr: result.stderr.trim() }).toEqual({ change, code: 1, stderr: immutable });
      }

      const stored = await api.getReserve('volumes');
      expect(stored?.spec.volumeClaimTemplates?.[0]?.spec.resources?.requests?.storage).toBe('1Gi');
    });

    test('undeclared volume mount names the mount', async () => {
      const typo = await apply(reserve('mount-typo', withPaused(true), withMount('model-cach', '/data')));
      expect(typo.code).toBe(1);
      expect(typo.stderr.trim()).toBe(
        'The Reserve "mount-typo" is invalid: spec.template.spec.containers[0].volumeMounts[0].name: Not found: "model-cach": ' +
          'the mount at "/data" refers to no volume or volumeClaimTemplate; did you mean volumeClaimTemplate "model-cache"?',
      );

      const unknown = await apply(reserveSet('mount-unknown', 1, withMount('scratch', '/scratch')));
      expect(unknown.code).toBe(1);
      expect(unknown.stderr.trim()).toBe(
        'The ReserveSet "mount-unknown" is invalid: spec.template.spec.containers[0].volumeMounts[0].name: Not found: "scratch": ' +
          'the mount at "/scratch" refers to no volume or volumeClaimTemplate; ' +
          'add a volumeClaimTemplate named "scratch", or a volume of that name to spec.template.spec.volumes',
      );

      expect(await api.getReserve('mount-typo')).toBeUndefined();
      expect(await api.getReserveSet('mount-unknown')).toBeUndefined();
    });

    test('replicas over the operator cap', async () => {
      const cap = `must be no more than ${MAX_REPLICAS}, the operator's cap on ReserveSet replicas; an operator admin can raise it with --max-replicas`;
      const created = await apply(reserveSet('too-big', MAX_REPLICAS + 1));
      expect(created.code).toBe(1);
      expect(created.stderr.trim()).toBe(`The ReserveSet "too-big" is invalid: spec.replicas: Invalid value: ${MAX_REPLICAS + 1}: ${cap}`);
      expect(await api.getReserveSet('too-big')).toBeUndefined();

      await kubectlOk(['create', '-f', '-'], { namespace: unwatched(), input: json(reserveSet('scaled', 1)) });
      const scaled = await kubectl(['scale', 'reserveset', 'scaled', `--replicas=${MAX_REPLICAS + 1}`], { namespace: unwatched() });
      expect(scaled.code).toBe(1);
      expect(scaled.stderr.trim()).toBe(`The Scale "scaled" is invalid: spec.replicas: Invalid value: ${MAX_REPLICAS + 1}: ${cap}`);
      expect((await api.getReserveSet('scaled'))?.spec.replicas).toBe(1);

      await kubectlOk(['scale', 'reserveset', 'scaled', `--replicas=${MAX_REPLICAS}`], { namespace: unwatched() });
      expect((await api.getReserveSet('scaled'))?.spec.replicas).toBe(MAX_REPLICAS);
    });

    test.each([
      ['Reserve', reserve('typo-field', withPaused(true))],
      ['ReserveSet', reserveSet('typo-field', 1)],
    ] as const)('%s with an unknown field is rejected', async (kind, object) => {
      const container = object.spec.template.spec!.containers[0] as unknown as Record<string, unknown>;
      container.imagePullPolicyy = 'Always';
      const result = await apply(object);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('Error from server (BadRequest)');
      expect(result.stderr).toContain(`${kind} in version "v1alpha1" cannot be handled as a ${kind}`);
      expect(result.stderr).toContain('strict decoding error: unknown field "spec.template.spec.containers[0].imagePullPolicyy"');
    });

    test('claim set by hand is rejected', async () => {
      const object = reserve('self-claimed', withPaused(true));
      object.spec.claim = { user: 'mallory', time: '2026-01-01T00:00:00Z' };
      const result = await apply(object);
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe(
        `Error from server (Forbidden): error when creating "STDIN": admission webhook "${VALIDATING_WEBHOOK}" denied the request: ` +
          'spec.claim of Reserve "self-claimed" is set only by reserve, when a warm ReserveSet member is unpaused; remove spec.claim from the request',
      );
      expect(await api.getReserve('self-claimed')).toBeUndefined();
    });

    test('warming member cannot be claimed', async () => {
      const members = new Api(watched);
      // A boot that outlasts the test keeps the member warming.
      await members.createReserveSet(reserveSet('slow', 1, withPodAnnotation(BOOT_DELAY_ANNOTATION, '1h')));
      const member = await waitFor(
        async () => (await members.listReserves(`${RESERVESET_LABEL}=slow`)).find((m) => m.status?.phase === 'Starting'),
        { description: 'a member of ReserveSet slow in phase Starting' },
      );
      const name = member.metadata.name!;

      const result = await claimAs('alice', name, watched());
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe(
        `Error from server (Forbidden): admission webhook "${VALIDATING_WEBHOOK}" denied the request: ` +
          `Reserve "${name}" of ReserveSet "slow" is still warming (phase Starting); claim a warm one, in phase Paused: ` +
          `kubectl get reserves -n ${watched()} -l ${RESERVESET_LABEL}=slow`,
      );

      const after = await members.getReserve(name);
      expect(after?.spec.claim).toBeUndefined();
      expect(after?.metadata.labels?.[RESERVESET_LABEL]).toBe('slow');
    });
  });

  describe.each([
    ['Reserve', 'reserve', () => reserve('applied', withPaused(true)), (image: string) => reserve('applied', withPaused(true), withImage(image))],
    ['ReserveSet', 'reserveset', () => reserveSet('applied', 2), (image: string) => reserveSet('applied', 2, withImage(image))],
  ] as const)('%s apply, dry run and diff', (kind, resource, original, changed) => {
    // The ReserveSet webhook warns on every template change, dry runs included.
    const warnings =
      kind === 'ReserveSet'
        ? 'Warning: spec.template changed: the change reaches unclaimed members only (under updateStrategy Replace, ' +
          'unclaimed members built from the old template are replaced, maxUnavailable at a time); claimed Reserves keep their template\n'
        : '';
    const read = async (): Promise<Reserve | ReserveSet | undefined> =>
      kind === 'Reserve' ? api.getReserve('applied') : api.getReserveSet('applied');

    test('server dry run applies defaults', async () => {
      const result = await apply(original(), '--server-side', '--dry-run=server', '-o', 'json');
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const returned = JSON.parse(result.stdout) as Reserve | ReserveSet;
      expect(returned.spec.template.spec?.containers[0]?.imagePullPolicy).toBe('IfNotPresent');
      if (kind === 'Reserve') {
        expect(returned.spec.template.metadata?.labels?.[RESERVE_LABEL]).toBe('applied');
      }
      expect(await read()).toBeUndefined();

      const broken = original();
      withMount('undeclared-volume', '/scratch')(broken);
      const rejected = await apply(broken, '--server-side', '--dry-run=server');
      expect(rejected.code).toBe(1);
      expect(rejected.stderr).toContain(`The ${kind} "applied" is invalid`);
      expect(rejected.stderr).toContain('"undeclared-volume"');
      expect(await read()).toBeUndefined();
    });

    test('server-side apply twice changes nothing', async () => {
      const first = await apply(original(), '--server-side');
      expect(first.stderr).toBe('');
      expect(first.stdout.trim()).toBe(`${resource}.pool.w-h-a.io/applied serverside-applied`);
      const before = await read();

      const second = await apply(original(), '--server-side');
      expect(second.stderr).toBe('');
      const after = await read();
      expect(after?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
      expect(after?.metadata.generation).toBe(1);
    });

    test('diff is empty for the applied file', async () => {
      const result = await kubectl(['diff', '--server-side', '-f', '-'], { namespace: unwatched(), input: json(original()) });
      expect(result.stderr).toBe('');
      expect(result.stdout).toBe('');
      expect(result.code).toBe(0);
    });

    test('change shows in diff only', async () => {
      const update = changed('registry.local/agent:v2');
      const diff = await kubectl(['diff', '--server-side', '-f', '-'], { namespace: unwatched(), input: json(update) });
      expect(diff.stderr).toBe(warnings);
      expect(diff.code).toBe(1);
      expect(diff.stdout).toMatch(/^-\s+(- )?image: registry\.local\/agent:v1$/m);
      expect(diff.stdout).toMatch(/^\+\s+(- )?image: registry\.local\/agent:v2$/m);
      expect(diff.stdout).not.toMatch(/^[-+].*imagePullPolicy/m);

      const before = await read();
      const dryRun = await apply(update, '--server-side', '--dry-run=server');
      expect(dryRun.stderr).toBe(warnings);
      expect(dryRun.stdout.trim()).toBe(`${resource}.pool.w-h-a.io/applied serverside-applied (server dry run)`);
      const after = await read();
      expect(after?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
      expect(after?.spec.template.spec?.containers[0]?.image).toBe('registry.local/agent:v1');
    });
  });

  test('client-side apply twice changes nothing', async () => {
    const object = reserve('client-applied', withPaused(true));
    const first = await apply(object);
    expect(first.stdout.trim()).toBe('reserve.pool.w-h-a.io/client-applied created');
    const before = await api.getReserve('client-applied');

    // NOTE: kubectl prints "configured", not "unchanged". For a custom resource it sends a JSON
    // merge patch, which replaces the whole containers list because the live list carries the
    // defaulted imagePullPolicy. The webhook defaults the list again, so nothing is written.
    const second = await apply(object);
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    const diff = await kubectl(['diff', '-f', '-'], { namespace: unwatched(), input: json(object) });
    expect(diff.stdout).toBe('');
    expect(diff.code).toBe(0);
    const after = await api.getReserve('client-applied');
    expect(after?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
    expect(after?.metadata.generation).toBe(1);
  });

  test('1 MiB object is admitted', async () => {
    // Annotations of a pod template are capped at 256 KiB like a Pod's, so the bulk sits in
    // the container's arguments.
    const blob = 'x'.repeat(1024 * 1024);
    const object = reserve('large', withPaused(true));
    object.spec.template.spec.containers[0]!.args = [blob];
    await kubectlOk(['create', '-f', '-'], { namespace: unwatched(), input: json(object) });

    const stored = await api.getReserve('large');
    expect(stored?.spec.template.spec.containers[0]?.args?.[0]).toHaveLength(blob.length);
    expect(stored?.spec.template.spec?.containers[0]?.imagePullPolicy).toBe('IfNotPresent');

    // An update sends the webhooks both the new and the old object, about 2 MiB.
    await kubectlOk(['patch', 'reserve', 'large', '--type', 'merge', '-p', '{"spec":{"template":{"metadata":{"labels":{"size":"large"}}}}}'], {
      namespace: unwatched(),
    });
    const updated = await api.getReserve('large');
    expect(updated?.spec.template.metadata?.labels?.size).toBe('large');
    expect(updated?.spec.template.spec.containers[0]?.args?.[0]).toHaveLength(blob.length);
  });

  test('pod template annotations over 256 KiB are rejected', async () => {
    const object = reserve('annotated', withPaused(true), withPodAnnotation('example.com/blob', 'x'.repeat(300 * 1024)));
    const result = await kubectl(['create', '-f', '-'], { namespace: unwatched(), input: json(object) });

    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      'The Reserve "annotated" is invalid: spec.template.metadata.annotations: Too long: must have at most 262144 bytes ' +
        '(has 307216): the Pod built from this template would be rejected; move large data into a ConfigMap or a volume',
    );
  });
});
