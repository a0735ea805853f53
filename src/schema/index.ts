// The reserve API: constants, generated types, CRD objects and validators.

export * from './constants.js';
export type * from './types.js';
export { crds, reserveCrd, reserveSetCrd, CATEGORY, type CustomResourceDefinition } from './crds.js';
export { validateReserve, validateReserveSet } from './validation.js';
export { formatFieldError, type FieldError, type FieldErrorType } from './field-error.js';
export { KUBERNETES_SCHEMA_VERSION } from './kubernetes.js';
export { CONDITION_STATUSES, RESUME_PLACEMENTS, RETENTION_POLICY_TYPES } from './common.js';
export { RESERVE_CONDITION_TYPES, RESERVE_PHASES } from './reserve.js';
export { RESERVESET_CONDITION_TYPES, UPDATE_STRATEGY_TYPES } from './reserveset.js';
export {
  IMAGE_PULL_POLICIES,
  MAX_VOLUME_CLAIM_TEMPLATE_NAME_LENGTH,
  MAX_VOLUME_CLAIM_TEMPLATES,
} from './templates.js';
