// The HTTP routes of the webhook server, without TLS: POST /mutate, POST /validate and
// GET /healthz. Both webhook paths serve Reserves and ReserveSets; the handlers route by
// the request's resource.
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { V1Status } from '@kubernetes/client-node';
import { admissionReviewProblem, type AdmissionRequest, type AdmissionReview } from './admission-review.js';
import { answerReview, type AdmissionHandler } from './review.js';

export const MUTATE_PATH = '/mutate';
export const VALIDATE_PATH = '/validate';
export const HEALTHZ_PATH = '/healthz';

/**
 * Largest AdmissionReview body accepted, in bytes. A review carries the object and, on
 * UPDATE, the stored oldObject. The apiserver accepts request bodies up to 3 MiB
 * (--max-request-body-bytes) and etcd stores values up to 1.5 MiB (--max-request-bytes),
 * so a review holds at most about 4.5 MiB of objects. JSON re-encoding and the envelope add
 * some more, so 8 MiB leaves headroom. controller-runtime allows about 7 MiB.
 */
export const MAX_REVIEW_BYTES = 8 * 1024 * 1024;

export interface AdmissionAppOptions {
  mutate: AdmissionHandler;
  validate: AdmissionHandler;
  logger: Logger;
}

export function createAdmissionApp({ mutate, validate, logger }: AdmissionAppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  const parseJson = express.json({ limit: MAX_REVIEW_BYTES });

  app.get(HEALTHZ_PATH, (_request, response) => {
    response.type('text/plain').send('ok');
  });
  app.post(MUTATE_PATH, parseJson, reviewRoute(mutate, logger));
  app.post(VALIDATE_PATH, parseJson, reviewRoute(validate, logger));
  app.use((request: Request, response: Response) => {
    sendStatus(response, 404, 'NotFound', `no route for ${request.method} ${request.path}; use POST ${MUTATE_PATH} or POST ${VALIDATE_PATH}`);
  });
  app.use(bodyErrorHandler(logger));
  return app;
}

function reviewRoute(handler: AdmissionHandler, logger: Logger) {
  return async (request: Request, response: Response): Promise<void> => {
    const body: unknown = request.body;
    const problem =
      body === undefined ? 'the body must be an AdmissionReview sent as Content-Type application/json' : admissionReviewProblem(body);
    if (problem !== undefined) {
      logger.warn({ path: request.path, problem }, 'rejected a body that is not an AdmissionReview');
      sendStatus(response, 400, 'BadRequest', `invalid AdmissionReview: ${problem}`);
      return;
    }
    const review = body as AdmissionReview & { request: AdmissionRequest };
    response.json(await answerReview(review, handler, logger));
  };
}

// Answers the errors of the JSON body parser: 413 over the size limit, 400 for a body that
// is not JSON, 415 for an unsupported encoding. Anything else is a 500.
function bodyErrorHandler(logger: Logger) {
  return (error: unknown, request: Request, response: Response, next: NextFunction): void => {
    if (response.headersSent) {
      next(error);
      return;
    }
    const status = httpStatusOf(error);
    if (status === 413) {
      logger.warn({ path: request.path, limitBytes: MAX_REVIEW_BYTES }, 'rejected an AdmissionReview over the size limit');
      sendStatus(response, 413, 'RequestEntityTooLarge', `the AdmissionReview is larger than the limit of ${MAX_REVIEW_BYTES} bytes`);
    } else if (status >= 400 && status < 500) {
      logger.warn({ path: request.path, err: error }, 'rejected an unreadable request body');
      sendStatus(response, status, 'BadRequest', `invalid request body: ${(error as Error).message}`);
    } else {
      logger.error({ path: request.path, err: error }, 'webhook request failed');
      sendStatus(response, 500, 'InternalError', 'the webhook failed to process the request');
    }
  };
}

function httpStatusOf(error: unknown): number {
  if (typeof error === 'object' && error !== null) {
    const { status, statusCode } = error as { status?: unknown; statusCode?: unknown };
    const code = typeof status === 'number' ? status : statusCode;
    if (typeof code === 'number') {
      return code;
    }
  }
  return 500;
}

function sendStatus(response: Response, code: number, reason: string, message: string): void {
  const status: V1Status = { apiVersion: 'v1', kind: 'Status', status: 'Failure', code, reason, message };
  response.status(code).json(status);
}
