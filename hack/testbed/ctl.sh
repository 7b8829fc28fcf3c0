#!/usr/bin/env bash
# ctl.sh: faults and controls for a running test bed (TESTBED_DIR as for up.sh).
#
#   ctl.sh [-c CLUSTER] CMD   CMD acts on cluster CLUSTER (cluster-a, the default, cluster-b...)
#   ctl.sh cut-streams        close every open log stream of the test kubelet abruptly
#   ctl.sh hold-streams       open follow streams of the test kubelet send nothing more (stay open)
#   ctl.sh end-streams        open follow streams of the test kubelet end now, cleanly (held ones too)
#   ctl.sh stop-logserver     stop the test kubelet log server (connections refused)
#   ctl.sh start-logserver    start it again on the same port
#   ctl.sh logserver-status   listening=true|false open_streams=N
#   ctl.sh restart-apiserver [DOWN]  stop kube-apiserver (SIGTERM, SIGKILL after 3 s), stay down DOWN
#                             more seconds (default 0), start it again, wait for /readyz
#   ctl.sh stop-apiserver     stop kube-apiserver and leave it stopped: the cluster is down
#   ctl.sh start-apiserver    start a stopped kube-apiserver again, wait for /readyz
#   ctl.sh add-cluster        start one more cluster (cluster-b, then cluster-c...) and write
#                             $TESTBED_DIR/multi.kubeconfig (one context each); prints its path
#   ctl.sh clusters           one line per cluster: name, API server URL, up|down, context namespace
#   ctl.sh env                print the cluster's settings (testbed.env)
set -euo pipefail
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
usage() { sed -n '2,20p' "$0" >&2; exit 2; }
[[ -f "$TESTBED_DIR/testbed.env" ]] || die "no test bed in $TESTBED_DIR (run up.sh)"
case "${1:-}" in
  -c|--cluster)
    [[ -n "${2:-}" ]] || usage
    if [[ "$2" != "$(. "$TESTBED_DIR/testbed.env"; echo "${TESTBED_CLUSTER_NAME:-cluster-a}")" ]]; then
      [[ -f "$TESTBED_DIR/$2/testbed.env" ]] || die "no cluster $2 in $TESTBED_DIR (ctl.sh add-cluster)"
      TESTBED_DIR="$TESTBED_DIR/$2"
      RUN="$TESTBED_DIR/run"
      KUBECONFIG_ADMIN="$TESTBED_DIR/kubeconfig"
    fi
    shift 2 ;;
esac
# shellcheck disable=SC1091
. "$TESTBED_DIR/testbed.env"
fault() { "$TESTBED_DIR/bin/testbedctl" fault --control="127.0.0.1:$TESTBED_KUBELET_CONTROL_PORT" "$1"; }
start_apiserver() {
  restart_component_from_cmd kube-apiserver
  wait_until "kube-apiserver /readyz" 60 apiserver_ready || die "apiserver not ready, see $RUN/kube-apiserver.log"
}
case "${1:-}" in
  cut-streams) fault cut ;;
  hold-streams) fault hold ;;
  end-streams) fault end ;;
  stop-logserver) fault stop ;;
  start-logserver) fault start ;;
  logserver-status) fault status ;;
  restart-apiserver)
    # A graceful kube-apiserver shutdown can hang >10 s on open long-running requests; give it 3 s.
    stop_component kube-apiserver 3
    down="${2:-0}"
    [[ "$down" =~ ^[0-9]+([.][0-9]+)?$ ]] || die "restart-apiserver: DOWN must be seconds, not '$down'"
    if [[ "$down" != 0 ]]; then log "kube-apiserver down for ${down}s more"; sleep "$down"; fi
    start_apiserver
    log "kube-apiserver restarted"
    ;;
  stop-apiserver)
    stop_component kube-apiserver 3
    log "kube-apiserver of ${TESTBED_CLUSTER_NAME:-cluster-a} stopped (ctl.sh start-apiserver starts it again)"
    ;;
  start-apiserver)
    if [[ -f "$RUN/kube-apiserver.pid" ]] && alive "$(cat "$RUN/kube-apiserver.pid")"; then
      die "kube-apiserver of ${TESTBED_CLUSTER_NAME:-cluster-a} is running"
    fi
    start_apiserver
    log "kube-apiserver of ${TESTBED_CLUSTER_NAME:-cluster-a} started"
    ;;
  add-cluster) exec "$HERE/add-cluster.sh" ;;
  clusters)
    # Always lists the whole bed, whatever -c said.
    top="${TESTBED_DIR%/cluster-*}"
    TESTBED_DIR="$top"
    while read -r d; do
      (
        # shellcheck disable=SC1091
        . "$d/testbed.env"
        state=down
        if [[ -f "$d/run/kube-apiserver.pid" ]] && alive "$(cat "$d/run/kube-apiserver.pid")"; then state=up; fi
        echo "${TESTBED_CLUSTER_NAME:-cluster-a} https://127.0.0.1:$TESTBED_APISERVER_PORT $state ${TESTBED_CONTEXT_NAMESPACE:-druid-a}"
      )
    done < <(cluster_dirs)
    ;;
  env) cat "$TESTBED_DIR/testbed.env" ;;
  *) usage ;;
esac
