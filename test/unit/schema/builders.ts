// Fixture builders for Reserve and ReserveSet objects, shared by the unit and integration tests.

import { parse } from 'yaml';

import type { Reserve, ReserveSet } from '../../../src/schema/index.js';

/** The ReserveSet a user applies in the getting-started example, as YAML. */
export const EXAMPLE_RESERVESET_YAML = `
apiVersion: pool.w-h-a.io/v1alpha1
kind: ReserveSet
metadata: {name: pytorch-agents}
spec:
  replicas: 10
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers:
      - name: main
        image: my-heavy-ai-image:v1
        volumeMounts: [{name: model-cache, mountPath: /data}]
  volumeClaimTemplates:
  - metadata: {name: model-cache}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 50Gi}}
`;

export type Modifier<T> = (object: T) => void;

export function exampleReserveSet(...modifiers: Modifier<ReserveSet>[]): ReserveSet {
  const object = parse(EXAMPLE_RESERVESET_YAML) as ReserveSet;
  for (const modify of modifiers) modify(object);
  return object;
}

/** A standalone Reserve: one container, one volume claim template. */
export function reserve(name: string, ...modifiers: Modifier<Reserve>[]): Reserve {
  const object: Reserve = {
    apiVersion: 'pool.w-h-a.io/v1alpha1',
    kind: 'Reserve',
    metadata: { name },
    spec: {
      template: {
        metadata: { labels: { app: 'dev-box' } },
        spec: {
          containers: [{ name: 'main', image: 'busybox:1.37', ports: [{ containerPort: 8080 }] }],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: 'home' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
        },
      ],
    },
  };
  for (const modify of modifiers) modify(object);
  return object;
}

/** Sets a field given by a path of keys and indexes, creating nothing on the way. */
export function withField<T>(path: (string | number)[], value: unknown): Modifier<T> {
  return (object) => {
    let parent = object as Record<string | number, unknown>;
    for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
    parent[path[path.length - 1]!] = value;
  };
}

/** Deletes the field given by a path of keys and indexes. */
export function withoutField<T>(path: (string | number)[]): Modifier<T> {
  return (object) => {
    let parent = object as Record<string | number, unknown>;
    for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
    delete parent[path[path.length - 1]!];
  };
}
