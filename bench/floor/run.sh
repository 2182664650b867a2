#!/usr/bin/env bash
# Server CPU per request (ping_mbulk, -c 50, -P 1 or P=16 in the environment): the two Node floor
# servers, Keystonelight (built bundle, appendonly no) and redis-server, alternately, ROUNDS times
# (default 3). Run from the repository root after `node build.mjs`: [P=16] bash bench/floor/run.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
pipeline=${P:-1}
n=$(( pipeline > 1 ? 2000000 : 200000 ))
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$dir"' EXIT
port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
cpu() { awk '{print $14+$15}' "/proc/$1/stat"; }
measure() { # name pid port
  local c0 c1; c0=$(cpu "$2")
  redis-benchmark -p "$3" -t ping_mbulk -P "$pipeline" -c 50 -n $n -q >/dev/null 2>&1
  c1=$(cpu "$2")
  printf '%-14s %6.2f us/req\n' "$1" "$(echo "($c1 - $c0) * 10000 / $n" | bc -l)"
}
declare -A pids ports
for s in streams shared handle; do p=$(port); node bench/floor/servers.mjs $s "$p" & pids[$s]=$!; ports[$s]=$p; done
p=$(port); node dist/keystonelight.js --port "$p" --dir "$dir" --appendonly no >/dev/null 2>&1 & pids[keystonelight]=$!; ports[keystonelight]=$p
p=$(port); redis-server --port "$p" --save '' --appendonly no --dir "$dir" >/dev/null 2>&1 & pids[redis]=$!; ports[redis]=$p
sleep 1
for _ in $(seq "$rounds"); do
  for s in streams shared handle keystonelight redis; do measure "$s" "${pids[$s]}" "${ports[$s]}"; done
done
