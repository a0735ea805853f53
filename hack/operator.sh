#!/usr/bin/env bash
# Runs the operator against the local control plane for development: it creates its own
# webhook certificate, registers its webhooks at 127.0.0.1 and removes them when it stops.
# Extra flags are passed on, for example --health-port=8081 next to another operator.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source hack/lib/prepare.sh
cluster_dir="${RESERVE_CLUSTER_DIR:-.cluster}"
if ! RESERVE_CLUSTER_DIR="${cluster_dir}" tsx hack/cluster.ts status >/dev/null 2>&1; then
  echo "no local cluster is running in ${cluster_dir}: start it with npm run cluster:up" >&2
  exit 1
fi
exec tsx src/operator/main.ts \
  --kubeconfig="${cluster_dir}/kubeconfig" \
  --leader-elect=false \
  --operator-username=reserve-admin \
  --generate-certificates=true \
  --cert-dir="${cluster_dir}/webhook-certs" \
  --register-webhooks=true \
  --webhook-host=127.0.0.1 \
  --health-host=127.0.0.1 \
  "$@"
