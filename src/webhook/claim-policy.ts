// The validating half of a claim: a member is claimed once, only when warm and current, and
// only its claimant (or the operator, or an admin) may change or delete it afterwards.
//
// Racing claimers need no extra care: the apiserver runs admission again on a conflict, with
// the stored object as oldObject. The losing claimer's retried request then meets a claimed
// Reserve and is denied as a change by someone other than the claimant.
import { isDeepStrictEqual } from 'node:util';
import { RESERVESET_LABEL, TEMPLATE_HASH_LABEL } from '../schema/constants.js';
import type { ReserveSet } from '../schema/types.js';
import type { AdmissionRequest } from './admission-review.js';
import { isAdmin, isOperator, type AdmissionContext } from './admission-context.js';
import {
  claimOf,
  claimRecord,
  isPaused,
  isReserveSetController,
  listMembersCommand,
  matchesClaimRecord,
  setMembership,
  warmthProblem,
  type SetMembership,
} from './claim.js';
import { isNoOpUpdate, lifecycleMetadataChanged, specChanged } from './object-diff.js';
import { arrayAt, labelValue, objectName, objectNamespace, stringAt } from './object-access.js';

// Controllers that delete objects on behalf of an owner or a namespace the user already
// deleted. Denying them would leave a namespace stuck in Terminating. The first two are the
// kube-controller-manager identities with --use-service-account-credentials, the last
// without it.
const SYSTEM_DELETERS: ReadonlySet<string> = new Set([
  'system:serviceaccount:kube-system:namespace-controller',
  'system:serviceaccount:kube-system:generic-garbage-collector',
  'system:kube-controller-manager',
]);

const DEFAULT_LOOKUP_TIMEOUT_MS = 3000;

/** Checks a Reserve request against the claim rules; returns the reason for a 403, or undefined to allow it. */
export async function checkClaimPolicy(request: AdmissionRequest, context: AdmissionContext): Promise<string | undefined> {
  switch (request.operation) {
    case 'CREATE':
      return claimOf(request.object) === undefined ? undefined : claimSetByHandMessage(request.object);
    case 'UPDATE':
      return checkUpdate(request, context);
    case 'DELETE':
      return checkDelete(request, context);
    default:
      return undefined;
  }
}

async function checkUpdate(request: AdmissionRequest, context: AdmissionContext): Promise<string | undefined> {
  const { oldObject, object } = request;
  const oldClaim = claimOf(oldObject);
  if (oldClaim !== undefined) {
    return checkClaimedUpdate(request, context);
  }
  const membership = claimedMembership(request, context);
  if (membership !== undefined) {
    return checkClaim(request, membership, context);
  }
  return claimOf(object) === undefined ? undefined : claimSetByHandMessage(object);
}

function checkClaimedUpdate(request: AdmissionRequest, context: AdmissionContext): string | undefined {
  const { oldObject, object, userInfo } = request;
  const claim = claimOf(oldObject);
  if (!isDeepStrictEqual(claim, claimOf(object))) {
    return `spec.claim of Reserve "${objectName(oldObject)}" is read-only: it records the claim by ${describeClaim(claim)}; send it unchanged, or leave it out of a patch`;
  }
  if (isClaimantOrPrivileged(request, context)) {
    return undefined;
  }
  // A label or annotation from a tool is not a change of the claimed workload, but an owner
  // or a finalizer decides when it is deleted, with its PVCs. A no-op is what a losing
  // claimer's retried request looks like.
  if (specChanged(oldObject, object) || lifecycleMetadataChanged(oldObject, object) || isNoOpUpdate(oldObject, object)) {
    return claimedByOtherMessage(oldObject, userInfo.username, 'change', context);
  }
  return undefined;
}

function checkDelete(request: AdmissionRequest, context: AdmissionContext): string | undefined {
  const { oldObject, userInfo } = request;
  if (claimOf(oldObject) === undefined || isClaimantOrPrivileged(request, context)) {
    return undefined;
  }
  if (SYSTEM_DELETERS.has(userInfo.username ?? '')) {
    return undefined;
  }
  return claimedByOtherMessage(oldObject, userInfo.username, 'delete', context);
}

/**
 * Returns the set when the request tries to claim an unclaimed member: an UPDATE by anyone
 * but the operator that leaves it unpaused and either changes its spec or changes nothing.
 * A metadata-only change, such as a label from a tool, is not a claim.
 *
 * NOTE: a metadata-only change that removes the pool label or the set's ownerReference
 * detaches a warm member without a claim record, and nothing here denies it.
 */
function claimedMembership(request: AdmissionRequest, context: AdmissionContext): SetMembership | undefined {
  const { oldObject, object } = request;
  if (isOperator(context, request.userInfo.username) || isPaused(object)) {
    return undefined;
  }
  const membership = setMembership(oldObject);
  if (membership === undefined) {
    return undefined;
  }
  return specChanged(oldObject, object) || isNoOpUpdate(oldObject, object) ? membership : undefined;
}

async function checkClaim(
  request: AdmissionRequest,
  membership: SetMembership,
  context: AdmissionContext,
): Promise<string | undefined> {
  const { oldObject, object } = request;
  const name = objectName(oldObject);
  const namespace = objectNamespace(oldObject);
  const listWarm = listMembersCommand(namespace, membership.setName);
  switch (warmthProblem(oldObject)) {
    case 'deleting':
      return `Reserve "${name}" is being deleted and cannot be claimed; claim another member of ReserveSet "${membership.setName}": ${listWarm}`;
    case 'warming': {
      const phase = stringAt(oldObject, 'status', 'phase') ?? 'Pending';
      return `Reserve "${name}" of ReserveSet "${membership.setName}" is still warming (phase ${phase}); claim a warm one, in phase Paused: ${listWarm}`;
    }
  }

  const now = context.clock();
  const expected = claimRecord(request.userInfo, membership.setName, now);
  if (!matchesClaimRecord(claimOf(object), expected, now) || isStillMember(object)) {
    return `the claim of Reserve "${name}" was not recorded: the reserve mutating webhook sets spec.claim and detaches the member from its set; check that its MutatingWebhookConfiguration is installed`;
  }

  const set = await lookUpReserveSet(namespace, membership.setName, context);
  if (set === undefined || (membership.setUid !== undefined && set.metadata?.uid !== membership.setUid)) {
    return `ReserveSet "${membership.setName}" of Reserve "${name}" no longer exists, so its members are being deleted; claim a member of another ReserveSet`;
  }
  return staleMemberMessage(oldObject, set);
}

function isStillMember(reserve: unknown): boolean {
  return (
    labelValue(reserve, RESERVESET_LABEL) !== undefined ||
    arrayAt(reserve, 'metadata', 'ownerReferences').some(isReserveSetController)
  );
}

/** Denies a member built from an outdated set template while the set replaces such members. */
function staleMemberMessage(reserve: unknown, set: ReserveSet): string | undefined {
  const strategy = set.spec?.updateStrategy?.type ?? 'Replace';
  const currentHash = set.status?.templateHash;
  // NOTE: status.templateHash changes only when the operator has processed a template edit,
  // so a member claimed in the seconds between the edit and that update passes this check.
  if (strategy !== 'Replace' || currentHash === undefined) {
    return undefined;
  }
  const memberHash = labelValue(reserve, TEMPLATE_HASH_LABEL);
  if (memberHash === currentHash) {
    return undefined;
  }
  const setName = set.metadata?.name ?? '';
  const listCurrent = listMembersCommand(objectNamespace(reserve), setName, `,${TEMPLATE_HASH_LABEL}=${currentHash}`);
  return (
    `Reserve "${objectName(reserve)}" was built from an outdated template of ReserveSet "${setName}" ` +
    `(template hash ${memberHash ?? 'unknown'}, current ${currentHash}) and is being replaced under updateStrategy Replace; ` +
    `claim a member built from the current template: ${listCurrent}`
  );
}

async function lookUpReserveSet(namespace: string, name: string, context: AdmissionContext): Promise<ReserveSet | undefined> {
  const timeoutMs = context.lookupTimeoutMs ?? DEFAULT_LOOKUP_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`looking up ReserveSet ${namespace}/${name} timed out after ${timeoutMs} ms; retry the claim`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([context.getReserveSet(namespace, name), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function isClaimantOrPrivileged(request: AdmissionRequest, context: AdmissionContext): boolean {
  const { username, groups } = request.userInfo;
  const claimant = stringAt(claimOf(request.oldObject), 'user');
  return (
    (username !== undefined && username === claimant) || isOperator(context, username) || isAdmin(context, groups)
  );
}

function claimedByOtherMessage(
  reserve: unknown,
  username: string | undefined,
  action: 'change' | 'delete',
  context: AdmissionContext,
): string {
  const adminGroups = context.config.adminGroups.map((group) => `"${group}"`).join(', ');
  const allowed =
    adminGroups === '' ? 'the claimant or the operator' : `the claimant, the operator or members of group ${adminGroups}`;
  return `Reserve "${objectName(reserve)}" is claimed by ${describeClaim(claimOf(reserve))}, not by "${username ?? ''}"; only ${allowed} may ${action} it`;
}

function claimSetByHandMessage(reserve: unknown): string {
  return `spec.claim of Reserve "${objectName(reserve)}" is set only by reserve, when a warm ReserveSet member is unpaused; remove spec.claim from the request`;
}

function describeClaim(claim: unknown): string {
  return `"${stringAt(claim, 'user') ?? ''}" at ${stringAt(claim, 'time') ?? 'an unknown time'}`;
}
