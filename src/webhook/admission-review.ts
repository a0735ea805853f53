// The AdmissionReview v1 envelope (admission.k8s.io/v1). client-node ships no types for it
// because the apiserver does not serve it as a resource.
import type { V1Status } from '@kubernetes/client-node';

export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';
export const ADMISSION_REVIEW_KIND = 'AdmissionReview';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

export interface UserInfo {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export interface AdmissionRequest {
  uid: string;
  kind: GroupVersionKind;
  resource: GroupVersionResource;
  subResource?: string;
  name?: string;
  namespace?: string;
  operation: Operation;
  userInfo: UserInfo;
  /** The object after the request and earlier mutations; null on DELETE. */
  object?: unknown;
  /** The stored object on UPDATE and DELETE; null on CREATE. */
  oldObject?: unknown;
  dryRun?: boolean;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: V1Status;
  patchType?: 'JSONPatch';
  /** Base64 of an RFC 6902 JSON patch. */
  patch?: string;
  warnings?: string[];
}

export interface AdmissionReview {
  apiVersion: string;
  kind: string;
  request?: AdmissionRequest;
  response?: AdmissionResponse;
}

const OPERATIONS: ReadonlySet<string> = new Set(['CREATE', 'UPDATE', 'DELETE', 'CONNECT']);

/**
 * Checks that a parsed body is an AdmissionReview v1 with a request, and returns the reason
 * when it is not. Only the envelope is checked; the objects inside are untrusted JSON.
 */
export function admissionReviewProblem(body: unknown): string | undefined {
  if (!isRecord(body)) {
    return 'the body is not a JSON object';
  }
  if (body.apiVersion !== ADMISSION_API_VERSION || body.kind !== ADMISSION_REVIEW_KIND) {
    return `expected apiVersion ${ADMISSION_API_VERSION} and kind ${ADMISSION_REVIEW_KIND}, got ${String(body.apiVersion)} ${String(body.kind)}`;
  }
  const request = body.request;
  if (!isRecord(request)) {
    return 'request is missing';
  }
  if (typeof request.uid !== 'string' || request.uid === '') {
    return 'request.uid is missing';
  }
  if (typeof request.operation !== 'string' || !OPERATIONS.has(request.operation)) {
    return `request.operation ${String(request.operation)} is not one of CREATE, UPDATE, DELETE, CONNECT`;
  }
  if (!isRecord(request.kind) || !isRecord(request.resource)) {
    return 'request.kind or request.resource is missing';
  }
  if (request.userInfo !== undefined && !isRecord(request.userInfo)) {
    return 'request.userInfo is not an object';
  }
  return undefined;
}

/** Wraps a response in a review with the apiVersion and kind of the request, as the apiserver expects. */
export function toReview(request: { apiVersion: string; kind: string }, response: AdmissionResponse): AdmissionReview {
  return { apiVersion: request.apiVersion, kind: request.kind, response };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
