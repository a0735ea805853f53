// Starts the local control plane before the integration tests, or reuses a running one.
// It runs the command line in a child process because Jest loads global setup modules
// without its module mapping, so their relative `.js` imports of TypeScript would fail.
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export default function globalSetup(): void {
  const root = path.resolve(import.meta.dirname, '..', '..', '..');
  execFileSync(path.join(root, 'node_modules', '.bin', 'tsx'), ['hack/cluster.ts', 'up'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}
