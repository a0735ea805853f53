// The two admission handlers: request in, response out, no I/O but getReserveSet.
// Each routes by resource, so one webhook path serves both kinds.
import { GROUP, RESERVE_KIND, RESERVE_PLURAL, RESERVESET_KIND, RESERVESET_PLURAL } from '../schema/constants.js';
import type { AdmissionRequest, AdmissionResponse } from './admission-review.js';
import type { AdmissionContext } from './admission-context.js';
import { recordClaim } from './claim-mutation.js';
import { applyDefaults } from './defaults.js';
import { JsonPatchBuilder } from './json-patch.js';
import { allow, allowWithPatch } from './responses.js';
import { validateReserve } from './validate-reserve.js';
import { validateReserveSet, validateReserveSetScale } from './validate-reserveset.js';

const KIND_BY_RESOURCE: ReadonlyMap<string, string> = new Map([
  [RESERVE_PLURAL, RESERVE_KIND],
  [RESERVESET_PLURAL, RESERVESET_KIND],
]);

/** Records claims and applies defaults to Reserves and ReserveSets on CREATE and UPDATE. */
export function mutate(request: AdmissionRequest, context: AdmissionContext): AdmissionResponse {
  const kind = ownKind(request);
  const subResource = request.subResource ?? '';
  if (kind === undefined || subResource !== '' || (request.operation !== 'CREATE' && request.operation !== 'UPDATE')) {
    return allow(request.uid);
  }
  const builder = new JsonPatchBuilder(request.object);
  if (kind === RESERVE_KIND) {
    recordClaim(builder, request, context);
  }
  applyDefaults(builder, kind, request.operation, request.oldObject);
  return allowWithPatch(request.uid, builder.operations());
}

/** Enforces claim rules and field checks on Reserves, ReserveSets and the ReserveSet scale subresource. */
export async function validate(request: AdmissionRequest, context: AdmissionContext): Promise<AdmissionResponse> {
  const kind = ownKind(request);
  const subResource = request.subResource ?? '';
  if (kind === RESERVE_KIND && subResource === '') {
    return validateReserve(request, context);
  }
  if (kind === RESERVESET_KIND && subResource === '') {
    return validateReserveSet(request, context);
  }
  if (kind === RESERVESET_KIND && subResource === 'scale') {
    return validateReserveSetScale(request, context);
  }
  return allow(request.uid);
}

function ownKind(request: AdmissionRequest): string | undefined {
  if (request.resource.group !== GROUP) {
    return undefined;
  }
  return KIND_BY_RESOURCE.get(request.resource.resource);
}
