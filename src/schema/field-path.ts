// Conversion of a location in an object into the apiserver's field path notation.

import type { JSONSchemaProps } from './openapi.js';

/**
 * Renders the location given by `segments` in an object of the given schema: a declared
 * property as `.name`, a list index as `[0]` and a map key as `[key]`, for example
 * `spec.template.metadata.labels[app]`. Segments below a node the schema does not declare are
 * rendered from their form: digits as an index, anything else as a property.
 */
export function fieldPath(schema: JSONSchemaProps | undefined, segments: readonly (string | number)[]): string {
  let path = '';
  let node = schema;
  for (const segment of segments) {
    const text = String(segment);
    if (node?.items !== undefined || (node === undefined && /^\d+$/.test(text))) {
      path += `[${text}]`;
      node = node?.items;
    } else if (node?.additionalProperties !== undefined) {
      path += `[${text}]`;
      node = node.additionalProperties;
    } else {
      path += path === '' ? text : `.${text}`;
      node = node?.properties?.[text];
    }
  }
  return path;
}
