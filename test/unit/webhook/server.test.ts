import { gzipSync } from 'node:zlib';
import type { V1Status } from '@kubernetes/client-node';
import type { Reserve } from '../../../src/schema/types.js';
import type { GetReserveSet } from '../../../src/webhook/admission-context.js';
import type { AdmissionRequest } from '../../../src/webhook/admission-review.js';
import { HEALTHZ_PATH, MAX_REVIEW_BYTES, MUTATE_PATH, VALIDATE_PATH } from '../../../src/webhook/app.js';
import { mutate } from '../../../src/webhook/handlers.js';
import {
  admissionContext,
  alice,
  bob,
  changed,
  create,
  patched,
  patchOf,
  reserve,
  reserveSet,
  update,
  warmMember,
  withClaim,
  withPaused,
} from './builders.js';
import { postReview, reviewOf, send, startServer, type RunningServer } from './server-harness.js';

const LOOKUP_TIMEOUT_MS = 200;

let running: RunningServer;
// Each test may swap the lookup; the server calls whichever is current.
let lookup: GetReserveSet;
const defaultLookup = admissionContext().getReserveSet;

beforeAll(async () => {
  running = await startServer({
    getReserveSet: (namespace, name) => lookup(namespace, name),
    lookupTimeoutMs: LOOKUP_TIMEOUT_MS,
  });
});

afterAll(async () => {
  await running.stop();
});

beforeEach(() => {
  lookup = defaultLookup;
});

/** Builds the validating request of a claim, with the object as the mutating webhook left it. */
function recordedClaim(): AdmissionRequest {
  const member = warmMember('pool-abcde');
  const request = update(member, changed(member, withPaused(false)), alice);
  const mutation = mutate(request, admissionContext());
  return { ...request, object: patched(request.object, mutation) };
}

/** Sends a body and parses the metav1.Status in the response. */
async function statusFor(body: string | Buffer, options = {}): Promise<{ code: number; status: V1Status }> {
  const result = await send(running.port, running.caCert, VALIDATE_PATH, body, options);
  return { code: result.status, status: JSON.parse(result.body) as V1Status };
}

/** Builds a review of `bytes` bytes or a little more, padded with an annotation. */
function reviewOfSize(bytes: number): Buffer {
  const object = reserve('big', (big) => (big.metadata.annotations = { padding: '' }));
  const envelope = JSON.stringify(reviewOf(create(object)));
  object.metadata.annotations = { padding: 'x'.repeat(Math.max(0, bytes - envelope.length)) };
  return Buffer.from(JSON.stringify(reviewOf(create(object))));
}

describe('webhook server reviews', () => {
  test('answers a mutating review', async () => {
    const member = warmMember('pool-abcde');
    const request = update(member, changed(member, withPaused(false)), alice);
    const review = await postReview(running, MUTATE_PATH, request);

    expect(review.apiVersion).toBe('admission.k8s.io/v1');
    expect(review.kind).toBe('AdmissionReview');
    expect(review.request).toBeUndefined();
    expect(review.response?.uid).toBe(request.uid);
    expect(review.response?.allowed).toBe(true);
    expect(review.response?.patchType).toBe('JSONPatch');
    const claimed = patched(request.object as Reserve, review.response!);
    expect(claimed.spec.claim?.user).toBe('alice');
  });

  test('answers a validating denial', async () => {
    const claimed = reserve('r', withPaused(true), withClaim());
    const request = update(claimed, changed(claimed, withPaused(false)), bob);
    const review = await postReview(running, VALIDATE_PATH, request);

    expect(review.response?.uid).toBe(request.uid);
    expect(review.response?.allowed).toBe(false);
    expect(review.response?.status?.code).toBe(403);
    expect(review.response?.status?.reason).toBe('Forbidden');
  });

  test('sends warnings', async () => {
    const request = create(reserve('r', (object) => (object.spec.template.spec.containers[0]!.image = 'notebook:latest')));
    const review = await postReview(running, VALIDATE_PATH, request);

    expect(review.response?.allowed).toBe(true);
    expect(review.response?.warnings?.[0]).toContain('uses the tag "latest"');
  });

  test('answers a claim after the set lookup', async () => {
    const request = recordedClaim();
    const review = await postReview(running, VALIDATE_PATH, request);

    expect(review.response?.uid).toBe(request.uid);
    expect(review.response?.allowed).toBe(true);
  });

  test('echoes each UID under concurrency', async () => {
    const requests = Array.from({ length: 16 }, (_, index) =>
      index % 2 === 0 ? recordedClaim() : create(reserveSet(`pool-${index}`)),
    );
    const reviews = await Promise.all(requests.map((request) => postReview(running, VALIDATE_PATH, request)));

    expect(reviews.map((review) => review.response?.uid)).toEqual(requests.map((request) => request.uid));
  });

  test('admits an object of 1 MiB', async () => {
    const object = reserve('big', (big) => {
      big.spec.template.spec.containers[0]!.env = Array.from({ length: 1024 }, (_, index) => ({
        name: `VALUE_${index}`,
        value: 'v'.repeat(1024),
      }));
    });
    const request = create(object);
    expect(JSON.stringify(object).length).toBeGreaterThan(1024 * 1024);

    const mutation = await postReview(running, MUTATE_PATH, request);
    expect(mutation.response?.uid).toBe(request.uid);
    expect(mutation.response?.allowed).toBe(true);

    const validation = await postReview(running, VALIDATE_PATH, { ...request, object: patched(object, mutation.response!) });
    expect(validation.response?.uid).toBe(request.uid);
    expect(validation.response?.status).toBeUndefined();
    expect(validation.response?.allowed).toBe(true);
  });

  test('admits an UPDATE of 1 MiB objects', async () => {
    const object = reserve('big', (big) => (big.spec.template.spec.containers[0]!.args = ['a'.repeat(1024 * 1024)]));
    const request = update(object, changed(object, withPaused(true)), alice);
    const review = await postReview(running, VALIDATE_PATH, request);

    expect(review.response?.uid).toBe(request.uid);
    expect(review.response?.allowed).toBe(true);
  });
});

describe('webhook server failures', () => {
  test('echoes the UID when a lookup rejects', async () => {
    lookup = () => Promise.reject(new Error('informer cache is not synced'));
    const request = recordedClaim();
    const review = await postReview(running, VALIDATE_PATH, request);

    expect(review.response?.uid).toBe(request.uid);
    expect(review.response?.allowed).toBe(false);
    expect(review.response?.status?.code).toBe(500);
    expect(review.response?.status?.reason).toBe('InternalError');
    expect(review.response?.status?.message).toContain('informer cache is not synced');
  });

  test('echoes the UID when a lookup throws', async () => {
    lookup = () => {
      throw new TypeError('lookup is broken');
    };
    const request = recordedClaim();
    const review = await postReview(running, VALIDATE_PATH, request);

    expect(review.response?.uid).toBe(request.uid);
    expect(review.response?.status?.code).toBe(500);
    expect(review.response?.status?.message).toContain('lookup is broken');
  });

  test('times out a hanging lookup', async () => {
    lookup = () => new Promise(() => {});
    const request = recordedClaim();
    const review = await postReview(running, VALIDATE_PATH, request);

    expect(review.response?.uid).toBe(request.uid);
    expect(review.response?.allowed).toBe(false);
    expect(review.response?.status?.code).toBe(500);
    expect(review.response?.status?.message).toContain(`timed out after ${LOOKUP_TIMEOUT_MS} ms`);
  });

  test('times out a slow lookup', async () => {
    lookup = () =>
      new Promise((resolve) => {
        setTimeout(() => resolve(reserveSet('pool')), LOOKUP_TIMEOUT_MS * 5).unref();
      });
    const request = recordedClaim();
    const review = await postReview(running, VALIDATE_PATH, request);

    expect(review.response?.uid).toBe(request.uid);
    expect(review.response?.status?.code).toBe(500);
    expect(review.response?.status?.message).toContain('retry the claim');
  });

  test('logs a failed review with its UID', async () => {
    lookup = () => Promise.reject(new Error('lookup failed for the log'));
    const from = running.logs.records.length;
    const request = recordedClaim();
    await postReview(running, VALIDATE_PATH, request);

    const record = await running.logs.waitFor('admission handler failed', from);
    expect(record.uid).toBe(request.uid);
    expect((record.err as { message?: string }).message).toBe('lookup failed for the log');
  });
});

describe('webhook server bodies', () => {
  const valid = reviewOf(create(reserve('r')));

  const invalidBodies: [string, string, string][] = [
    ['malformed JSON', '{"apiVersion": "admission.k8s.io/v1", "kind": ', 'invalid request body'],
    ['a JSON string', '"AdmissionReview"', 'invalid request body'],
    ['a JSON array', '[]', 'the body is not a JSON object'],
    ['an older apiVersion', JSON.stringify({ ...valid, apiVersion: 'admission.k8s.io/v1beta1' }), 'expected apiVersion admission.k8s.io/v1'],
    ['another kind', JSON.stringify({ ...valid, kind: 'Status' }), 'kind AdmissionReview'],
    ['no request', JSON.stringify({ apiVersion: valid.apiVersion, kind: valid.kind }), 'request is missing'],
    ['no uid', JSON.stringify({ ...valid, request: { ...valid.request, uid: undefined } }), 'request.uid is missing'],
    ['an empty uid', JSON.stringify({ ...valid, request: { ...valid.request, uid: '' } }), 'request.uid is missing'],
    ['an unknown operation', JSON.stringify({ ...valid, request: { ...valid.request, operation: 'PATCH' } }), 'request.operation PATCH'],
    ['no resource', JSON.stringify({ ...valid, request: { ...valid.request, resource: undefined } }), 'request.resource'],
    ['userInfo that is not an object', JSON.stringify({ ...valid, request: { ...valid.request, userInfo: 'alice' } }), 'userInfo'],
  ];

  test.each(invalidBodies)('rejects %s with 400', async (_case, body, fragment) => {
    const { code, status } = await statusFor(body);

    expect(code).toBe(400);
    expect(status.kind).toBe('Status');
    expect(status.code).toBe(400);
    expect(status.reason).toBe('BadRequest');
    expect(status.message).toContain(fragment);
  });

  test('rejects a body without JSON content type', async () => {
    const { code, status } = await statusFor(JSON.stringify(valid), { headers: { 'Content-Type': 'text/plain' } });

    expect(code).toBe(400);
    expect(status.message).toContain('Content-Type application/json');
  });

  test('rejects an empty body', async () => {
    const { code } = await statusFor('');

    expect(code).toBe(400);
  });

  test('rejects a body over the limit', async () => {
    const body = reviewOfSize(MAX_REVIEW_BYTES + 1);
    const { code, status } = await statusFor(body);

    expect(body.length).toBeGreaterThan(MAX_REVIEW_BYTES);
    expect(code).toBe(413);
    expect(status.code).toBe(413);
    expect(status.reason).toBe('RequestEntityTooLarge');
    expect(status.message).toContain(`${MAX_REVIEW_BYTES} bytes`);
  });

  test('rejects a chunked body over the limit', async () => {
    const { code } = await statusFor(reviewOfSize(MAX_REVIEW_BYTES + 1), { chunked: true });

    expect(code).toBe(413);
  });

  test('rejects a gzip body inflating over the limit', async () => {
    const body = gzipSync(reviewOfSize(MAX_REVIEW_BYTES + 1));
    const { code } = await statusFor(body, { headers: { 'Content-Encoding': 'gzip' } });

    expect(body.length).toBeLessThan(MAX_REVIEW_BYTES);
    expect(code).toBe(413);
  });

  test('accepts a body just under the limit', async () => {
    const body = reviewOfSize(MAX_REVIEW_BYTES - 64 * 1024);
    const result = await send(running.port, running.caCert, MUTATE_PATH, body);

    expect(body.length).toBeLessThanOrEqual(MAX_REVIEW_BYTES);
    expect(result.status).toBe(200);
  });

  test('rejects an unknown encoding with 415', async () => {
    const { code } = await statusFor(JSON.stringify(valid), { headers: { 'Content-Encoding': 'compress' } });

    expect(code).toBe(415);
  });

  test('serves the health check', async () => {
    const result = await send(running.port, running.caCert, HEALTHZ_PATH, undefined, { method: 'GET' });

    expect(result.status).toBe(200);
    expect(result.body).toBe('ok');
  });

  test('answers an unknown path with 404', async () => {
    const result = await send(running.port, running.caCert, '/convert', JSON.stringify(valid));

    expect(result.status).toBe(404);
    expect((JSON.parse(result.body) as V1Status).message).toContain(`POST ${MUTATE_PATH}`);
  });
});

describe('webhook server lifecycle', () => {
  test('reports ready until closed', async () => {
    const second = await startServer();
    expect(second.server.ready()).toBe(true);

    await second.stop();
    expect(second.server.ready()).toBe(false);
    await expect(send(second.port, second.caCert, HEALTHZ_PATH, undefined, { method: 'GET' })).rejects.toThrow(/ECONNREFUSED/);
  });

  test('rejects a second start', async () => {
    await expect(running.server.start()).rejects.toThrow('already started');
  });

  test('fails to start without certificates', async () => {
    const second = await startServer();
    await second.stop();

    await expect(second.server.start()).rejects.toThrow(/ENOENT/);
    expect(second.server.ready()).toBe(false);
  });
});
