import { RESERVESET_LABEL, TEMPLATE_HASH_LABEL } from '../../../src/schema/constants.js';
import type { Reserve } from '../../../src/schema/types.js';
import type { AdmissionRequest, AdmissionResponse } from '../../../src/webhook/admission-review.js';
import { mutate, validate } from '../../../src/webhook/handlers.js';
import {
  admin,
  admissionContext,
  admit,
  alice,
  bob,
  changed,
  memberOf,
  namespaceController,
  NOW,
  operator,
  patched,
  patchOf,
  remove,
  reserve,
  reserveSet,
  update,
  warmMember,
  withClaim,
  withDeletionTimestamp,
  withFirstReadyTime,
  withImage,
  withLabel,
  withPaused,
  withPhase,
  withUpdateStrategy,
  type Requester,
} from './builders.js';

const unpaused = withPaused(false);

/** Returns the claim the webhook records for `requester` at NOW on a member of `setName`. */
function expectedClaim(requester: Requester, setName = 'pool'): Reserve['spec']['claim'] {
  return { user: requester.username, groups: requester.groups, time: '2026-12-04T15:00:00Z', reserveSet: setName };
}

function expectForbidden(response: AdmissionResponse, ...fragments: string[]): void {
  expect(response.allowed).toBe(false);
  expect(response.status?.code).toBe(403);
  expect(response.status?.reason).toBe('Forbidden');
  for (const fragment of fragments) {
    expect(response.status?.message).toContain(fragment);
  }
}

describe('claim mutation', () => {
  test('records the claim from userInfo', async () => {
    const member = warmMember('pool-abcde');
    const { mutation, validation, object } = await admit(update(member, changed(member, unpaused), alice), admissionContext());

    expect(mutation.allowed).toBe(true);
    const claimed = object as Reserve;
    expect(claimed.spec.claim).toEqual(expectedClaim(alice));
    expect(claimed.spec.paused).toBe(false);
    expect(validation.allowed).toBe(true);
  });

  test('detaches the member from its set', async () => {
    const member = warmMember('pool-abcde');
    const { object } = await admit(update(member, changed(member, unpaused), alice), admissionContext());

    const claimed = object as Reserve;
    expect(claimed.metadata.ownerReferences).toEqual([]);
    expect(claimed.metadata.labels?.[RESERVESET_LABEL]).toBeUndefined();
    expect(claimed.metadata.labels?.[TEMPLATE_HASH_LABEL]).toBe('current');
  });

  test('keeps owner references of others', async () => {
    const member = changed(warmMember('pool-abcde'), (object) => {
      const other = { apiVersion: 'v1', kind: 'ConfigMap', name: 'keeper', uid: 'uid-keeper' };
      object.metadata.ownerReferences = [other, ...(object.metadata.ownerReferences ?? [])];
    });
    const { object } = await admit(update(member, changed(member, unpaused), alice), admissionContext());

    expect((object as Reserve).metadata.ownerReferences).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap', name: 'keeper', uid: 'uid-keeper' },
    ]);
  });

  const forgedClaims: [string, Partial<NonNullable<Reserve['spec']['claim']>>][] = [
    ['another user', { user: 'mallory' }],
    ['extra groups', { user: 'alice', groups: ['system:masters'] }],
    ['another set', { user: 'alice', reserveSet: 'other' }],
    ['a backdated time', { user: 'alice', time: '2026-01-01T00:00:00Z' }],
  ];

  test.each(forgedClaims)('replaces a sent claim with %s', async (_case, forged) => {
    const member = warmMember('pool-abcde');
    const request = update(member, changed(member, unpaused, withClaim({ groups: alice.groups, ...forged })), alice);
    const { object, validation } = await admit(request, admissionContext());

    expect((object as Reserve).spec.claim).toEqual(expectedClaim(alice));
    expect(validation.allowed).toBe(true);
  });

  test('is idempotent under reinvocation', () => {
    const member = warmMember('pool-abcde');
    const request = update(member, changed(member, unpaused), alice);
    const first = mutate(request, admissionContext());
    const reinvoked = { ...request, object: patched(request.object, first) };

    expect(patchOf(first)).not.toEqual([]);
    expect(patchOf(mutate(reinvoked, admissionContext()))).toEqual([]);
  });

  test('keeps its record when reinvoked later', () => {
    const member = warmMember('pool-abcde');
    const request = update(member, changed(member, unpaused), alice);
    const first = mutate(request, admissionContext());
    const reinvoked = { ...request, object: patched(request.object, first) };
    const later = admissionContext({ clock: () => new Date(NOW.getTime() + 2_000) });

    expect(patchOf(mutate(reinvoked, later))).toEqual([]);
  });

  const notClaims: [string, AdmissionRequest][] = [
    ['an unpause by the operator', update(warmMember('m'), changed(warmMember('m'), unpaused), operator)],
    ['a label change on a warm member', update(warmMember('m'), changed(warmMember('m'), withLabel('team', 'x')), bob)],
    ['a spec change that stays paused', update(warmMember('m'), changed(warmMember('m'), withImage('app:2.0', 'IfNotPresent')), bob)],
    ['an unpause of a Reserve outside a set', update(reserve('r', withPaused(true)), reserve('r', unpaused), alice)],
    [
      'an unpause of a claimed Reserve',
      update(reserve('r', withPaused(true), withClaim()), reserve('r', unpaused, withClaim()), alice),
    ],
    [
      'an unpause of a warming member',
      update(
        reserve('m', memberOf('pool'), withPaused(true), withPhase('Pending')),
        reserve('m', memberOf('pool'), unpaused, withPhase('Pending')),
        alice,
      ),
    ],
  ];

  test.each(notClaims)('records no claim for %s', (_case, request) => {
    const object = patched(request.object, mutate(request, admissionContext()));

    expect((object as Reserve).spec.claim).toEqual((request.object as Reserve).spec.claim);
    expect((object as Reserve).metadata.ownerReferences).toEqual((request.object as Reserve).metadata.ownerReferences);
  });
});

describe('claim validation', () => {
  const claimedPaused = reserve('r', withPaused(true), withClaim());
  const claimedRunning = reserve('r', withClaim());

  test('denies a claim of a Reserve claimed by another', async () => {
    const { validation } = await admit(update(claimedPaused, changed(claimedPaused, unpaused), bob), admissionContext());

    expectForbidden(validation, 'claimed by "alice" at 2026-12-04T14:30:00Z', 'not by "bob"');
  });

  test('denies the retried request of a losing claimer', async () => {
    // The apiserver retries a conflicting update against the stored object, which the winner
    // has claimed: the loser's unpause is then a no-op on a Reserve claimed by someone else.
    const member = warmMember('pool-abcde');
    const won = await admit(update(member, changed(member, unpaused), alice), admissionContext());
    const stored = won.object as Reserve;
    const { validation } = await admit(update(stored, changed(stored, unpaused), bob), admissionContext());

    expectForbidden(validation, 'claimed by "alice"');
  });

  const forbiddenChanges: [string, AdmissionRequest, string[]][] = [
    [
      'a spec change by another user',
      update(claimedRunning, changed(claimedRunning, withImage('app:2.0', 'IfNotPresent')), bob),
      ['claimed by "alice"', 'may change it'],
    ],
    ['a pause by another user', update(claimedRunning, changed(claimedRunning, withPaused(true)), bob), ['claimed by "alice"']],
    ['a delete by another user', remove(claimedRunning, bob), ['claimed by "alice"', 'may delete it']],
    [
      'a change of spec.claim by the claimant',
      update(claimedRunning, changed(claimedRunning, withClaim({ user: 'bob' })), alice),
      ['spec.claim of Reserve "r" is read-only', '"alice"'],
    ],
    [
      'a removal of spec.claim by the claimant',
      update(claimedRunning, changed(claimedRunning, (object) => delete object.spec.claim), alice),
      ['spec.claim of Reserve "r" is read-only', '"alice"', 'send it unchanged'],
    ],
    [
      'a change of spec.claim by an admin',
      update(claimedRunning, changed(claimedRunning, withClaim({ user: 'carol' })), admin),
      ['read-only'],
    ],
    [
      'a change of spec.claim by the operator',
      update(claimedRunning, changed(claimedRunning, withClaim({ time: '2026-12-04T14:31:00Z' })), operator),
      ['read-only'],
    ],
    [
      'an owner added by another user',
      update(
        claimedRunning,
        changed(claimedRunning, (object) => {
          object.metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'gone', uid: '00000000-0000-4000-8000-000000000001' }];
        }),
        bob,
      ),
      ['claimed by "alice"', 'may change it'],
    ],
    [
      'a finalizer added by another user',
      update(claimedRunning, changed(claimedRunning, (object) => void (object.metadata.finalizers = ['example.com/hold'])), bob),
      ['claimed by "alice"'],
    ],
    [
      'a claim set outside a set',
      update(reserve('r'), reserve('r', withClaim()), alice),
      ['spec.claim of Reserve "r" is set only by reserve'],
    ],
  ];

  test.each(forbiddenChanges)('denies %s', async (_case, request, fragments) => {
    const { validation } = await admit(request, admissionContext());

    expectForbidden(validation, ...fragments);
  });

  test('names the admin groups in the denial', async () => {
    const { validation } = await admit(remove(claimedRunning, bob), admissionContext());

    expectForbidden(validation, 'members of group "reserve-admins"');
  });

  test('denies a Reserve created with a claim', async () => {
    const request = update(reserve('r'), reserve('r', withClaim()), alice);
    const response = await validate({ ...request, operation: 'CREATE', oldObject: null }, admissionContext());

    expectForbidden(response, 'set only by reserve');
  });

  const allowedChanges: [string, AdmissionRequest][] = [
    ['a spec change by the claimant', update(claimedRunning, changed(claimedRunning, withImage('app:2.0', 'IfNotPresent')), alice)],
    ['a pause by the claimant', update(claimedRunning, changed(claimedRunning, withPaused(true)), alice)],
    ['an unpause by the claimant', update(claimedPaused, changed(claimedPaused, unpaused), alice)],
    ['a delete by the claimant', remove(claimedRunning, alice)],
    ['a spec change by the operator', update(claimedRunning, changed(claimedRunning, withPaused(true)), operator)],
    ['a delete by the operator', remove(claimedRunning, operator)],
    ['a spec change by an admin', update(claimedRunning, changed(claimedRunning, withPaused(true)), admin)],
    ['a delete by an admin', remove(claimedRunning, admin)],
    ['a delete by the namespace controller', remove(claimedRunning, namespaceController)],
    ['a label change by another user', update(claimedRunning, changed(claimedRunning, withLabel('team', 'b')), bob)],
    ['a delete of an unclaimed member', remove(warmMember('m'), bob)],
  ];

  test.each(allowedChanges)('allows %s', async (_case, request) => {
    const { validation } = await admit(request, admissionContext());

    expect(validation.status).toBeUndefined();
    expect(validation.allowed).toBe(true);
  });

  test('denies a claim of a warming member', async () => {
    const warming = reserve('pool-abcde', memberOf('pool'), withPaused(true), withPhase('Pending'));
    const { validation } = await admit(update(warming, changed(warming, unpaused), alice), admissionContext());

    expectForbidden(validation, 'is still warming (phase Pending)', 'kubectl get reserves -n team-a -l pool.w-h-a.io/reserveset=pool');
  });

  const notYetWarm: [string, Reserve][] = [
    ['a member never Ready', reserve('m', memberOf('pool'), withPaused(true), withPhase('Paused'))],
    ['a member still running', reserve('m', memberOf('pool'), unpaused, withPhase('Running'), withFirstReadyTime())],
    ['a member pausing', reserve('m', memberOf('pool'), withPaused(true), withPhase('Pausing'), withFirstReadyTime())],
  ];

  test.each(notYetWarm)('denies a claim of %s as warming', async (_case, member) => {
    const object = changed(member, unpaused, withImage('registry.example:5000/notebook:1.4.3', 'IfNotPresent'));
    const { validation } = await admit(update(member, object, alice), admissionContext());

    expectForbidden(validation, 'still warming');
  });

  test('denies a claim of a member being deleted', async () => {
    const member = changed(warmMember('pool-abcde'), withDeletionTimestamp());
    const { validation } = await admit(update(member, changed(member, unpaused), alice), admissionContext());

    expectForbidden(validation, 'is being deleted', 'claim another member of ReserveSet "pool"');
  });

  test('denies a claim of a stale member', async () => {
    const member = warmMember('pool-abcde', 'pool', 'old');
    const { validation } = await admit(update(member, changed(member, unpaused), alice), admissionContext());

    expectForbidden(
      validation,
      'outdated template of ReserveSet "pool"',
      'kubectl get reserves -n team-a -l pool.w-h-a.io/reserveset=pool,pool.w-h-a.io/template-hash=current',
    );
  });

  test('allows a stale member under OnDelete', async () => {
    const member = warmMember('pool-abcde', 'pool', 'old');
    const context = admissionContext({ sets: [reserveSet('pool', withUpdateStrategy('OnDelete'))] });
    const { validation } = await admit(update(member, changed(member, unpaused), alice), context);

    expect(validation.allowed).toBe(true);
  });

  test('denies a claim of a member whose set is gone', async () => {
    const member = warmMember('pool-abcde');
    const { validation } = await admit(update(member, changed(member, unpaused), alice), admissionContext({ sets: [] }));

    expectForbidden(validation, 'ReserveSet "pool" of Reserve "pool-abcde" no longer exists');
  });

  test('denies a claim of a member of a recreated set', async () => {
    const member = warmMember('pool-abcde');
    const recreated = reserveSet('pool', (set) => {
      set.metadata.uid = 'uid-pool-2';
    });
    const { validation } = await admit(update(member, changed(member, unpaused), alice), admissionContext({ sets: [recreated] }));

    expectForbidden(validation, 'no longer exists');
  });

  test('denies a claim the mutating webhook did not record', async () => {
    const member = warmMember('pool-abcde');
    const response = await validate(update(member, changed(member, unpaused), alice), admissionContext());

    expectForbidden(response, 'the claim of Reserve "pool-abcde" was not recorded', 'MutatingWebhookConfiguration');
  });

  test('rejects when the set lookup fails', async () => {
    const member = warmMember('pool-abcde');
    const context = admissionContext({ getReserveSet: () => Promise.reject(new Error('informer cache is not synced')) });
    const { mutation } = await admit(update(member, changed(member, unpaused), alice), admissionContext());
    const request = update(member, patched(changed(member, unpaused), mutation), alice);

    await expect(validate(request, context)).rejects.toThrow('informer cache is not synced');
  });

  test('times out a hanging set lookup', async () => {
    const member = warmMember('pool-abcde');
    const context = admissionContext({ getReserveSet: () => new Promise(() => {}), lookupTimeoutMs: 20 });
    const { mutation } = await admit(update(member, changed(member, unpaused), alice), admissionContext());
    const request = update(member, patched(changed(member, unpaused), mutation), alice);

    await expect(validate(request, context)).rejects.toThrow('looking up ReserveSet team-a/pool timed out after 20 ms');
  });
});
