// Operator settings from command-line flags, each with an environment variable fallback.
import { parseArgs } from 'node:util';

import { ABSOLUTE_MAX_REPLICAS } from '../schema/constants.js';

export interface OperatorConfig {
  kubeconfig?: string;
  /** Namespaces to watch; empty means all. */
  namespaces: string[];
  /** Namespace the operator runs in: holds its Lease and is excluded from the webhooks. */
  operatorNamespace: string;
  /** User name of the operator's ServiceAccount, whose requests are never claims. */
  operatorUsername: string;
  adminGroups: string[];
  maxReplicas: number;
  /** ReserveSet member creations per second, and the burst above that rate. */
  createRate: number;
  createBurst: number;
  workers: number;
  leaderElect: boolean;
  leaseName: string;
  /** Directory with tls.crt and tls.key for the webhook server. */
  certDir: string;
  webhookHost: string;
  webhookPort: number;
  /** Register the webhook configurations at startup, pointing at webhookUrl (local development). */
  registerWebhooks: boolean;
  /** Base URL the apiserver uses to reach this server; https://127.0.0.1:<port> when unset. */
  webhookUrl?: string;
  /** Create a CA and a serving certificate in certDir when it holds none (local development). */
  generateCertificates: boolean;
  healthHost: string;
  healthPort: number;
  logLevel: string;
  resyncPeriodSeconds: number;
}

interface FlagSpec {
  env: string;
  help: string;
  type: 'string' | 'boolean';
  default?: string;
}

export const FLAGS: Record<string, FlagSpec> = {
  kubeconfig: { env: 'KUBECONFIG', type: 'string', help: 'kubeconfig file; in-cluster config when unset inside a Pod' },
  namespaces: { env: 'RESERVE_NAMESPACES', type: 'string', default: '', help: 'comma-separated namespaces to watch; all when empty' },
  'operator-namespace': { env: 'POD_NAMESPACE', type: 'string', default: 'reserve-system', help: 'namespace of the operator and its Lease' },
  'operator-username': {
    env: 'RESERVE_OPERATOR_USERNAME',
    type: 'string',
    default: 'system:serviceaccount:reserve-system:reserve-operator',
    help: "user name of the operator's ServiceAccount, whose updates are never claims",
  },
  'admin-groups': { env: 'RESERVE_ADMIN_GROUPS', type: 'string', default: 'system:masters', help: 'comma-separated groups allowed to change or delete any claimed Reserve' },
  'max-replicas': { env: 'RESERVE_MAX_REPLICAS', type: 'string', default: '1000', help: `largest ReserveSet spec.replicas accepted (1..${ABSOLUTE_MAX_REPLICAS})` },
  'create-rate': { env: 'RESERVE_CREATE_RATE', type: 'string', default: '20', help: 'ReserveSet member creations per second' },
  'create-burst': { env: 'RESERVE_CREATE_BURST', type: 'string', default: '100', help: 'member creations allowed at once above create-rate' },
  workers: { env: 'RESERVE_WORKERS', type: 'string', default: '16', help: 'concurrent Reserve reconciles (ReserveSet reconciles use half)' },
  'leader-elect': { env: 'RESERVE_LEADER_ELECT', type: 'boolean', default: 'true', help: 'elect one reconciling replica through a Lease' },
  'lease-name': { env: 'RESERVE_LEASE_NAME', type: 'string', default: 'reserve-operator', help: 'name of the leader election Lease' },
  'cert-dir': { env: 'RESERVE_CERT_DIR', type: 'string', default: '/tmp/reserve-certs', help: 'directory with tls.crt and tls.key of the webhook server' },
  'webhook-host': { env: 'RESERVE_WEBHOOK_HOST', type: 'string', default: '0.0.0.0', help: 'address the webhook server listens on' },
  'webhook-port': { env: 'RESERVE_WEBHOOK_PORT', type: 'string', default: '9443', help: 'port of the webhook server' },
  'register-webhooks': {
    env: 'RESERVE_REGISTER_WEBHOOKS',
    type: 'boolean',
    default: 'false',
    help: 'create the webhook configurations at startup with --webhook-url and the CA in cert-dir (local development)',
  },
  'webhook-url': { env: 'RESERVE_WEBHOOK_URL', type: 'string', help: 'base URL the apiserver calls the webhooks at; https://127.0.0.1:<port> when unset' },
  'generate-certificates': { env: 'RESERVE_GENERATE_CERTIFICATES', type: 'boolean', default: 'false', help: 'create a CA and serving certificate in cert-dir when it has none' },
  'health-host': { env: 'RESERVE_HEALTH_HOST', type: 'string', default: '0.0.0.0', help: 'address of the /healthz, /readyz and /metrics server' },
  'health-port': { env: 'RESERVE_HEALTH_PORT', type: 'string', default: '8080', help: 'port of the /healthz, /readyz and /metrics server' },
  'log-level': { env: 'RESERVE_LOG_LEVEL', type: 'string', default: 'info', help: 'trace, debug, info, warn or error' },
  'resync-period': { env: 'RESERVE_RESYNC_PERIOD', type: 'string', default: '300', help: 'seconds between full resyncs of every object' },
};

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

export function usage(): string {
  const lines = Object.entries(FLAGS).map(([name, spec]) => {
    const fallback = spec.default !== undefined && spec.default !== '' ? ` (default ${spec.default})` : '';
    return `  --${name.padEnd(22)} ${spec.help}${fallback} [$${spec.env}]`;
  });
  return ['Usage: reserve [flags]', '', 'Runs the reserve operator: webhooks and controllers.', '', ...lines].join('\n');
}

/** Parses argv and env; throws an Error naming the flag and the accepted values on bad input. */
export function parseConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): OperatorConfig {
  // Every flag takes a value (`--leader-elect=false`), so booleans parse like the rest.
  const options = Object.fromEntries(Object.keys(FLAGS).map((name) => [name, { type: 'string' as const }]));
  const { values } = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean' } }, strict: true });
  const raw = (name: string): string | undefined => {
    const value = (values as Record<string, string | boolean | undefined>)[name];
    if (value !== undefined) return String(value);
    return env[FLAGS[name]!.env] ?? FLAGS[name]!.default;
  };
  const list = (name: string) => (raw(name) ?? '').split(',').map((s) => s.trim()).filter(Boolean);

  const config: OperatorConfig = {
    kubeconfig: raw('kubeconfig') || undefined,
    namespaces: list('namespaces'),
    operatorNamespace: raw('operator-namespace')!,
    operatorUsername: raw('operator-username')!,
    adminGroups: list('admin-groups'),
    maxReplicas: integer('max-replicas', raw('max-replicas'), 1, ABSOLUTE_MAX_REPLICAS),
    createRate: number('create-rate', raw('create-rate'), 0.1, 10_000),
    createBurst: integer('create-burst', raw('create-burst'), 1, 10_000),
    workers: integer('workers', raw('workers'), 1, 64),
    leaderElect: boolean('leader-elect', raw('leader-elect')),
    leaseName: raw('lease-name')!,
    certDir: raw('cert-dir')!,
    webhookHost: raw('webhook-host')!,
    webhookPort: integer('webhook-port', raw('webhook-port'), 0, 65535),
    registerWebhooks: boolean('register-webhooks', raw('register-webhooks')),
    webhookUrl: raw('webhook-url') || undefined,
    generateCertificates: boolean('generate-certificates', raw('generate-certificates')),
    healthHost: raw('health-host')!,
    healthPort: integer('health-port', raw('health-port'), 0, 65535),
    logLevel: raw('log-level')!,
    resyncPeriodSeconds: integer('resync-period', raw('resync-period'), 0, 86_400),
  };
  if (!LOG_LEVELS.includes(config.logLevel)) {
    throw new Error(`invalid --log-level ${JSON.stringify(config.logLevel)}: use one of ${LOG_LEVELS.join(', ')}`);
  }
  return config;
}

function number(flag: string, value: string | undefined, min: number, max: number): number {
  const parsed = Number(value);
  if (value === undefined || value.trim() === '' || !Number.isFinite(parsed) || parsed < min || parsed > max) {
    throw new Error(`invalid --${flag} ${JSON.stringify(value)}: use a number from ${min} to ${max}`);
  }
  return parsed;
}

function integer(flag: string, value: string | undefined, min: number, max: number): number {
  const parsed = number(flag, value, min, max);
  if (!Number.isInteger(parsed)) {
    throw new Error(`invalid --${flag} ${JSON.stringify(value)}: use a whole number from ${min} to ${max}`);
  }
  return parsed;
}

function boolean(flag: string, value: string | undefined): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new Error(`invalid --${flag} ${JSON.stringify(value)}: use true or false`);
}
