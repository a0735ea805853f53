#!/usr/bin/env bash
# The main job: runs the operator against the local control plane, fills a pool of 10 and
# claims one Reserve. Installs npm dependencies and builds the control plane on first use.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source hack/lib/prepare.sh
exec tsx hack/demo.ts "$@"
