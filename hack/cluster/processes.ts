// Starting and stopping the control plane's processes as detached children, so they
// outlive `npm run cluster:up` and can be found again from their recorded pids.
import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';

export interface ProcessRecord {
  name: string;
  pid: number;
  /** Binary path, so a recycled pid that runs something else is never signalled. */
  binary: string;
  logFile: string;
}

export function startProcess(name: string, binary: string, args: string[], logFile: string): ProcessRecord {
  const log = openSync(logFile, 'w');
  const child = spawn(binary, args, { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  if (child.pid === undefined) {
    throw new Error(`failed to start ${name} (${binary}); see ${logFile}`);
  }
  child.unref();
  return { name, pid: child.pid, binary, logFile };
}

/** Reports whether pid is alive and still runs binary (pids are reused after a process exits). */
export function isRunning(record: ProcessRecord): boolean {
  try {
    const cmdline = readFileSync(`/proc/${record.pid}/cmdline`, 'utf8');
    const stat = readFileSync(`/proc/${record.pid}/stat`, 'utf8');
    // A zombie (state Z) has exited and only waits for its parent to reap it.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return cmdline.split('\0')[0] === record.binary && state !== 'Z';
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends SIGTERM, waits up to graceMs, then sends SIGKILL. Returns once the process is gone. */
export async function stopProcess(record: ProcessRecord, graceMs = 10_000): Promise<void> {
  if (!isRunning(record)) return;
  signal(record.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isRunning(record) && Date.now() < deadline) await sleep(100);
  if (isRunning(record)) {
    signal(record.pid, 'SIGKILL');
    while (isRunning(record)) await sleep(50);
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
