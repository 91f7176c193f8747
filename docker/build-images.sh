#!/usr/bin/env bash
# Builds every image the compose files use, with BuildKit, from the repository:
#   docker/build-images.sh [--test]
#   marketplace-base/debian:bookworm, marketplace-base/node:24   docker/base-image.sh (skipped when present)
#   service-marketplace-api                                      docker/Dockerfile, target runtime
#   service-marketplace-api:test                                 target test (with --test: Chromium, the whole repo)
#   marketplace-postgres:15, marketplace-redis:7, marketplace-nginx:1.22   docker/{postgres,redis,nginx}/Dockerfile
# Then any compose file runs without building (Compose 1.29's own builder cannot read RUN --mount).
# npm's CA for the build: NPM_CA_FILE, else $NODE_EXTRA_CA_CERTS, else /etc/ssl/certs/ca-certificates.crt when
# present, handed over as a BuildKit secret (never stored in a layer). Builds use the host's network.
set -euo pipefail
cd "$(dirname "$0")/.."

# A docker CLI that builds with BuildKit (RUN --mount): one with the buildx plugin, or one older than 23,
# whose `docker build` has BuildKit built in.
buildkit_cli() {
  local cli major
  for cli in docker /usr/bin/docker; do
    command -v "$cli" >/dev/null || continue
    if "$cli" buildx version >/dev/null 2>&1; then echo "$cli"; return; fi
    major=$("$cli" --version | sed -E 's/^Docker version ([0-9]+).*/\1/')
    if [ "$major" -lt 23 ] 2>/dev/null; then echo "$cli"; return; fi
  done
  echo "No docker CLI here builds with BuildKit (install the buildx plugin)" >&2
  return 1
}
build_cli=$(buildkit_cli)
ca_file=${NPM_CA_FILE:-${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}}
secret=()
[ -f "$ca_file" ] && secret=(--secret "id=npm_ca,src=$ca_file")
log=$(mktemp)
trap 'rm -f "$log"' EXIT
build() {
  echo "building $*" | sed -E 's/ -f / /; s/ -t / -> /'
  DOCKER_BUILDKIT=1 "$build_cli" build --network host --progress plain "$@" >"$log" 2>&1 || { tail -n 40 "$log" >&2; return 1; }
}

docker/base-image.sh
build "${secret[@]}" -f docker/Dockerfile --target runtime -t service-marketplace-api .
[ "${1:-}" = "--test" ] && build "${secret[@]}" -f docker/Dockerfile --target test -t service-marketplace-api:test .
build -f docker/postgres/Dockerfile -t marketplace-postgres:15 docker
build -f docker/redis/Dockerfile -t marketplace-redis:7 docker
build -f docker/nginx/Dockerfile -t marketplace-nginx:1.22 docker
