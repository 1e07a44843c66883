#!/usr/bin/env bash
# Installs Debian's redis-server (the Redis token-store tests start their own
# on 127.0.0.1) when it is missing; a warm machine skips the network.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then exit 0; fi
echo "install-redis: installing redis-server (apt)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends redis-server >/dev/null
# The package starts a system-wide instance on :6379; the tests never use it.
if command -v systemctl >/dev/null 2>&1; then systemctl disable --now redis-server >/dev/null 2>&1 || true; fi
command -v redis-server >/dev/null
