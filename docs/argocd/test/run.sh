#!/usr/bin/env bash
# Runs the Argo CD health checks (Lua) against their recorded cases under Debian's lua5.4,
# installing it with apt when absent.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v lua5.4 >/dev/null 2>&1; then
  { apt-get install -y -qq lua5.4 || { apt-get update -qq && apt-get install -y -qq lua5.4; }; } >/dev/null
fi
lua5.4 "$here/run.lua"
