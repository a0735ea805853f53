// Renders the TypeScript declarations of the custom resources from their CRD schemas, for
// src/schema/types.ts. A schema marked with named() becomes a declaration of that name, one
// marked with external() refers to a @kubernetes/client-node type, and any other schema is
// written inline.

import { externalTypeOf, typeNameOf, type JSONSchemaProps } from './openapi.js';

const MAX_LINE_LENGTH = 100;

export interface RootType {
  kind: string;
  apiVersion: string;
  schema: JSONSchemaProps;
}

/** Renders the content of types.ts for the given kinds. */
export function renderTypes(roots: RootType[], header: string): string {
  const renderer = new TypeRenderer();
  const rootDeclarations = roots.map((root) => renderer.renderRoot(root));
  const imports = [...renderer.imports].sort();
  return [
    header,
    `import type { ${imports.join(', ')} } from '@kubernetes/client-node';`,
    ...rootDeclarations,
    ...renderer.declarations.values(),
  ].join('\n\n') + '\n';
}

class TypeRenderer {
  readonly imports = new Set<string>(['V1ListMeta', 'V1ObjectMeta']);
  /** Declarations by name, in the order they were first referenced. */
  readonly declarations = new Map<string, string>();

  renderRoot(root: RootType): string {
    const properties = root.schema.properties ?? {};
    const members = [
      `apiVersion: '${root.apiVersion}';`,
      `kind: '${root.kind}';`,
      'metadata: V1ObjectMeta;',
      ...['spec', 'status'].map((name) => this.renderMember(name, properties[name]!, root.schema, '  ')),
    ];
    const list = [
      `export interface ${root.kind}List {`,
      `  apiVersion: '${root.apiVersion}';`,
      `  kind: '${root.kind}List';`,
      '  metadata: V1ListMeta;',
      `  items: ${root.kind}[];`,
      '}',
    ];
    return [
      docComment(root.schema.description, ''),
      `export interface ${root.kind} {`,
      ...members.map((member) => (member.startsWith(' ') ? member : `  ${member}`)),
      '}',
      '',
      ...list,
    ].filter((line) => line !== undefined).join('\n');
  }

  private renderType(schema: JSONSchemaProps, indent: string): string {
    const externalName = externalTypeOf(schema);
    if (externalName !== undefined) {
      this.imports.add(externalName);
      return externalName;
    }
    const name = typeNameOf(schema);
    if (name !== undefined) {
      this.declare(name, schema);
      return name;
    }
    return this.renderAnonymous(schema, indent);
  }

  private declare(name: string, schema: JSONSchemaProps): void {
    if (this.declarations.has(name)) {
      const rendered = this.renderDeclaration(name, schema);
      if (this.declarations.get(name) !== rendered) {
        throw new Error(`two different schemas are named ${name}: give one of them another name`);
      }
      return;
    }
    // Reserve the slot first so that declarations appear in the order they are referenced.
    this.declarations.set(name, '');
    this.declarations.set(name, this.renderDeclaration(name, schema));
  }

  private renderDeclaration(name: string, schema: JSONSchemaProps): string {
    const doc = docComment(schema.description, '');
    if (schema.type === 'object' && schema.properties !== undefined) {
      const body = this.renderProperties(schema, '  ');
      return [doc, `export interface ${name} {`, ...body, '}'].filter(Boolean).join('\n');
    }
    return [doc, `export type ${name} = ${this.renderAnonymous(schema, '')};`].filter(Boolean).join('\n');
  }

  private renderAnonymous(schema: JSONSchemaProps, indent: string): string {
    if (schema['x-kubernetes-int-or-string']) return 'number | string';
    if (schema.enum !== undefined) return schema.enum.map((value) => JSON.stringify(value).replaceAll('"', "'")).join(' | ');
    switch (schema.type) {
      case 'string':
        return 'string';
      case 'integer':
      case 'number':
        return 'number';
      case 'boolean':
        return 'boolean';
      case 'array': {
        const item = this.renderType(schema.items!, indent);
        return item.includes(' ') && !item.startsWith('{') ? `(${item})[]` : `${item}[]`;
      }
      case 'object':
        return this.renderObject(schema, indent);
      default:
        throw new Error(`cannot render a TypeScript type for schema ${JSON.stringify(schema).slice(0, 200)}`);
    }
  }

  private renderObject(schema: JSONSchemaProps, indent: string): string {
    if (schema.properties !== undefined) {
      return ['{', ...this.renderProperties(schema, `${indent}  `), `${indent}}`].join('\n');
    }
    if (schema.additionalProperties !== undefined) {
      return `Record<string, ${this.renderType(schema.additionalProperties, indent)}>`;
    }
    return 'Record<string, unknown>';
  }

  private renderProperties(schema: JSONSchemaProps, indent: string): string[] {
    return Object.entries(schema.properties ?? {}).map(([name, property]) =>
      this.renderMember(name, property, schema, indent),
    );
  }

  private renderMember(name: string, property: JSONSchemaProps, parent: JSONSchemaProps, indent: string): string {
    const optional = parent.required?.includes(name) ? '' : '?';
    const doc = docComment(property.description, indent);
    const line = `${indent}${name}${optional}: ${this.renderType(property, indent)};`;
    return doc ? `${doc}\n${line}` : line;
  }
}

/** Wraps a description into a JSDoc comment at the given indentation. */
function docComment(description: string | undefined, indent: string): string {
  if (description === undefined) return '';
  const width = MAX_LINE_LENGTH - indent.length - 3;
  const lines: string[] = [];
  let line = '';
  for (const word of description.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  lines.push(line);
  if (lines.length === 1 && indent.length + lines[0]!.length + 7 <= MAX_LINE_LENGTH) {
    return `${indent}/** ${lines[0]} */`;
  }
  return [`${indent}/**`, ...lines.map((text) => `${indent} * ${text}`), `${indent} */`].join('\n');
}
