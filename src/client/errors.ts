// Classification of errors returned by the Kubernetes API through @kubernetes/client-node.
import { ApiException } from '@kubernetes/client-node';

/** Returns the HTTP status code of an API error, or undefined for other errors. */
export function statusCode(error: unknown): number | undefined {
  if (error instanceof ApiException) return error.code;
  const code = (error as { code?: unknown; statusCode?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

export const isNotFound = (error: unknown): boolean => statusCode(error) === 404;
export const isConflict = (error: unknown): boolean => statusCode(error) === 409 && statusReason(error) !== 'AlreadyExists';
export const isAlreadyExists = (error: unknown): boolean => statusReason(error) === 'AlreadyExists';
export const isForbidden = (error: unknown): boolean => statusCode(error) === 403;
/** A write the apiserver rejected for its content: 422 Invalid, or 400 for a body it cannot decode. */
export const isInvalid = (error: unknown): boolean => statusCode(error) === 422 || statusCode(error) === 400;

/**
 * Returns the `reason` of the metav1.Status in an API error's body. client-node keeps the
 * body as the raw response text, so it is parsed here.
 */
export function statusReason(error: unknown): string | undefined {
  return parseStatus(error)?.reason;
}

/** Returns the `message` of the metav1.Status in an API error's body, or the error's message. */
export function statusMessage(error: unknown): string {
  return parseStatus(error)?.message ?? (error instanceof Error ? error.message : String(error));
}

/**
 * Returns whether a write was rejected because its namespace is being deleted. Nothing is
 * left to do then: the namespace controller deletes everything in it.
 */
export function isNamespaceTerminating(error: unknown): boolean {
  return statusCode(error) === 403 && (parseStatus(error)?.details?.causes ?? []).some((cause) => cause.reason === 'NamespaceTerminating');
}

interface Status {
  reason?: string;
  message?: string;
  details?: { causes?: { reason?: string }[] };
}

function parseStatus(error: unknown): Status | undefined {
  if (!(error instanceof ApiException)) return undefined;
  const body: unknown = error.body;
  if (body && typeof body === 'object') return body as Status;
  if (typeof body !== 'string') return undefined;
  try {
    return JSON.parse(body) as Status;
  } catch {
    return undefined;
  }
}
