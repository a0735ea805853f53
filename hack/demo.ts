// The main job in one command: local control plane, CRDs, the operator with its webhooks,
// a pool of 10 warming up, and one claim resuming on its original volume.
//
//   npm run demo                  keeps running until Ctrl-C, then stops what it started
//   npm run demo -- --once        exits after the claim
//   npm run demo -- --keep-cluster  leaves the local cluster running on exit
//   npm run demo -- --reset       deletes claimed Reserves left in the demo namespace
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { openSync } from 'node:fs';
import path from 'node:path';

import { CLUSTER_DIR, clusterKubectl, down, isUp, KUBECONFIG_PATH, REPO_ROOT, up, type ClusterState } from './cluster/cluster.js';

const NAMESPACE = 'reserve-demo';
const POOL = 'pytorch-agents';
const CLAIMANT = { user: 'alice', group: 'agent-users' };
const args = new Set(process.argv.slice(2));
const once = args.has('--once');
const keepCluster = args.has('--keep-cluster');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const say = (message: string) => process.stdout.write(`${message}\n`);

interface Member {
  metadata: { name: string; labels?: Record<string, string> };
  spec: { paused?: boolean; claim?: { user: string; time: string } };
  status?: { phase?: string; persistentVolumeClaims?: string[]; nodeName?: string; lastNodeName?: string; conditions?: { type: string; status: string }[] };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function kubectl(state: ClusterState, ...kubectlArgs: string[]): Promise<string> {
  return clusterKubectl(state.binDir, kubectlArgs);
}

async function startOperator(): Promise<ChildProcess> {
  const logFile = path.join(CLUSTER_DIR, 'operator.log');
  const log = openSync(logFile, 'w');
  const healthPort = await freePort();
  const child = spawn(
    path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'),
    [
      'src/operator/main.ts',
      `--kubeconfig=${KUBECONFIG_PATH}`,
      '--leader-elect=false',
      '--operator-username=reserve-admin',
      '--generate-certificates=true',
      `--cert-dir=${path.join(CLUSTER_DIR, 'webhook-certs')}`,
      '--webhook-host=127.0.0.1',
      `--webhook-port=${await freePort()}`,
      '--register-webhooks=true',
      '--health-host=127.0.0.1',
      `--health-port=${healthPort}`,
      '--operator-namespace=reserve-system',
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', log, log] },
  );
  say(`operator started (pid ${child.pid}); logs: ${logFile}`);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the operator exited with code ${child.exitCode}; see ${logFile}`);
    const ready = await fetch(`http://127.0.0.1:${healthPort}/readyz`).then((r) => r.ok).catch(() => false);
    if (ready) return child;
    await sleep(250);
  }
  throw new Error(`the operator did not become ready within 60s; see ${logFile}`);
}

async function listMembers(state: ClusterState): Promise<Member[]> {
  const out = await kubectl(state, 'get', 'reserves', '-n', NAMESPACE, '-o', 'json');
  return (JSON.parse(out) as { items: Member[] }).items;
}

async function waitForWarmPool(state: ClusterState, replicas: number): Promise<void> {
  say(`\nwaiting for ${replicas} warm members of ReserveSet ${POOL}:`);
  const started = Date.now();
  let last = '';
  while (Date.now() - started < 300_000) {
    const set = JSON.parse(await kubectl(state, 'get', 'reserveset', POOL, '-n', NAMESPACE, '-o', 'json')) as {
      status?: { warmReplicas?: number; warmingReplicas?: number; replicas?: number };
    };
    const warm = set.status?.warmReplicas ?? 0;
    const line = `  ${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s  warming ${set.status?.warmingReplicas ?? 0}  warm ${warm}/${replicas}`;
    if (line.slice(7) !== last) say(line);
    last = line.slice(7);
    if (warm >= replicas) {
      say(`pool warm in ${((Date.now() - started) / 1000).toFixed(1)}s`);
      return;
    }
    await sleep(1000);
  }
  throw new Error(`the pool did not become warm within 300s; see ${path.join(CLUSTER_DIR, 'operator.log')}`);
}

async function claimOne(state: ClusterState): Promise<void> {
  const members = await listMembers(state);
  const warm = members.find((m) => m.metadata.labels?.['pool.w-h-a.io/reserveset'] === POOL && m.status?.phase === 'Paused' && !m.spec.claim);
  if (!warm) throw new Error('no warm member to claim');
  const name = warm.metadata.name;
  const pvcName = warm.status?.persistentVolumeClaims?.[0] ?? '';
  const pvcUid = await kubectl(state, 'get', 'pvc', pvcName, '-n', NAMESPACE, '-o', 'jsonpath={.metadata.uid}');

  say(`\n$ kubectl patch reserve ${name} --type merge -p '{"spec":{"paused":false}}' --as ${CLAIMANT.user} --as-group ${CLAIMANT.group}`);
  const claimedAt = Date.now();
  say(
    (
      await kubectl(state, 'patch', 'reserve', name, '-n', NAMESPACE, '--type', 'merge', '-p', '{"spec":{"paused":false}}',
        '--as', CLAIMANT.user, '--as-group', CLAIMANT.group)
    ).trim(),
  );

  while (Date.now() - claimedAt < 120_000) {
    const member = (await listMembers(state)).find((m) => m.metadata.name === name);
    const ready = member?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    if (member?.status?.phase === 'Running' && ready) {
      const podPvc = await kubectl(state, 'get', 'pod', name, '-n', NAMESPACE, '-o',
        'jsonpath={.spec.volumes[?(@.name=="model-cache")].persistentVolumeClaim.claimName}');
      const uidAfter = await kubectl(state, 'get', 'pvc', podPvc, '-n', NAMESPACE, '-o', 'jsonpath={.metadata.uid}');
      say(`\nclaimed Reserve ${name} is Running on node ${member.status.nodeName} (last node ${member.status.lastNodeName})`);
      say(`claim to Ready: ${((Date.now() - claimedAt) / 1000).toFixed(2)}s`);
      say(`reattached PVC ${podPvc} (uid ${uidAfter}${uidAfter === pvcUid ? ', the same volume it warmed up' : `, NOT the original ${pvcUid}`})`);
      say(`claimed by ${member.spec.claim?.user} at ${member.spec.claim?.time}`);
      if (uidAfter !== pvcUid) throw new Error('the claimed Reserve did not reattach its original PVC');
      say(`\n$ kubectl get reserves -n ${NAMESPACE}`);
      say(await kubectl(state, 'get', 'reserves', '-n', NAMESPACE));
      return;
    }
    await sleep(100);
  }
  throw new Error(`claimed Reserve ${name} did not become Ready within 120s`);
}

/**
 * Deletes the namespace of an earlier demo run, so the pool starts empty. Claimed Reserves
 * are someone's work, so with any in it the demo stops and prints how to go on.
 */
async function resetNamespace(state: ClusterState): Promise<void> {
  const found = await clusterKubectl(state.binDir, ['get', 'reserves', '-n', NAMESPACE, '-o', 'json', '--ignore-not-found']).catch(() => '');
  const reserves = found.trim() === '' ? [] : (JSON.parse(found) as { items: Member[] }).items;
  const claimed = reserves.filter((reserve) => reserve.spec.claim).map((reserve) => reserve.metadata.name);
  if (claimed.length > 0 && !args.has('--reset')) {
    throw new Error(
      `namespace ${NAMESPACE} contains claimed Reserves (${claimed.join(', ')}) from an earlier run, and the demo ` +
        `deletes the namespace to start over: run it with --reset to delete them, or move your work to another namespace`,
    );
  }
  if (reserves.length > 0) say(`deleting namespace ${NAMESPACE} of an earlier run (${reserves.length} Reserves)`);
  await clusterKubectl(state.binDir, ['delete', 'namespace', NAMESPACE, '--ignore-not-found', '--wait=true', '--timeout=120s']);
}

async function main(): Promise<void> {
  const clusterWasUp = await isUp();
  const state = await up();
  let operator: ChildProcess | undefined;
  const cleanup = async () => {
    if (operator && operator.exitCode === null) {
      operator.kill('SIGTERM');
      await new Promise((resolve) => operator!.once('exit', resolve));
    }
    if (!clusterWasUp && !keepCluster) await down();
  };
  // A terminal's Ctrl-C reaches the demo twice (directly and through tsx), and a second
  // signal without a listener would end the process in the middle of the cleanup.
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    say('\nstopping');
    void cleanup().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  try {
    say('installing CRDs');
    await kubectl(state, 'apply', '--server-side', '--force-conflicts', '-f', path.join(REPO_ROOT, 'manifests', 'crds'));
    await kubectl(state, 'wait', '--for=condition=Established', '--timeout=60s', '-f', path.join(REPO_ROOT, 'manifests', 'crds'));
    await resetNamespace(state);
    await kubectl(state, 'create', 'namespace', NAMESPACE);
    await kubectl(state, 'apply', '-n', NAMESPACE, '-f', path.join(REPO_ROOT, 'examples', 'claimer-rbac.yaml'));

    operator = await startOperator();
    say(`\n$ kubectl apply -n ${NAMESPACE} -f examples/reserveset.yaml`);
    say((await kubectl(state, 'apply', '-n', NAMESPACE, '-f', path.join(REPO_ROOT, 'examples', 'reserveset.yaml'))).trim());
    await waitForWarmPool(state, 10);
    say(`\n$ kubectl get reservesets,reserves -n ${NAMESPACE}`);
    say(await kubectl(state, 'get', 'reservesets,reserves', '-n', NAMESPACE));
    await claimOne(state);
    await waitForWarmPool(state, 10);
  } catch (error) {
    await cleanup();
    throw error;
  }

  if (once) {
    await cleanup();
    return;
  }
  say(`\nrunning; try: eval "$(npx tsx hack/cluster.ts env)" && kubectl get reserves -n ${NAMESPACE}   (Ctrl-C stops everything)`);
  await new Promise(() => undefined);
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
