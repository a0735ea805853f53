// Warnings for images and pull policies that defeat the image cached on a node, which is
// what makes a resume fast.
import { templateContainers, type TemplateContainer } from './object-access.js';

export interface ImageReference {
  /** The tag, or undefined when the reference has none (the registry then serves `latest`). */
  tag: string | undefined;
  digest: string | undefined;
}

/** Splits `registry:5000/repo/name:tag@sha256:...` into its tag and digest. */
export function parseImageReference(image: string): ImageReference {
  const at = image.indexOf('@');
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const name = at >= 0 ? image.slice(0, at) : image;
  // A colon before the last slash belongs to a registry port, not to a tag.
  const colon = name.lastIndexOf(':');
  const tag = colon > name.lastIndexOf('/') ? name.slice(colon + 1) : undefined;
  return { tag, digest };
}

/**
 * Lists warnings for the containers of `spec.template` whose image or pull policy is new in
 * this request (all of them when `oldSpec` is undefined), so an unrelated update repeats none.
 */
export function imageWarnings(spec: unknown, oldSpec: unknown): string[] {
  const oldContainers = new Map(templateContainers(oldSpec).map((entry) => [containerKey(entry), entry]));
  const warnings: string[] = [];
  for (const current of templateContainers(spec)) {
    const previous = oldContainers.get(containerKey(current));
    const path = `spec.template.spec.${current.list}[${current.index}]`;
    if (previous?.container.image !== current.container.image) {
      warnings.push(...mutableTagWarnings(path, current));
    }
    if (previous?.container.imagePullPolicy !== current.container.imagePullPolicy) {
      warnings.push(...pullAlwaysWarnings(path, current));
    }
  }
  return warnings;
}

function containerKey({ list, container }: TemplateContainer): string {
  return `${list}/${String(container.name)}`;
}

function mutableTagWarnings(path: string, { container }: TemplateContainer): string[] {
  const image = container.image;
  if (typeof image !== 'string' || image === '') {
    return [];
  }
  const { tag, digest } = parseImageReference(image);
  if (digest !== undefined || (tag !== undefined && tag !== 'latest')) {
    return [];
  }
  const problem = tag === undefined ? 'has no tag, which means "latest"' : 'uses the tag "latest"';
  return [
    `${path}.image: "${image}" ${problem}: a node reuses whichever image it cached under that tag, ` +
      'so resumed Pods may run different images; pin a version tag or a digest',
  ];
}

function pullAlwaysWarnings(path: string, { container }: TemplateContainer): string[] {
  if (container.imagePullPolicy !== 'Always') {
    return [];
  }
  return [
    `${path}.imagePullPolicy: Always makes every resume wait for an image pull; ` +
      'use IfNotPresent with a pinned tag or digest',
  ];
}
