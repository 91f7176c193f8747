#!/usr/bin/env bash
# npm run test:docker: the image and docker/docker-compose.yml, built and run for real.
#   1. a Docker engine: $DOCKER_HOST or the default socket when one answers; otherwise a dockerd of its own
#      (own socket, data root and pid file), stopped by its pid at the end;
#   2. the images: docker/build-images.sh (base images from Debian packages when missing, then the API,
#      PostgreSQL, Redis and nginx images with BuildKit, npm's CA bundle a build secret, never in a layer);
#   3. the compose stack up, every healthcheck waited for;
#   4. the README's create-admin in the API container, and the booking scenario
#      (test/docker/booking-scenario.mjs): accounts, a service, a paid booking, seen;
#   5. the API container restarted, then Redis and PostgreSQL too: the booking, the accounts and a
#      logged-out token's revocation are all still there;
#   6. docker/docker-compose.scale.yml: three instances behind nginx, every healthcheck waited for, the booking
#      scenario through nginx with the customer's live stream open through it (event and heartbeat arrive);
#   7. everything torn down (containers, networks, volumes).
# Environment: COMPOSE (default docker-compose, else `docker compose`), NPM_CA_FILE (see build-images.sh),
# DOCKER_TEST_ROOT (the own dockerd's state, default /var/tmp/marketplace-docker: kept between runs as a
# build cache).
set -euo pipefail
cd "$(dirname "$0")/../.."

project="marketplace-docker-test-$$"
state_root=${DOCKER_TEST_ROOT:-/var/tmp/marketplace-docker}
dockerd_pid=""
work=$(mktemp -d)
started=$(date +%s)
log() { echo "[test:docker $(($(date +%s) - started))s] $*"; }

if [ -n "${COMPOSE:-}" ]; then read -r -a compose <<<"$COMPOSE"
elif command -v docker-compose >/dev/null; then compose=(docker-compose)
else compose=(docker compose); fi

down() { "${compose[@]}" -p "$1" -f "$2" down -v --remove-orphans >/dev/null 2>&1 || true; }
cleanup() {
  local status=$?
  if [ -n "${api_port:-}" ]; then
    log "tearing down"
    down "$project" docker/docker-compose.yml
    down "$project-scale" docker/docker-compose.scale.yml
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

# 2. Images.
log "building the images (docker/build-images.sh)"
docker/build-images.sh

# 3. The stack.
free_port() { node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'; }
api_port=$(free_port)
export API_PORT=$api_port APP_URL="http://127.0.0.1:$api_port" PAYMENT_FAILURE_RATE=0
JWT_SECRET_KEY=$(node -e 'console.log(require("crypto").randomBytes(48).toString("base64"))')
SECRET_KEY=$(node -e 'console.log(require("crypto").randomBytes(48).toString("base64"))')
export JWT_SECRET_KEY SECRET_KEY
log "compose up (project $project, API on port $api_port)"
stack=(-p "$project" -f docker/docker-compose.yml)
"${compose[@]}" "${stack[@]}" up -d --no-build

wait_healthy() {
  local deadline=$(($(date +%s) + 180)) ids id health unhealthy
  ids=$("${compose[@]}" "${stack[@]}" ps -q)
  while :; do
    unhealthy=""
    for id in $ids; do
      health=$(docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$id")
      [ "$health" = healthy ] || unhealthy="$unhealthy $(docker inspect -f '{{.Name}}' "$id"):$health"
    done
    [ -z "$unhealthy" ] && { log "healthy: $(echo "$ids" | wc -w) containers"; return 0; }
    if [ "$(date +%s)" -gt "$deadline" ]; then
      echo "Not healthy after 180 s:$unhealthy" >&2
      "${compose[@]}" "${stack[@]}" logs --tail 30 >&2
      return 1
    fi
    sleep 2
  done
}
wait_healthy

# 4. The README's first admin, then booking.
log "create-admin in the API container"
# The password through standard input (-T: no terminal), never on the command line.
printf '%s\n' "Adm1n-$$-Docker!" | "${compose[@]}" "${stack[@]}" exec -T api node dist/src/cli.js create-admin --email "admin-$$@example.com"
node test/docker/booking-scenario.mjs book "$APP_URL" "$work/state.json"

# 5. Restarts.
log "restarting the API container"
"${compose[@]}" "${stack[@]}" restart api
wait_healthy
node test/docker/booking-scenario.mjs check "$APP_URL" "$work/state.json"
log "restarting Redis, PostgreSQL and the API"
"${compose[@]}" "${stack[@]}" restart redis postgres api
wait_healthy
node test/docker/booking-scenario.mjs check "$APP_URL" "$work/state.json"
down "$project" docker/docker-compose.yml

# 6. Three instances behind nginx.
PROXY_PORT=$(free_port)
export PROXY_PORT APP_URL="http://127.0.0.1:$PROXY_PORT"
log "compose up docker-compose.scale.yml (project $project-scale, nginx on port $PROXY_PORT)"
stack=(-p "$project-scale" -f docker/docker-compose.scale.yml)
"${compose[@]}" "${stack[@]}" up -d --no-build
wait_healthy
SCENARIO_STREAM=1 node test/docker/booking-scenario.mjs book "$APP_URL" "$work/scale-state.json"
log "passed"
