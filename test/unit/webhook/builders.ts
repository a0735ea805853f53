// Fixture builders for webhook tests: objects, admission requests and contexts.
import * as jsonpatch from 'fast-json-patch';
import {
  API_VERSION,
  GROUP,
  RESERVE_LABEL,
  RESERVESET_LABEL,
  TEMPLATE_HASH_LABEL,
  VERSION,
} from '../../../src/schema/constants.js';
import type { ClaimRecord, Reserve, ReserveSet } from '../../../src/schema/types.js';
import type { AdmissionContext } from '../../../src/webhook/admission-context.js';
import type { AdmissionRequest, AdmissionResponse, Operation } from '../../../src/webhook/admission-review.js';
import { mutate, validate } from '../../../src/webhook/handlers.js';

export const NOW = new Date('2026-12-04T15:00:00Z');
export const NAMESPACE = 'team-a';
export const OPERATOR = 'system:serviceaccount:reserve-system:reserve';
export const ADMIN_GROUP = 'reserve-admins';
export const MAX_REPLICAS = 100;

export interface Requester {
  username: string;
  groups: string[];
}

export const alice: Requester = { username: 'alice', groups: ['developers', 'system:authenticated'] };
export const bob: Requester = { username: 'bob', groups: ['developers', 'system:authenticated'] };
export const admin: Requester = { username: 'carol', groups: [ADMIN_GROUP, 'system:authenticated'] };
export const operator: Requester = { username: OPERATOR, groups: ['system:serviceaccounts'] };
export const namespaceController: Requester = {
  username: 'system:serviceaccount:kube-system:namespace-controller',
  groups: ['system:serviceaccounts'],
};

type Modifier<T> = (object: T) => void;
type TemplateOwner = Reserve | ReserveSet;

/** A Reserve as stored after admission: one container mounting one claim template, labels defaulted. */
export function reserve(name: string, ...modifiers: Modifier<Reserve>[]): Reserve {
  const object: Reserve = {
    apiVersion: API_VERSION,
    kind: 'Reserve',
    metadata: { name, namespace: NAMESPACE, uid: `uid-${name}`, resourceVersion: '7', generation: 1 },
    spec: {
      paused: false,
      template: {
        metadata: { labels: { app: 'notebook', [RESERVE_LABEL]: name } },
        spec: {
          containers: [
            {
              name: 'main',
              image: 'registry.example:5000/notebook:1.4.2',
              imagePullPolicy: 'IfNotPresent',
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
            },
          ],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: 'data', labels: { [RESERVE_LABEL]: name } },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } },
        },
      ],
    },
  };
  modifiers.forEach((modify) => modify(object));
  return object;
}

export function reserveSet(name: string, ...modifiers: Modifier<ReserveSet>[]): ReserveSet {
  const template = reserve('unused').spec;
  delete template.template.metadata?.labels?.[RESERVE_LABEL];
  delete template.volumeClaimTemplates?.[0]?.metadata.labels;
  const object: ReserveSet = {
    apiVersion: API_VERSION,
    kind: 'ReserveSet',
    metadata: { name, namespace: NAMESPACE, uid: `uid-${name}`, resourceVersion: '3', generation: 1 },
    spec: {
      replicas: 3,
      template: template.template,
      volumeClaimTemplates: template.volumeClaimTemplates,
      updateStrategy: { type: 'Replace', maxUnavailable: '25%' },
    },
    status: { templateHash: 'current' },
  };
  modifiers.forEach((modify) => modify(object));
  return object;
}

/** An unclaimed member of `setName`, paused after booting once, built from template `hash`. */
export function warmMember(name: string, setName = 'pool', hash = 'current'): Reserve {
  return reserve(name, memberOf(setName, hash), withPaused(true), withPhase('Paused'), withFirstReadyTime());
}

export function memberOf(setName: string, hash = 'current'): Modifier<Reserve> {
  return (object) => {
    object.metadata.labels = { ...object.metadata.labels, [RESERVESET_LABEL]: setName, [TEMPLATE_HASH_LABEL]: hash };
    object.metadata.ownerReferences = [
      { apiVersion: API_VERSION, kind: 'ReserveSet', name: setName, uid: `uid-${setName}`, controller: true, blockOwnerDeletion: true },
    ];
  };
}

export function withPaused(paused: boolean): Modifier<Reserve> {
  return (object) => {
    object.spec.paused = paused;
  };
}

export function withPhase(phase: NonNullable<Reserve['status']>['phase']): Modifier<Reserve> {
  return (object) => {
    object.status = { ...object.status, phase };
  };
}

export function withFirstReadyTime(time = '2026-12-04T14:00:00Z'): Modifier<Reserve> {
  return (object) => {
    object.status = { ...object.status, firstReadyTime: time };
  };
}

export function withClaim(claim: Partial<ClaimRecord> = {}): Modifier<Reserve> {
  return (object) => {
    object.spec.claim = { user: 'alice', groups: alice.groups, time: '2026-12-04T14:30:00Z', reserveSet: 'pool', ...claim };
  };
}

export function withDeletionTimestamp(): Modifier<Reserve> {
  return (object) => {
    object.metadata.deletionTimestamp = new Date('2026-12-04T14:59:00Z');
  };
}

export function withLabel(key: string, value: string): Modifier<TemplateOwner> {
  return (object) => {
    object.metadata.labels = { ...object.metadata.labels, [key]: value };
  };
}

export function withImage(image: string, imagePullPolicy?: string): Modifier<TemplateOwner> {
  return (object) => {
    const container = object.spec.template.spec.containers[0]!;
    container.image = image;
    if (imagePullPolicy === undefined) {
      delete container.imagePullPolicy;
    } else {
      container.imagePullPolicy = imagePullPolicy;
    }
  };
}

export function withMount(name: string, mountPath: string): Modifier<TemplateOwner> {
  return (object) => {
    object.spec.template.spec.containers[0]!.volumeMounts!.push({ name, mountPath });
  };
}

export function withVolume(name: string): Modifier<TemplateOwner> {
  return (object) => {
    const spec = object.spec.template.spec;
    spec.volumes = [...(spec.volumes ?? []), { name, emptyDir: {} }];
  };
}

/** Adds a claim template; a null `storage` leaves the storage request out. */
export function withClaimTemplate(name: string, storage: string | null = '1Gi'): Modifier<TemplateOwner> {
  return (object) => {
    const requests: Record<string, string> = storage === null ? {} : { storage };
    object.spec.volumeClaimTemplates = [
      ...(object.spec.volumeClaimTemplates ?? []),
      { metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests } } },
    ];
  };
}

export function withReplicas(replicas: number): Modifier<ReserveSet> {
  return (object) => {
    object.spec.replicas = replicas;
  };
}

export function withUpdateStrategy(type: 'Replace' | 'OnDelete'): Modifier<ReserveSet> {
  return (object) => {
    object.spec.updateStrategy = { ...object.spec.updateStrategy, type };
  };
}

/**
 * Returns a deep copy of `object` with the modifiers applied. The copy goes through JSON, as
 * objects do on their way to a webhook. Under Jest, structuredClone returns objects of another
 * realm, and isDeepStrictEqual never finds those equal to objects built here.
 */
export function changed<T extends TemplateOwner>(object: T, ...modifiers: Modifier<T>[]): T {
  const copy = JSON.parse(JSON.stringify(object)) as T;
  modifiers.forEach((modify) => modify(copy));
  return copy;
}

let nextUid = 0;

export function admissionRequest(
  operation: Operation,
  object: TemplateOwner | null,
  oldObject: TemplateOwner | null,
  requester: Requester = alice,
): AdmissionRequest {
  const subject = (object ?? oldObject) as TemplateOwner;
  const resource = subject.kind === 'Reserve' ? 'reserves' : 'reservesets';
  return {
    uid: `request-${++nextUid}`,
    kind: { group: GROUP, version: VERSION, kind: subject.kind },
    resource: { group: GROUP, version: VERSION, resource },
    name: subject.metadata.name ?? '',
    namespace: NAMESPACE,
    operation,
    userInfo: { username: requester.username, groups: requester.groups },
    object,
    oldObject,
  };
}

export const create = (object: TemplateOwner, requester?: Requester) => admissionRequest('CREATE', object, null, requester);
export const update = (oldObject: TemplateOwner, object: TemplateOwner, requester?: Requester) =>
  admissionRequest('UPDATE', object, oldObject, requester);
export const remove = (oldObject: TemplateOwner, requester?: Requester) => admissionRequest('DELETE', null, oldObject, requester);

export interface ContextOptions {
  sets?: ReserveSet[];
  clock?: () => Date;
  getReserveSet?: AdmissionContext['getReserveSet'];
  /** Schema validators in place of the generated ones; `{}` runs none, as with a CRD without its schema. */
  schemaValidators?: AdmissionContext['schemaValidators'];
  lookupTimeoutMs?: number;
}

export function admissionContext(options: ContextOptions = {}): AdmissionContext {
  const sets = options.sets ?? [reserveSet('pool')];
  return {
    config: { operatorUsername: OPERATOR, adminGroups: [ADMIN_GROUP], maxReplicas: MAX_REPLICAS },
    clock: options.clock ?? (() => NOW),
    getReserveSet:
      options.getReserveSet ??
      (async (namespace, name) =>
        sets.find((set) => set.metadata.namespace === namespace && set.metadata.name === name)),
    schemaValidators: options.schemaValidators,
    lookupTimeoutMs: options.lookupTimeoutMs,
  };
}

/** Decodes the JSON patch of a response; an empty list when it has none. */
export function patchOf(response: AdmissionResponse): jsonpatch.Operation[] {
  if (response.patch === undefined) {
    return [];
  }
  expect(response.patchType).toBe('JSONPatch');
  return JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) as jsonpatch.Operation[];
}

/** Applies the response's patch to a copy of the request object, as the apiserver does. */
export function patched<T>(object: T, response: AdmissionResponse): T {
  return jsonpatch.applyPatch(object, patchOf(response), true, false).newDocument;
}

export interface Admission {
  mutation: AdmissionResponse;
  validation: AdmissionResponse;
  /** The object after the mutating webhook's patch, as the validating webhook saw it. */
  object: unknown;
}

/** Runs a request through mutation, the patch and validation, in the order the apiserver does. */
export async function admit(request: AdmissionRequest, context: AdmissionContext): Promise<Admission> {
  const mutation = mutate(request, context);
  const object = request.object === null ? null : patched(request.object, mutation);
  const validation = await validate({ ...request, object }, context);
  return { mutation, validation, object };
}
