#!/usr/bin/env bash
# Builds the local control plane binaries from the pinned Go modules in hack/tools/ and
# caches them under ${RESERVE_CACHE_DIR:-~/.cache/reserve}/bin/<key>, where <key> is a hash
# of the pins and of this script, so a binary is rebuilt only when a pin changes.
# Prints the binary directory on the last line of stdout; progress goes to stderr.
set -euo pipefail

HACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TOOLS_DIR="${HACK_DIR}/tools"
CACHE_DIR="${RESERVE_CACHE_DIR:-${HOME}/.cache/reserve}"

KUBERNETES_VERSION="v1.37.2"
export CGO_ENABLED=0

log() { printf '[build-binaries %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

require_go() {
  if ! command -v go >/dev/null 2>&1; then
    log "go not found in PATH: install Go 1.26 or newer (the machines have it at /usr/local/go/bin)"
    exit 1
  fi
}

cache_key() {
  cat "${BASH_SOURCE[0]}" "${TOOLS_DIR}"/*/go.mod "${TOOLS_DIR}"/*/go.sum | sha256sum | cut -c1-16
}

# kube_ldflags sets the version variables that upstream's build sets, so that
# `kube-apiserver --version` prints the pinned version instead of v0.0.0-master.
kube_ldflags() {
  local minor flags="-s -w" pkg
  minor="$(echo "${KUBERNETES_VERSION}" | cut -d. -f2)"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X ${pkg}.gitVersion=${KUBERNETES_VERSION}"
    flags+=" -X ${pkg}.gitMajor=1 -X ${pkg}.gitMinor=${minor}"
    flags+=" -X ${pkg}.gitTreeState=clean -X ${pkg}.buildDate=1970-01-01T00:00:00Z"
  done
  echo "${flags}"
}

# build_step NAME MODULE_DIR OUTPUT GO_BUILD_ARGS... runs one `go build` and reports its
# duration, or the step and the last lines of its output when it fails.
build_step() {
  local name="$1" module_dir="$2" output="$3"
  shift 3
  local started output_file
  started=$(date +%s)
  output_file="$(mktemp)"
  log "building ${name} (cold builds take 10-40 minutes on 2 cores)"
  if ! (cd "${module_dir}" && go build -trimpath -o "${output}" "$@") >"${output_file}" 2>&1; then
    log "FAILED step: ${name} after $(($(date +%s) - started))s; last output:"
    tail -n 40 "${output_file}" >&2
    rm -f "${output_file}"
    exit 1
  fi
  rm -f "${output_file}"
  log "built ${name} in $(($(date +%s) - started))s"
}

main() {
  require_go
  local key bin_dir staging
  key="$(cache_key)"
  bin_dir="${CACHE_DIR}/bin/${key}"
  if [[ -f "${bin_dir}/.complete" ]]; then
    log "using cached binaries in ${bin_dir}"
    echo "${bin_dir}"
    return
  fi

  staging="${bin_dir}.partial"
  rm -rf "${staging}"
  mkdir -p "${staging}"
  local started
  started=$(date +%s)

  # The four Kubernetes commands share most packages, so one `go build` compiles them once.
  build_step "kube-apiserver, kube-controller-manager, kube-scheduler, kubectl ${KUBERNETES_VERSION}" \
    "${TOOLS_DIR}/kubernetes" "${staging}/" \
    -tags selinux,notest -ldflags "$(kube_ldflags)" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl
  build_step "etcd" "${TOOLS_DIR}/etcd" "${staging}/etcd" -ldflags "-s -w" go.etcd.io/etcd/server/v3
  build_step "kwok" "${TOOLS_DIR}/kwok" "${staging}/kwok" -ldflags "-s -w" sigs.k8s.io/kwok/cmd/kwok

  "${staging}/kube-apiserver" --version >&2
  touch "${staging}/.complete"
  rm -rf "${bin_dir}"
  mv "${staging}" "${bin_dir}"
  log "all binaries built in $(($(date +%s) - started))s into ${bin_dir}"
  echo "${bin_dir}"
}

main "$@"
