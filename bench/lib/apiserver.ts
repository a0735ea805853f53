// A small HTTPS client for the local apiserver, with the admin credentials of the kubeconfig.
// The benchmark times single requests (a claim, a create), so it sends them itself over a
// keep-alive agent instead of through the generated client, whose middleware would add to
// every measured request. Impersonation headers make the request come from another user.
import { Agent, request, type AgentOptions, type RequestOptions } from 'node:https';

import { KubeConfig } from '@kubernetes/client-node';

export interface Impersonation {
  user: string;
  groups?: string[];
}

export interface RequestOptionsBench {
  body?: unknown;
  /** Content-Type of the body; JSON unless set, e.g. application/merge-patch+json. */
  contentType?: string;
  impersonate?: Impersonation;
  timeoutMs?: number;
}

export interface ApiResponse {
  status: number;
  /** The parsed JSON body, or the raw text when the body is not JSON. */
  body: unknown;
  /** Milliseconds from sending the request to the end of the response. */
  durationMs: number;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
export type WatchHandler = (type: WatchEventType, object: KubeObject) => void;

/** The fields of a Kubernetes object that the benchmark reads. */
export interface KubeObject {
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    deletionTimestamp?: string;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

export interface Watcher {
  stop(): void;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const WATCH_RESTART_DELAY_MS = 500;
const WATCH_CONNECT_TIMEOUT_MS = 30_000;

export class ApiServer {
  private readonly agent: Agent;

  private constructor(
    readonly server: URL,
    private readonly tls: Pick<AgentOptions, 'ca' | 'cert' | 'key'>,
  ) {
    this.agent = new Agent({ ...tls, keepAlive: true, maxSockets: 64 });
  }

  /** Reads the server and the client credentials from the current context of a kubeconfig file. */
  static async fromKubeconfig(kubeconfigPath: string): Promise<ApiServer> {
    const config = new KubeConfig();
    config.loadFromFile(kubeconfigPath);
    const cluster = config.getCurrentCluster();
    if (!cluster) throw new Error(`kubeconfig ${kubeconfigPath} has no current cluster`);
    const tls: RequestOptions = {};
    await config.applyToHTTPSOptions(tls);
    return new ApiServer(new URL(cluster.server), { ca: tls.ca, cert: tls.cert, key: tls.key });
  }

  /** Sends a request and resolves with any HTTP status; rejects only when no response arrives. */
  request(method: string, path: string, options: RequestOptionsBench = {}): Promise<ApiResponse> {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string | string[]> = { accept: 'application/json' };
    if (payload !== undefined) {
      headers['content-type'] = options.contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    if (options.impersonate) {
      headers['impersonate-user'] = options.impersonate.user;
      if (options.impersonate.groups?.length) headers['impersonate-group'] = options.impersonate.groups;
    }
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const req = request(
        new URL(path, this.server),
        { method, headers, agent: this.agent, timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({ status: res.statusCode ?? 0, body: parseJson(text), durationMs: performance.now() - started });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out after ${options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Sends a request and returns its body; throws with the status and the apiserver's message unless it succeeded. */
  async ok<T = KubeObject>(method: string, path: string, options: RequestOptionsBench = {}): Promise<T> {
    const response = await this.request(method, path, options);
    if (response.status < 200 || response.status >= 300) {
      throw new Error(`${method} ${path} failed with HTTP ${response.status}: ${statusMessage(response.body)}`);
    }
    return response.body as T;
  }

  /** GETs an object, or returns undefined when it does not exist. */
  async get<T = KubeObject>(path: string): Promise<T | undefined> {
    const response = await this.request('GET', path);
    if (response.status === 404) return undefined;
    if (response.status !== 200) throw new Error(`GET ${path} failed with HTTP ${response.status}: ${statusMessage(response.body)}`);
    return response.body as T;
  }

  /**
   * Watches a collection and calls onEvent for each event, starting with an ADDED event for
   * every object that exists. Resolves once the apiserver accepted the watch, and retries 429
   * and 5xx responses for up to WATCH_CONNECT_TIMEOUT_MS before that. A watch the apiserver
   * closes is resumed from the last resourceVersion seen, and one that fails with an ERROR
   * event (such as 410 Gone) starts over with the current state, until stop().
   */
  watch(collectionPath: string, onEvent: WatchHandler, labelSelector?: string): Promise<Watcher> {
    let resourceVersion: string | undefined;
    let stopped = false;
    let current: ReturnType<typeof request> | undefined;
    let connected: (() => void) | undefined;
    let failedToConnect: ((error: Error) => void) | undefined;
    const connectDeadline = performance.now() + WATCH_CONNECT_TIMEOUT_MS;
    const firstConnection = new Promise<void>((resolve, reject) => {
      connected = resolve;
      failedToConnect = reject;
    });

    const open = (): void => {
      if (stopped) return;
      const query = { watch: 'true', resourceVersion, allowWatchBookmarks: 'true', labelSelector };
      // 'end', 'error' and a failed status can each report the end of one connection.
      let ended = false;
      const reopen = (): void => {
        if (ended) return;
        ended = true;
        restart();
      };
      current = request(new URL(withQuery(collectionPath, query), this.server), { ...this.tls, agent: false }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          // A resource the apiserver has only just started to serve (a new CRD) returns 429
          // until its watch cache is ready, so such statuses are retried for a while.
          const transient = res.statusCode === 429 || (res.statusCode ?? 0) >= 500;
          if (!transient || performance.now() > connectDeadline) {
            failedToConnect?.(new Error(`watch of ${collectionPath} failed with HTTP ${res.statusCode}`));
          }
          reopen();
          return;
        }
        connected?.();
        let buffered = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffered += chunk;
          let newline = buffered.indexOf('\n');
          while (newline >= 0) {
            const line = buffered.slice(0, newline);
            buffered = buffered.slice(newline + 1);
            if (line.trim() !== '') resourceVersion = deliver(line, onEvent);
            newline = buffered.indexOf('\n');
          }
        });
        res.on('end', reopen);
        res.on('error', reopen);
      });
      current.on('error', (error) => {
        failedToConnect?.(error);
        reopen();
      });
      current.end();
    };
    const restart = (): void => {
      current = undefined;
      if (!stopped) setTimeout(open, WATCH_RESTART_DELAY_MS);
    };
    open();
    const watcher: Watcher = {
      stop: () => {
        stopped = true;
        current?.destroy();
      },
    };
    return firstConnection.then(
      () => watcher,
      (error: unknown) => {
        watcher.stop();
        throw error;
      },
    );
  }

  /** Returns the apiserver's Prometheus metrics text. */
  async metrics(): Promise<string> {
    const response = await this.request('GET', '/metrics', { timeoutMs: 60_000 });
    if (response.status !== 200) throw new Error(`GET /metrics failed with HTTP ${response.status}`);
    return typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * Calls the handler for one watch line and returns the resourceVersion to resume from, or
 * undefined after an ERROR event, so that the next watch starts over with the current state.
 */
function deliver(line: string, onEvent: WatchHandler): string | undefined {
  const event = JSON.parse(line) as { type: WatchEventType; object: KubeObject };
  if (event.type === 'ERROR') {
    process.stderr.write(`[bench] watch restarted after an error: ${statusMessage(event.object)}\n`);
    return undefined;
  }
  if (event.type !== 'BOOKMARK') onEvent(event.type, event.object);
  return event.object.metadata?.resourceVersion;
}

export function withQuery(path: string, query: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, value);
  const text = params.toString();
  return text === '' ? path : `${path}${path.includes('?') ? '&' : '?'}${text}`;
}

export function statusMessage(body: unknown): string {
  if (typeof body === 'object' && body !== null && 'message' in body) return String((body as { message: unknown }).message);
  return typeof body === 'string' ? body.slice(0, 500) : JSON.stringify(body).slice(0, 500);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
