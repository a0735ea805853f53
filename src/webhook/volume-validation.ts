// Checks of pod volumes, volume mounts and volume claim templates that the CRD schema
// cannot express because they relate fields to each other.
import { isRecord } from './admission-review.js';
import { duplicate, notFound, required, type FieldError } from './field-errors.js';
import { closestName } from './names.js';
import { arrayAt, recordAt, stringAt, templateContainers } from './object-access.js';

// Bounds the edit-distance work on a template with very many unknown mounts; later ones
// get the message without a suggestion.
const MAX_SUGGESTIONS = 20;

/** Validates the volumes of a Reserve or ReserveSet spec; returns every error found. */
export function validateVolumes(spec: unknown): FieldError[] {
  const claimTemplateNames = namesOf(arrayAt(spec, 'volumeClaimTemplates'), 'metadata', 'name');
  const volumeNames = namesOf(arrayAt(spec, 'template', 'spec', 'volumes'), 'name');
  return [
    ...validateClaimTemplates(spec),
    ...validateShadowedClaimTemplates(spec, new Set(claimTemplateNames)),
    ...validateMountReferences(spec, volumeNames, claimTemplateNames),
  ];
}

// Names of claim templates are checked by the CRD schema (required, unique, DNS-1123 label).
function validateClaimTemplates(spec: unknown): FieldError[] {
  const errors: FieldError[] = [];
  arrayAt(spec, 'volumeClaimTemplates').forEach((template, index) => {
    if (recordAt(template, 'spec', 'resources', 'requests')?.storage === undefined) {
      errors.push(
        required(
          `spec.volumeClaimTemplates[${index}].spec.resources.requests.storage`,
          'a volume claim template must request storage, e.g. 10Gi',
        ),
      );
    }
  });
  return errors;
}

// A pod volume with the name of a claim template would make the mount ambiguous.
function validateShadowedClaimTemplates(spec: unknown, claimTemplateNames: ReadonlySet<string>): FieldError[] {
  const errors: FieldError[] = [];
  arrayAt(spec, 'template', 'spec', 'volumes').forEach((volume, index) => {
    const name = stringAt(volume, 'name');
    if (name !== undefined && claimTemplateNames.has(name)) {
      errors.push(
        duplicate(
          `spec.template.spec.volumes[${index}].name`,
          name,
          `the volume shadows the volumeClaimTemplate "${name}"; rename the volume or the claim template`,
        ),
      );
    }
  });
  return errors;
}

function validateMountReferences(
  spec: unknown,
  volumeNames: readonly string[],
  claimTemplateNames: readonly string[],
): FieldError[] {
  const declared = new Set([...volumeNames, ...claimTemplateNames]);
  const suggester = new MountSuggester(volumeNames, claimTemplateNames);
  const errors: FieldError[] = [];
  for (const { list, index, container } of templateContainers(spec)) {
    const containerPath = `spec.template.spec.${list}[${index}]`;
    for (const [field, pathField] of [
      ['volumeMounts', 'mountPath'],
      ['volumeDevices', 'devicePath'],
    ] as const) {
      arrayAt(container, field).forEach((mount, mountIndex) => {
        const name = stringAt(mount, 'name');
        if (name === undefined || declared.has(name)) {
          return;
        }
        const where = isRecord(mount) ? String(mount[pathField]) : '';
        errors.push(
          notFound(
            `${containerPath}.${field}[${mountIndex}].name`,
            name,
            `the mount at "${where}" refers to no volume or volumeClaimTemplate; ${suggester.suggest(name)}`,
          ),
        );
      });
    }
  }
  return errors;
}

/** Suggests the declared name a mistyped mount most likely meant, or how to declare it. */
class MountSuggester {
  private remaining = MAX_SUGGESTIONS;
  private readonly candidates: string[];
  private readonly claimTemplateNames: ReadonlySet<string>;

  constructor(volumeNames: readonly string[], claimTemplateNames: readonly string[]) {
    this.candidates = [...claimTemplateNames, ...volumeNames];
    this.claimTemplateNames = new Set(claimTemplateNames);
  }

  suggest(name: string): string {
    const closest = this.remaining > 0 ? closestName(name, this.candidates) : undefined;
    this.remaining--;
    if (closest === undefined) {
      return `add a volumeClaimTemplate named "${name}", or a volume of that name to spec.template.spec.volumes`;
    }
    const kind = this.claimTemplateNames.has(closest) ? 'volumeClaimTemplate' : 'volume';
    return `did you mean ${kind} "${closest}"?`;
  }
}

function namesOf(entries: readonly unknown[], ...path: string[]): string[] {
  return entries.map((entry) => stringAt(entry, ...path)).filter((name): name is string => name !== undefined);
}
