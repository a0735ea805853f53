// What the admission handlers need from the operator: its settings and its seams.
import type { ReserveSet } from '../schema/types.js';

export interface AdmissionConfig {
  /** Username of the operator's service account, e.g. `system:serviceaccount:reserve-system:reserve`. Its requests are never claims. */
  operatorUsername: string;
  /** Groups whose members may change or delete a Reserve claimed by someone else, e.g. `system:masters`. */
  adminGroups: readonly string[];
  /** Cap on ReserveSet spec.replicas, set by the operator flag `--max-replicas`. */
  maxReplicas: number;
}

/** Reads a ReserveSet, typically from an informer cache; resolves to undefined when it does not exist. */
export type GetReserveSet = (namespace: string, name: string) => Promise<ReserveSet | undefined>;

/** A field error as the schema validators report it; `type` may be a cause type or its short name. */
export interface SchemaFieldError {
  path: string;
  type: string;
  value?: unknown;
  /** The text after the path, as the apiserver renders it: `Invalid value: -1: must be ...`. */
  message: string;
}

export type SchemaValidator = (object: unknown) => readonly SchemaFieldError[];

/**
 * CRD schema validators, run again here in case a CRD was installed without its schema.
 * When a context leaves them out, the validators generated in src/schema run.
 */
export interface SchemaValidators {
  reserve?: SchemaValidator;
  reserveSet?: SchemaValidator;
}

export interface AdmissionContext {
  config: AdmissionConfig;
  clock: () => Date;
  getReserveSet: GetReserveSet;
  schemaValidators?: SchemaValidators;
  /** Time limit for getReserveSet, in milliseconds; keep it below the webhook timeoutSeconds. */
  lookupTimeoutMs?: number;
}

export function isOperator(context: AdmissionContext, username: string | undefined): boolean {
  return username !== undefined && username === context.config.operatorUsername;
}

export function isAdmin(context: AdmissionContext, groups: readonly string[] | undefined): boolean {
  return (groups ?? []).some((group) => context.config.adminGroups.includes(group));
}
