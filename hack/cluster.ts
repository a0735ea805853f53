// Command line for the local control plane: `tsx hack/cluster.ts up|down|status|env`.
import { down, isUp, KUBECONFIG_PATH, readState, up } from './cluster/cluster.js';

async function main(command: string | undefined): Promise<void> {
  switch (command) {
    case 'up':
      await up();
      return;
    case 'down':
      await down();
      return;
    case 'status': {
      const running = await isUp();
      process.stdout.write(running ? `up at ${readState()?.apiserverUrl}\n` : 'down\n');
      process.exitCode = running ? 0 : 1;
      return;
    }
    case 'env': {
      // For `eval "$(npx tsx hack/cluster.ts env)"`: kubectl of the pinned version on PATH.
      const state = readState();
      if (!state) throw new Error('the cluster is not up: run npm run cluster:up');
      process.stdout.write(`export KUBECONFIG=${KUBECONFIG_PATH}\nexport PATH=${state.binDir}:$PATH\n`);
      return;
    }
    default:
      throw new Error(`unknown command ${JSON.stringify(command)}: use up, down, status or env`);
  }
}

main(process.argv[2]).catch((error: unknown) => {
  process.stderr.write(`[cluster] ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
