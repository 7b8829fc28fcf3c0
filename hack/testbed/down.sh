#!/usr/bin/env bash
# down.sh: stops the test bed started by up.sh in ${TESTBED_DIR:-/tmp/druid-logs-testbed}.
# Only the PIDs recorded in $TESTBED_DIR/run/*.pid are signalled. State stays on disk for
# inspection (logs in $TESTBED_DIR/run/*.log) until the next up.sh, or pass --clean to delete it.
# The clusters add-cluster.sh started ($TESTBED_DIR/cluster-*) are stopped at the same time.
set -euo pipefail
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
t0=$(date +%s%N)
for d in "$TESTBED_DIR"/cluster-*/; do
  if [[ -d "$d/run" ]]; then TESTBED_DIR="${d%/}" "$HERE/down.sh" & fi
done
for c in testbed-kubelet kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
  stop_component "$c"
done
wait
if [[ "${1:-}" == "--clean" ]]; then
  case "$TESTBED_DIR" in ""|/) die "refusing TESTBED_DIR=$TESTBED_DIR" ;; esac
  rm -rf "$TESTBED_DIR"
fi
log "test bed down in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
