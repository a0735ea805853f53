import { ApiException } from '@kubernetes/client-node';

import { isAlreadyExists, isConflict, isNamespaceTerminating, statusMessage } from '../../../src/client/errors.js';

function apiError(code: number, status: object): ApiException<string> {
  return new ApiException(code, 'request failed', JSON.stringify({ kind: 'Status', apiVersion: 'v1', ...status }), {});
}

const terminating = apiError(403, {
  reason: 'Forbidden',
  message: 'pods "a" is forbidden: unable to create new content in namespace x because it is being terminated',
  details: { causes: [{ reason: 'NamespaceTerminating', field: 'metadata.namespace' }] },
});

describe('API error classification', () => {
  test('namespace terminating is recognized', () => {
    expect(isNamespaceTerminating(terminating)).toBe(true);
  });

  test('other 403s are not namespace terminating', () => {
    const denied = apiError(403, { reason: 'Forbidden', message: 'pods is forbidden: User "x" cannot create resource' });

    expect(isNamespaceTerminating(denied)).toBe(false);
  });

  test('AlreadyExists is not a conflict', () => {
    const exists = apiError(409, { reason: 'AlreadyExists', message: 'reserves "a" already exists' });

    expect(isAlreadyExists(exists)).toBe(true);
    expect(isConflict(exists)).toBe(false);
  });

  test('status message comes from the body', () => {
    expect(statusMessage(terminating)).toContain('being terminated');
  });
});
