# lib.sh: shared settings and helpers of the test bed scripts (sourced, not executed).
# shellcheck shell=bash
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$HERE/../.." && pwd)"
# shellcheck source=versions.env
. "$HERE/versions.env"

TESTBED_DIR="${TESTBED_DIR:-/tmp/druid-logs-testbed}"
TESTBED_ETCD_PORT="${TESTBED_ETCD_PORT:-23790}"
TESTBED_ETCD_PEER_PORT="${TESTBED_ETCD_PEER_PORT:-23800}"
TESTBED_APISERVER_PORT="${TESTBED_APISERVER_PORT:-26443}"
TESTBED_KCM_PORT="${TESTBED_KCM_PORT:-20257}"
TESTBED_SCHEDULER_PORT="${TESTBED_SCHEDULER_PORT:-20259}"
TESTBED_KWOK_PORT="${TESTBED_KWOK_PORT:-20250}"
TESTBED_KUBELET_PORT="${TESTBED_KUBELET_PORT:-20251}"
TESTBED_KUBELET_CONTROL_PORT="${TESTBED_KUBELET_CONTROL_PORT:-20252}"
TESTBED_BIN_DIR="${TESTBED_BIN_DIR:-$("$HERE/build.sh" --print-bin-dir)}"
# A bed is one or more clusters. The first lives in $TESTBED_DIR itself; add-cluster.sh starts the
# others in $TESTBED_DIR/cluster-b, cluster-c... with these set (see README.md, "Several clusters").
TESTBED_CLUSTER_NAME="${TESTBED_CLUSTER_NAME:-cluster-a}"
TESTBED_SCHEDULER="${TESTBED_SCHEDULER:-1}"
TESTBED_KCM_CONTROLLERS="${TESTBED_KCM_CONTROLLERS:-*}"
# The namespace of the cluster's context in $TESTBED_DIR/multi.kubeconfig (druid-a, druid-b...).
TESTBED_CONTEXT_NAMESPACE="${TESTBED_CONTEXT_NAMESPACE:-druid-${TESTBED_CLUSTER_NAME#cluster-}}"

RUN="$TESTBED_DIR/run"
PKI="$TESTBED_DIR/pki"
KUBECONFIG_ADMIN="$TESTBED_DIR/kubeconfig"

log() { echo "[testbed $(date +%H:%M:%S.%3N)] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

kc() { "$TESTBED_BIN_DIR/kubectl" --kubeconfig "$KUBECONFIG_ADMIN" "$@"; }

# wait_until DESC TIMEOUT_SECONDS CMD...: polls CMD every 0.1 s until it succeeds or the deadline passes.
wait_until() {
  local desc="$1" timeout="$2"; shift 2
  local deadline=$(( $(date +%s%N) + timeout * 1000000000 ))
  until "$@" >/dev/null 2>&1; do
    if (( $(date +%s%N) > deadline )); then
      log "timed out after ${timeout}s waiting for: $desc"
      return 1
    fi
    sleep 0.1
  done
}

# start_component NAME BINARY ARGS...: runs it detached (own session), logs to $RUN/NAME.log,
# records the command in $RUN/NAME.cmd (for restarts) and its PID in $RUN/NAME.pid.
start_component() {
  local name="$1"; shift
  { printf 'exec'; printf ' %q' "$@"; printf '\n'; } > "$RUN/$name.cmd"
  restart_component_from_cmd "$name"
}

restart_component_from_cmd() {
  local name="$1"
  setsid bash "$RUN/$name.cmd" >>"$RUN/$name.log" 2>&1 < /dev/null &
  echo $! > "$RUN/$name.pid"
  log "started $name (pid $(cat "$RUN/$name.pid"))"
}

# alive PID: the process exists and is not a zombie (components are reparented to PID 1, which may
# reap them late).
alive() {
  local st
  st="$(ps -o stat= -p "$1" 2>/dev/null)" || return 1
  [[ -n "$st" && "$st" != Z* ]]
}

# stop_component NAME [GRACE_SECONDS]: SIGTERM to the recorded PID, SIGKILL after GRACE_SECONDS
# (default 10); never touches other processes.
stop_component() {
  local name="$1" grace="${2:-10}" pid
  [[ -f "$RUN/$name.pid" ]] || return 0
  pid="$(cat "$RUN/$name.pid")"
  if alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    local i
    for (( i = 0; i < grace * 10; i++ )); do
      alive "$pid" || break
      sleep 0.1
    done
    if alive "$pid"; then
      log "$name (pid $pid) still running ${grace}s after SIGTERM, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$RUN/$name.pid"
}

# http_get_ok HOST PORT PATH: plain-HTTP GET with bash only (used for etcd's /health).
http_get_ok() {
  local out
  exec 3<>"/dev/tcp/$1/$2" || return 1
  printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$3" "$1" >&3
  out="$(cat <&3)"
  exec 3<&-
  [[ "$out" == *'"health":"true"'* ]]
}

apiserver_ready() { [[ "$(kc get --raw /readyz 2>/dev/null)" == "ok" ]]; }

# cluster_letter I: the letter of cluster I (0 -> a, 1 -> b, ...).
cluster_letter() { printf "\\$(printf '%03o' $((97 + $1)))"; }

# cluster_dirs: the state directory of every cluster of the bed in $TESTBED_DIR, first cluster first.
cluster_dirs() {
  echo "$TESTBED_DIR"
  local d
  for d in "$TESTBED_DIR"/cluster-*/; do
    [[ -f "$d/testbed.env" ]] && echo "${d%/}"
  done
  return 0
}
