// Node affinity towards the node a Reserve's previous Pod ran on, where the image and page
// cache are likely still warm.
//
// The node is matched with the field `metadata.name`, as the DaemonSet controller does,
// rather than the label kubernetes.io/hostname: status.nodeName is the Node's name, and the
// hostname label differs from it on some providers. The scheduler accepts matchFields in both
// required and preferred terms.

import type {
  V1Affinity,
  V1NodeSelectorRequirement,
  V1NodeSelectorTerm,
  V1PreferredSchedulingTerm,
} from '@kubernetes/client-node';
import type { ResumePlacement } from '../../schema/types.js';

/** Weight of the preferred term, the highest the API allows, so it outweighs template terms of lower weight. */
export const LAST_NODE_PREFERENCE_WEIGHT = 100;

/**
 * Returns a copy of affinity with a term for nodeName added according to placement:
 * - PreferLastNode: a preferred term of weight 100;
 * - RequireLastNode: the node ANDed into every required term, so (A or B) becomes
 *   (A and node) or (B and node); an empty required term matches no node and is kept empty;
 * - None, or no nodeName: no change.
 * Returns undefined when affinity is undefined and nothing is added.
 */
export function withLastNodeAffinity(
  affinity: V1Affinity | undefined,
  placement: ResumePlacement,
  nodeName: string | undefined,
): V1Affinity | undefined {
  const copy = affinity === undefined ? undefined : structuredClone(affinity);
  if (nodeName === undefined || nodeName === '' || placement === 'None') {
    return copy;
  }
  const result = copy ?? {};
  const nodeAffinity = (result.nodeAffinity ??= {});
  if (placement === 'PreferLastNode') {
    const preferred: V1PreferredSchedulingTerm = {
      weight: LAST_NODE_PREFERENCE_WEIGHT,
      preference: { matchFields: [nodeRequirement(nodeName)] },
    };
    nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution = [
      ...(nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution ?? []),
      preferred,
    ];
    return result;
  }
  const required = nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution;
  if (required === undefined || required.nodeSelectorTerms.length === 0) {
    nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = {
      nodeSelectorTerms: [{ matchFields: [nodeRequirement(nodeName)] }],
    };
    return result;
  }
  required.nodeSelectorTerms = required.nodeSelectorTerms.map((term) => requireNode(term, nodeName));
  return result;
}

function requireNode(term: V1NodeSelectorTerm, nodeName: string): V1NodeSelectorTerm {
  if (isEmptyTerm(term)) {
    // Adding the node would turn a term that matches nothing into one that matches it.
    return term;
  }
  return { ...term, matchFields: [...(term.matchFields ?? []), nodeRequirement(nodeName)] };
}

function isEmptyTerm(term: V1NodeSelectorTerm): boolean {
  return (term.matchExpressions ?? []).length === 0 && (term.matchFields ?? []).length === 0;
}

function nodeRequirement(nodeName: string): V1NodeSelectorRequirement {
  return { key: 'metadata.name', operator: 'In', values: [nodeName] };
}
