# Sourced by the entry scripts: puts Go and the project's Node.js on PATH and installs the
# npm dependencies when node_modules is missing or older than package-lock.json.

if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
  export PATH="/usr/local/go/bin:${PATH}"
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "npm not found: install Node.js and npm (any version; the project brings its own Node.js 24)" >&2
  exit 1
fi
if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "[prepare] installing npm dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund >&2
fi
# The `node` package in devDependencies brings the Node.js version the project declares.
export PATH="${PWD}/node_modules/.bin:${PATH}"
