#!/usr/bin/env bash
# Starts three Keystonelight instances and twemproxy (nutcracker) in front of them, all on
# 127.0.0.1, for trying out sharding. Ctrl-C stops everything (each instance shuts down cleanly,
# fsyncing its append-only file).
#
#   deploy/twemproxy/run.sh           # nutcracker.yml: proxy on 22121, instances on 22001..22003
#   deploy/twemproxy/run.sh --auth    # nutcracker-auth.yml: instances with requirepass, redis_auth
#   deploy/twemproxy/run.sh --db1     # nutcracker.yml with its `redis_db: 1` line uncommented
#
# Then, in another terminal:  redis-cli -p 22121 set greeting hello
#
# Environment (all optional):
#   KS_PROXY_PORT   proxy port (22121)          KS_STATS_PORT  nutcracker stats port (22222)
#   KS_PORTS        the three instance ports ("22001 22002 22003")
#   KS_DATA         parent of the instances' data directories; kept at exit. Default: a new
#                   temporary directory, removed at exit.
#   KEYSTONELIGHT   the server command. Default: `keystonelight` from PATH, else this checkout's
#                   dist/keystonelight.js (built with `node build.mjs` if missing).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
conf="$here/nutcracker.yml"
auth=""
db1=0
case "${1:-}" in
  --auth) conf="$here/nutcracker-auth.yml" ;;
  --db1) db1=1 ;;
  "") ;;
  *) echo "usage: $0 [--auth | --db1]" >&2; exit 2 ;;
esac

proxy_port="${KS_PROXY_PORT:-22121}"
stats_port="${KS_STATS_PORT:-22222}"
read -r -a ports <<<"${KS_PORTS:-22001 22002 22003}"
[ ${#ports[@]} -eq 3 ] || { echo "KS_PORTS must name three ports" >&2; exit 2; }

# Debian installs nutcracker in /usr/sbin, which a normal user's PATH leaves out.
PATH="$PATH:/usr/sbin:/sbin"
command -v nutcracker >/dev/null 2>&1 || {
  echo "nutcracker not found: install the Debian package 'nutcracker' (apt-get install nutcracker)" >&2
  exit 1
}

if [ -n "${KEYSTONELIGHT:-}" ]; then
  read -r -a ks <<<"$KEYSTONELIGHT"
elif command -v keystonelight >/dev/null 2>&1; then
  ks=(keystonelight)
else
  [ -f "$repo/dist/keystonelight.js" ] || (cd "$repo" && KS_OUT=. node build.mjs)
  ks=(node "$repo/dist/keystonelight.js")
fi

if [ -n "${KS_DATA:-}" ]; then
  data="$KS_DATA"; keep=1; mkdir -p "$data"
else
  data="$(mktemp -d "${TMPDIR:-/tmp}/keystonelight-twemproxy.XXXXXX")"; keep=0
fi

# The password is the one in the config file, so the proxy and the instances agree.
if [ "$conf" = "$here/nutcracker-auth.yml" ]; then
  auth="$(sed -n 's/^ *redis_auth: *//p' "$conf")"
fi

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo
  echo "stopping..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "$keep" = 0 ]; then rm -rf "$data"; else echo "data kept in $data"; fi
}
trap cleanup INT TERM EXIT

# Accepts a connection on 127.0.0.1:$1 within ~10 s?
wait_port() {
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "nothing listening on port $1; see the logs in $data" >&2
  return 1
}

# The checked-in config names the default ports; rewrite them to the ones in use.
db_line='s/^\( *\)# redis_db: 1$/\1redis_db: 1/'
[ "$db1" = 1 ] || db_line=''
sed -e "$db_line" \
    -e "s/127\.0\.0\.1:22121/127.0.0.1:$proxy_port/" \
    -e "s/127\.0\.0\.1:22001:/127.0.0.1:${ports[0]}:/" \
    -e "s/127\.0\.0\.1:22002:/127.0.0.1:${ports[1]}:/" \
    -e "s/127\.0\.0\.1:22003:/127.0.0.1:${ports[2]}:/" "$conf" >"$data/nutcracker.yml"

for i in 0 1 2; do
  port="${ports[$i]}"
  dir="$data/ks$((i + 1))"
  mkdir -p "$dir"
  extra=()
  [ -n "$auth" ] && extra=(--requirepass "$auth")
  "${ks[@]}" --port "$port" --bind 127.0.0.1 --dir "$dir" --logfile "$dir/keystonelight.log" "${extra[@]}" &
  pids+=($!)
done
for port in "${ports[@]}"; do wait_port "$port"; done

nutcracker -c "$data/nutcracker.yml" -s "$stats_port" -a 127.0.0.1 -o "$data/nutcracker.log" &
pids+=($!)
wait_port "$proxy_port"

cat <<EOF
Keystonelight instances on 127.0.0.1:${ports[0]} ${ports[1]} ${ports[2]} (data and logs in $data)
twemproxy on 127.0.0.1:$proxy_port (config $data/nutcracker.yml, stats: nc 127.0.0.1 $stats_port)

Try:
  redis-cli -p $proxy_port${auth:+ -a $auth --no-auth-warning} set greeting hello
  redis-cli -p $proxy_port${auth:+ -a $auth --no-auth-warning} get greeting
  for p in ${ports[*]}; do redis-cli -p \$p${auth:+ -a $auth --no-auth-warning} -n $db1 dbsize; done

Ctrl-C stops everything.
EOF

# Stop everything as soon as any one of them exits.
wait -n "${pids[@]}" || true
