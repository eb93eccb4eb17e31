# SPDX-License-Identifier: MIT
# bench/lib.sh — helpers for bench/run: logging, the processes the bench
# starts (tracked by PID, stopped in reverse order on exit), ports,
# templates, the fake provider's control API and /proc sampling.
# Sourced, never run; everything here expects bench/run's globals
# (T, PY, KEEP).

PIDS=()          # every process this bench started, in start order
FAILURES=()      # correctness failures; reported, then exit 1

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }
failure() { log "FAILURE: $*"; FAILURES+=("$*"); }

# stop_pid PID — SIGTERM, up to 5 s, then SIGKILL; reaps it if it is ours.
stop_pid() {
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    # a reaped-but-unwaited child shows as a zombie: that counts as gone
    [ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" = Z ] && break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null && [ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" != Z ]; then
    log "pid $pid ignored SIGTERM for 5 s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

untrack() {
  local pid=$1 i
  for i in "${!PIDS[@]}"; do [ "${PIDS[i]}" = "$pid" ] && unset 'PIDS[i]'; done
  PIDS=("${PIDS[@]}")
}

cleanup() {
  local rc=$? i
  trap - EXIT INT TERM
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop_pid "${PIDS[i]}"; done
  if [ -n "${T:-}" ] && [ -d "$T" ]; then
    if [ "${KEEP:-0}" = 1 ] || [ "$rc" != 0 ]; then
      log "kept $T (logs, configs, raw results)"
    else
      rm -rf "$T"
    fi
  fi
  exit "$rc"
}

free_port() {
  "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_tcp PORT SECONDS [PID] — until something accepts on 127.0.0.1:PORT.
wait_tcp() {
  local port=$1 deadline=$((SECONDS + $2)) pid=${3:-}
  while [ $SECONDS -lt "$deadline" ]; do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    [ -z "$pid" ] || kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# wait_http URL SECONDS [PID] — until URL answers 2xx (gives up early if PID exits).
wait_http() {
  local url=$1 deadline=$((SECONDS + $2)) pid=${3:-}
  while [ $SECONDS -lt "$deadline" ]; do
    curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null && return 0
    [ -z "$pid" ] || kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# alive PID NAME LOG — die with the log's tail if PID is gone.
alive() {
  kill -0 "$1" 2>/dev/null && return 0
  tail -n 20 "$3" >&2 2>/dev/null || true
  die "$2 exited during start-up (log above, $3)"
}

# render TEMPLATE OUT KEY=VALUE... — replace @KEY@ with VALUE.
render() {
  local tpl=$1 out=$2
  shift 2
  "$PY" - "$tpl" "$out" "$@" <<'EOF'
import sys
tpl, out, pairs = sys.argv[1], sys.argv[2], sys.argv[3:]
text = open(tpl).read()
for kv in pairs:
    k, v = kv.split("=", 1)
    text = text.replace("@" + k + "@", v)
import re
left = sorted(set(re.findall(r"@[A-Z_]+@", text)))
if left:
    sys.exit("render: unreplaced " + ", ".join(left))
open(out, "w").write(text)
EOF
}

# json_get FIELD.PATH — read JSON on stdin, print one value.
json_get() {
  "$PY" -c 'import json,sys
v=json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v=v[k]
print(v)' "$1"
}

# fp_control "k=v&k=v" — change fake-provider settings.
fp_control() { curl -fsS -X POST -o /dev/null "$FP_URL/_control?$1" || die "fake-provider /_control?$1"; }
fp_reset() { curl -fsS -X POST -o /dev/null "$FP_URL/_reset" || die "fake-provider /_reset"; }
fp_media_requests() { curl -fsS "$FP_URL/_stats?call_sid=$1" | json_get media_requests; }

# server_pids PID — the process and its children (nginx workers, varnish child).
server_pids() {
  local pid=$1
  echo "$pid"
  ps -o pid= --ppid "$pid" 2>/dev/null | tr -d ' ' || true
}

# reset_hwm PID... — restart the peak-RSS counter (VmHWM) of each process.
reset_hwm() {
  local p
  for p in "$@"; do echo 5 >"/proc/$p/clear_refs" 2>/dev/null || log "cannot reset VmHWM of $p"; done
}

# sum_status FIELD PID... — sum a /proc/PID/status field (kB) over processes.
sum_status() {
  local field=$1 p total=0 v
  shift
  for p in "$@"; do
    v=$(awk -v f="$field:" '$1 == f { print $2 }' "/proc/$p/status" 2>/dev/null || true)
    total=$((total + ${v:-0}))
  done
  echo "$total"
}

# record_cmd SCENARIO SERVER COMMAND... — the exact command, for RESULTS.md.
record_cmd() {
  local scenario=$1 server=$2
  shift 2
  printf '%s\t%s\t%s\n' "$scenario" "$server" "$(printf '%q ' "$@")" >>"$T/commands.tsv"
}

# add_result SCENARIO SERVER RUN JSON
add_result() {
  printf '{"scenario":"%s","server":"%s","run":%s,"data":%s}\n' "$1" "$2" "$3" "$4" >>"$T/results.jsonl"
}
