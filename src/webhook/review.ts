// Runs an admission handler on a review and guarantees the response contract: the request
// UID is echoed, a failure becomes a 500 denial, and no denial carries a code below 400.
import type { Logger } from 'pino';
import {
  toReview,
  type AdmissionRequest,
  type AdmissionResponse,
  type AdmissionReview,
} from './admission-review.js';
import { deny, internalErrorStatus } from './responses.js';

export type AdmissionHandler = (request: AdmissionRequest) => AdmissionResponse | Promise<AdmissionResponse>;

/**
 * Answers a review whose envelope passed admissionReviewProblem. Never rejects: an error
 * thrown by the handler is logged and answered with allowed false and a 500 status.
 */
export async function answerReview(
  review: AdmissionReview & { request: AdmissionRequest },
  handler: AdmissionHandler,
  logger: Logger,
): Promise<AdmissionReview> {
  const request = { ...review.request, userInfo: review.request.userInfo ?? {} };
  const log = logger.child({
    uid: request.uid,
    operation: request.operation,
    resource: request.resource.resource,
    subResource: request.subResource,
    namespace: request.namespace,
    name: request.name,
    user: request.userInfo.username,
  });
  const started = performance.now();
  let response: AdmissionResponse;
  try {
    response = enforceContract(request.uid, await handler(request));
  } catch (error) {
    log.error({ err: error }, 'admission handler failed');
    response = deny(request.uid, internalErrorStatus(errorMessage(error)));
  }
  const durationMs = Math.round(performance.now() - started);
  if (response.allowed) {
    log.debug({ durationMs, patched: response.patch !== undefined }, 'admission request allowed');
  } else {
    const status = response.status;
    log.info(
      { durationMs, code: status?.code, statusReason: status?.reason, statusMessage: status?.message },
      'admission request denied',
    );
  }
  return toReview(review, response);
}

function enforceContract(uid: string, response: AdmissionResponse): AdmissionResponse {
  if (response.allowed) {
    return { ...response, uid };
  }
  const code = response.status?.code ?? 0;
  if (code < 400) {
    throw new Error(`handler denied the request with status code ${code}; a denial needs a code of 400 or more`);
  }
  return { ...response, uid };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
