#!/usr/bin/env bash
# npm run test:docker: the image and docker/docker-compose.yml, built and run for real.
#   1. a Docker engine: $DOCKER_HOST or the default socket when one answers; otherwise a dockerd of its own
#      (own socket, data root and pid file), stopped by its pid at the end;
#   2. the base images (docker/base-image.sh, skipped when present), then the API, PostgreSQL and Redis
#      images with BuildKit (the CA bundle handed to npm as a build secret, never stored in a layer);
#   3. the compose stack up, every healthcheck waited for;
#   4. the booking scenario (test/docker/booking-scenario.mjs): accounts, a service, a paid booking, seen;
#   5. the API container restarted, then Redis and PostgreSQL too: the booking, the accounts and a
#      logged-out token's revocation are all still there;
#   6. everything torn down (containers, network, volumes).
# Environment: COMPOSE (default docker-compose, else `docker compose`), NPM_CA_FILE (default
# $NODE_EXTRA_CA_CERTS, else /etc/ssl/certs/ca-certificates.crt), DOCKER_TEST_ROOT (the own dockerd's
# state, default /var/tmp/marketplace-docker: kept between runs as a build cache).
set -euo pipefail
cd "$(dirname "$0")/../.."

project="marketplace-docker-test-$$"
compose_file=docker/docker-compose.yml
state_root=${DOCKER_TEST_ROOT:-/var/tmp/marketplace-docker}
dockerd_pid=""
work=$(mktemp -d)
started=$(date +%s)
log() { echo "[test:docker $(($(date +%s) - started))s] $*"; }

if [ -n "${COMPOSE:-}" ]; then read -r -a compose <<<"$COMPOSE"
elif command -v docker-compose >/dev/null; then compose=(docker-compose)
else compose=(docker compose); fi

cleanup() {
  local status=$?
  if [ -n "${api_port:-}" ]; then
    log "tearing down"
    "${compose[@]}" -p "$project" -f "$compose_file" down -v --remove-orphans >/dev/null 2>&1 || true
  fi
  if [ -n "$dockerd_pid" ]; then
    log "stopping dockerd (pid $dockerd_pid)"
    kill "$dockerd_pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 1; done
  fi
  rm -rf "$work"
  exit $status
}
trap cleanup EXIT

# 1. A Docker engine.
if [ -z "${DOCKER_HOST:-}" ] && ! docker info >/dev/null 2>&1; then
  command -v dockerd >/dev/null || { echo "No Docker engine answers and dockerd is not installed" >&2; exit 1; }
  mkdir -p "$state_root"
  if [ -f "$state_root/dockerd.pid" ] && kill -0 "$(cat "$state_root/dockerd.pid")" 2>/dev/null; then
    echo "Another test:docker's dockerd (pid $(cat "$state_root/dockerd.pid")) uses $state_root" >&2
    exit 1
  fi
  export DOCKER_HOST="unix://$state_root/docker.sock"
  log "starting dockerd on $DOCKER_HOST"
  dockerd -H "$DOCKER_HOST" --data-root "$state_root/data" --exec-root "$state_root/exec" \
    --pidfile "$state_root/dockerd.pid" >"$state_root/dockerd.log" 2>&1 &
  dockerd_pid=$!
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { tail -n 20 "$state_root/dockerd.log" >&2; exit 1; }
fi

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
build() { DOCKER_BUILDKIT=1 "$build_cli" build --network host --progress plain "$@" >>"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log" >&2; return 1; }; }

# 2. Images.
log "base images"
docker/base-image.sh
log "building the API, PostgreSQL and Redis images"
build "${secret[@]}" -f docker/Dockerfile --target runtime -t service-marketplace-api .
build -f docker/postgres/Dockerfile -t marketplace-postgres:15 docker
build -f docker/redis/Dockerfile -t marketplace-redis:7 docker

# 3. The stack.
api_port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
export API_PORT=$api_port APP_URL="http://127.0.0.1:$api_port" PAYMENT_FAILURE_RATE=0
JWT_SECRET_KEY=$(node -e 'console.log(require("crypto").randomBytes(48).toString("base64"))')
SECRET_KEY=$(node -e 'console.log(require("crypto").randomBytes(48).toString("base64"))')
export JWT_SECRET_KEY SECRET_KEY
log "compose up (project $project, API on port $api_port)"
"${compose[@]}" -p "$project" -f "$compose_file" up -d --no-build

wait_healthy() {
  local deadline=$(($(date +%s) + 180)) ids id health unhealthy
  ids=$("${compose[@]}" -p "$project" -f "$compose_file" ps -q)
  while :; do
    unhealthy=""
    for id in $ids; do
      health=$(docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$id")
      [ "$health" = healthy ] || unhealthy="$unhealthy $(docker inspect -f '{{.Name}}' "$id"):$health"
    done
    [ -z "$unhealthy" ] && { log "healthy: $(echo "$ids" | wc -w) containers"; return 0; }
    if [ "$(date +%s)" -gt "$deadline" ]; then
      echo "Not healthy after 180 s:$unhealthy" >&2
      "${compose[@]}" -p "$project" -f "$compose_file" logs --tail 30 >&2
      return 1
    fi
    sleep 2
  done
}
wait_healthy

# 4. Booking.
node test/docker/booking-scenario.mjs book "$APP_URL" "$work/state.json"

# 5. Restarts.
log "restarting the API container"
"${compose[@]}" -p "$project" -f "$compose_file" restart api
wait_healthy
node test/docker/booking-scenario.mjs check "$APP_URL" "$work/state.json"
log "restarting Redis, PostgreSQL and the API"
"${compose[@]}" -p "$project" -f "$compose_file" restart redis postgres api
wait_healthy
node test/docker/booking-scenario.mjs check "$APP_URL" "$work/state.json"
log "passed"
