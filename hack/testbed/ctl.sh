#!/usr/bin/env bash
# ctl.sh: faults and controls for a running test bed (TESTBED_DIR as for up.sh).
#
#   ctl.sh cut-streams        close every open log stream of the test kubelet abruptly
#   ctl.sh hold-streams       open follow streams of the test kubelet send nothing more (stay open)
#   ctl.sh end-streams        open follow streams of the test kubelet end now, cleanly (held ones too)
#   ctl.sh stop-logserver     stop the test kubelet log server (connections refused)
#   ctl.sh start-logserver    start it again on the same port
#   ctl.sh logserver-status   listening=true|false open_streams=N
#   ctl.sh restart-apiserver [DOWN]  stop kube-apiserver (SIGTERM, SIGKILL after 3 s), stay down DOWN
#                             more seconds (default 0), start it again, wait for /readyz
#   ctl.sh env                print the test bed's settings (testbed.env)
set -euo pipefail
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
[[ -f "$TESTBED_DIR/testbed.env" ]] || die "no test bed in $TESTBED_DIR (run up.sh)"
# shellcheck disable=SC1091
. "$TESTBED_DIR/testbed.env"
fault() { "$TESTBED_DIR/bin/testbedctl" fault --control="127.0.0.1:$TESTBED_KUBELET_CONTROL_PORT" "$1"; }
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
    restart_component_from_cmd kube-apiserver
    wait_until "kube-apiserver /readyz" 60 apiserver_ready || die "apiserver not ready, see $RUN/kube-apiserver.log"
    log "kube-apiserver restarted"
    ;;
  env) cat "$TESTBED_DIR/testbed.env" ;;
  *) sed -n '2,13p' "$0" >&2; exit 2 ;;
esac
