// AdmissionReview bodies as the apiserver sends them for the two requests that matter most:
// creating a Reserve and claiming a warm ReserveSet member. The objects carry managedFields
// and the fields the apiserver sets, so the bodies have a realistic size.
import { randomUUID } from 'node:crypto';

import { API_VERSION, GROUP, RESERVE_LABEL, RESERVESET_LABEL, TEMPLATE_HASH_LABEL, VERSION } from '../../src/schema/constants.js';
import { formatTime } from '../../src/webhook/claim.js';
import { podTemplate } from './objects.js';

export const REVIEW_NAMESPACE = 'team-a';
export const SET_NAME = 'pool';
export const SET_UID = '6f1c2a34-0d1e-4b7a-9c55-1d2e3f4a5b6c';
export const TEMPLATE_HASH = '5d8f7c6b9a';
const CLAIMANT = { username: 'alice', uid: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', groups: ['bench-claimers', 'system:authenticated'] };
const MEMBER = `${SET_NAME}-x7k2p`;

/** The ReserveSet that claimed members belong to, as the webhook server's lookup returns it. */
export function reviewReserveSet() {
  return {
    apiVersion: API_VERSION,
    kind: 'ReserveSet',
    metadata: { name: SET_NAME, namespace: REVIEW_NAMESPACE, uid: SET_UID, generation: 1, resourceVersion: '1200' },
    spec: { replicas: 500, template: podTemplate(SET_NAME, true), updateStrategy: { type: 'Replace', maxUnavailable: '25%' } },
    status: { templateHash: TEMPLATE_HASH, replicas: 500, warmReplicas: 500 },
  };
}

function managedFields(manager: string, time: string) {
  return [
    {
      manager,
      operation: 'Update',
      apiVersion: API_VERSION,
      time,
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': { 'f:labels': { '.': {}, [`f:${RESERVESET_LABEL}`]: {}, [`f:${TEMPLATE_HASH_LABEL}`]: {} } },
        'f:spec': { '.': {}, 'f:paused': {}, 'f:template': { '.': {}, 'f:metadata': {}, 'f:spec': {} }, 'f:volumeClaimTemplates': {} },
      },
    },
  ];
}

function volumeClaimTemplates(name: string) {
  return [
    {
      metadata: { name: 'model-cache', labels: { [RESERVE_LABEL]: name } },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    },
  ];
}

function request(operation: 'CREATE' | 'UPDATE', name: string, object: unknown, oldObject: unknown) {
  const kind = { group: GROUP, version: VERSION, kind: 'Reserve' };
  const resource = { group: GROUP, version: VERSION, resource: 'reserves' };
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: randomUUID(),
      kind,
      resource,
      requestKind: kind,
      requestResource: resource,
      name,
      namespace: REVIEW_NAMESPACE,
      operation,
      userInfo: CLAIMANT,
      object,
      oldObject,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: operation === 'CREATE' ? 'CreateOptions' : 'UpdateOptions', fieldManager: 'kubectl-patch' },
    },
  };
}

/** Builds the review of a user creating a standalone Reserve with one PVC template. `mutated` adds what the mutating webhook sets. */
export function reserveCreateReview(mutated: boolean) {
  const name = 'notebook-7';
  const now = formatTime(new Date());
  const template = podTemplate('notebook', true);
  if (mutated) {
    template.metadata.labels = { ...template.metadata.labels, [RESERVE_LABEL]: name };
    Object.assign(template.spec.containers[0]!, { imagePullPolicy: 'IfNotPresent' });
  }
  const object = {
    apiVersion: API_VERSION,
    kind: 'Reserve',
    metadata: { name, namespace: REVIEW_NAMESPACE, creationTimestamp: now, managedFields: managedFields('kubectl-client-side-apply', now) },
    spec: { paused: false, template, volumeClaimTemplates: mutated ? volumeClaimTemplates(name) : volumeClaimTemplates(name).map(withoutLabels) },
  };
  return request('CREATE', name, object, null);
}

/**
 * Builds the review of a claim, in which the stored object is a warm member and the request
 * unpauses it. With `mutated`, the object carries the claim record and is detached from its
 * set, as after the mutating webhook. The record's time is now, so build the review right
 * before use, because the webhook accepts a record up to 60 s old.
 */
export function claimReview(mutated: boolean) {
  const created = formatTime(new Date(Date.now() - 3600_000));
  const template = podTemplate(SET_NAME, true);
  template.metadata.labels = { ...template.metadata.labels, [RESERVE_LABEL]: MEMBER };
  Object.assign(template.spec.containers[0]!, { imagePullPolicy: 'IfNotPresent' });
  const oldObject = {
    apiVersion: API_VERSION,
    kind: 'Reserve',
    metadata: {
      name: MEMBER,
      namespace: REVIEW_NAMESPACE,
      uid: '9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
      resourceVersion: '48213',
      generation: 2,
      creationTimestamp: created,
      labels: { [RESERVESET_LABEL]: SET_NAME, [TEMPLATE_HASH_LABEL]: TEMPLATE_HASH } as Record<string, string>,
      ownerReferences: [{ apiVersion: API_VERSION, kind: 'ReserveSet', name: SET_NAME, uid: SET_UID, controller: true, blockOwnerDeletion: true }],
      managedFields: managedFields('reserve-operator', created),
    },
    spec: { paused: true, template, volumeClaimTemplates: volumeClaimTemplates(MEMBER) },
    status: {
      phase: 'Paused',
      observedGeneration: 2,
      persistentVolumeClaims: [`model-cache-${MEMBER}`],
      templateHash: TEMPLATE_HASH,
      firstReadyTime: created,
      lastPausedTime: created,
      lastNodeName: 'kwok-node-2',
      conditions: [
        { type: 'Ready', status: 'True', reason: 'Paused', message: 'Paused with no Pod; volumes kept.', observedGeneration: 2, lastTransitionTime: created },
        { type: 'Paused', status: 'True', reason: 'Paused', message: 'The Pod is deleted.', observedGeneration: 2, lastTransitionTime: created },
      ],
    },
  };
  const object = structuredClone(oldObject) as typeof oldObject & { spec: { claim?: unknown } };
  object.spec.paused = false;
  if (mutated) {
    object.spec.claim = { user: CLAIMANT.username, groups: CLAIMANT.groups, time: formatTime(new Date()), reserveSet: SET_NAME };
    object.metadata.labels = { [TEMPLATE_HASH_LABEL]: TEMPLATE_HASH };
    object.metadata.ownerReferences = [];
  }
  return request('UPDATE', MEMBER, object, oldObject);
}

function withoutLabels<T extends { metadata: { name: string; labels?: Record<string, string> } }>(template: T): T {
  return { ...template, metadata: { name: template.metadata.name } };
}
