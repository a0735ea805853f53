// The admission webhooks of reserve: claims, defaults and validation of Reserves and ReserveSets.
export type {
  AdmissionConfig,
  AdmissionContext,
  GetReserveSet,
  SchemaFieldError,
  SchemaValidator,
  SchemaValidators,
} from './admission-context.js';
export type { AdmissionRequest, AdmissionResponse, AdmissionReview } from './admission-review.js';
export { HEALTHZ_PATH, MAX_REVIEW_BYTES, MUTATE_PATH, VALIDATE_PATH } from './app.js';
export { CA_FILE, CERT_FILE, KEY_FILE, type KeyPair } from './certificate-reloader.js';
export {
  createCertificateAuthority,
  createServingCertificate,
  generateLocalCertificates,
  type LocalCertificates,
  type ServingCertificateOptions,
} from './certs.js';
export { mutate, validate } from './handlers.js';
export {
  buildWebhookConfigurations,
  registerWebhooks,
  unregisterWebhooks,
  type WebhookConfigurations,
  type WebhookEndpoint,
  type WebhookRegistrationOptions,
} from './registration.js';
export { createWebhookServer, type WebhookServer, type WebhookServerOptions } from './server.js';
