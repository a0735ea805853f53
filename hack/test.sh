#!/usr/bin/env bash
# The test command: installs what a fresh machine lacks, builds or reuses the control plane
# binaries, runs the unit and integration tests, and stops the local cluster if it started it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${ROOT}"
source hack/lib/prepare.sh

was_up=false
if npx tsx hack/cluster.ts status >/dev/null 2>&1; then was_up=true; fi
npx tsx hack/cluster.ts up
if [[ "${was_up}" == false && "${RESERVE_KEEP_CLUSTER:-}" != true ]]; then
  trap 'npx tsx hack/cluster.ts down' EXIT
fi

results="$(mktemp)"
status=0
node --experimental-vm-modules node_modules/jest/bin/jest.js --runInBand --json --outputFile="${results}" "$@" || status=$?
node -e '
  const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`);
' "${results}" || true
rm -f "${results}"
exit "${status}"
