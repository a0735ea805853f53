// A closed-loop HTTPS load generator: `concurrency` clients on keep-alive connections, each
// sending its next request as soon as the previous response has arrived, for a fixed time.
import { Agent, request } from 'node:https';

import { summarize, type Summary } from './stats.js';

export interface LoadOptions {
  /** Only https://127.0.0.1 URLs: the benchmark loads nothing but its own servers. */
  url: string;
  body: string;
  /** PEM CA that signed the server's certificate. */
  ca: string;
  concurrency: number;
  durationMs: number;
}

export interface LoadResult {
  requests: number;
  /** Responses other than 200 and requests that failed. */
  errors: number;
  firstError?: string;
  seconds: number;
  requestsPerSecond: number;
  /** Latency of successful requests, in milliseconds. */
  latency: Summary;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const url = new URL(options.url);
  if (url.protocol !== 'https:' || url.hostname !== '127.0.0.1') throw new Error(`refusing to load ${options.url}: only https://127.0.0.1 is allowed`);
  const agent = new Agent({ ca: options.ca, keepAlive: true, maxSockets: options.concurrency });
  const payload = Buffer.from(options.body);
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const deadline = started + options.durationMs;

  const send = (): Promise<void> =>
    new Promise((resolve) => {
      const sentAt = performance.now();
      const fail = (message: string) => {
        errors++;
        firstError ??= message;
        resolve();
      };
      const req = request(
        url,
        { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': payload.length } },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 200) {
              latencies.push(performance.now() - sentAt);
              resolve();
            } else {
              fail(`HTTP ${res.statusCode}`);
            }
          });
          res.on('error', (error) => fail(error.message));
        },
      );
      req.on('error', (error) => fail(error.message));
      req.end(payload);
    });

  const client = async (): Promise<void> => {
    while (performance.now() < deadline) await send();
  };
  await Promise.all(Array.from({ length: options.concurrency }, client));
  const elapsed = performance.now() - started;
  agent.destroy();
  return {
    requests: latencies.length + errors,
    errors,
    ...(firstError ? { firstError } : {}),
    seconds: elapsed / 1000,
    requestsPerSecond: latencies.length / (elapsed / 1000),
    latency: summarize(latencies),
  };
}

/** POSTs one JSON body and returns the status and the parsed response, for checking a body before loading with it. */
export function postOnce(options: Pick<LoadOptions, 'url' | 'body' | 'ca'>): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(
      options.url,
      { method: 'POST', ca: options.ca, headers: { 'content-type': 'application/json' }, timeout: 10_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`POST ${options.url} timed out`)));
    req.on('error', reject);
    req.end(options.body);
  });
}
