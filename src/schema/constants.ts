// Names of the API group, its kinds and the labels reserve puts on the objects it manages.

export const GROUP = 'pool.w-h-a.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

export const RESERVE_KIND = 'Reserve';
export const RESERVE_PLURAL = 'reserves';
export const RESERVESET_KIND = 'ReserveSet';
export const RESERVESET_PLURAL = 'reservesets';

/** Label on Pods and PVCs with the name of the Reserve that owns them. */
export const RESERVE_LABEL = `${GROUP}/reserve`;
/** Label on unclaimed ReserveSet members with the name of their set; removed on claim. */
export const RESERVESET_LABEL = `${GROUP}/reserveset`;
/** Label on ReserveSet members with the hash of the set template they were built from. */
export const TEMPLATE_HASH_LABEL = `${GROUP}/template-hash`;

/** Upper bound of ReserveSet spec.replicas enforced by the CRD schema, whatever the operator's cap. */
export const ABSOLUTE_MAX_REPLICAS = 10000;

/**
 * Longest Reserve name. The Pod is named after the Reserve and its name is also the Pod's
 * hostname, a DNS-1123 label of at most 63 characters.
 */
export const MAX_RESERVE_NAME_LENGTH = 63;
/** Length of the random suffix a ReserveSet appends to member names (`<set>-<suffix>`). */
export const MEMBER_SUFFIX_LENGTH = 5;
/** Longest ReserveSet name, so that `<set>-<suffix>` is a valid Reserve name. */
export const MAX_RESERVESET_NAME_LENGTH = MAX_RESERVE_NAME_LENGTH - MEMBER_SUFFIX_LENGTH - 1;
