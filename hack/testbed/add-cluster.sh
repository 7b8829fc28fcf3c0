#!/usr/bin/env bash
# add-cluster.sh: starts one more, independent Kubernetes cluster beside the running test bed in
# ${TESTBED_DIR:-/tmp/druid-logs-testbed}, as Druid's multik8s task runner sees several clusters:
# cluster-b (then cluster-c...) in $TESTBED_DIR/cluster-b with its own PKI, etcd, kube-apiserver,
# kube-controller-manager, kwok and test kubelet, on the first cluster's ports + N x
# ${TESTBED_CLUSTER_PORT_STEP:-50}. No kube-scheduler: peon pods name their node (see README.md).
# Then (re)writes $TESTBED_DIR/multi.kubeconfig: one context per cluster (cluster-a, cluster-b...),
# each with its own namespace (druid-a, druid-b...), current context cluster-a; prints its path.
set -euo pipefail
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
[[ -f "$TESTBED_DIR/testbed.env" ]] || die "no test bed in $TESTBED_DIR (run up.sh)"
# shellcheck disable=SC1091
. "$TESTBED_DIR/testbed.env"
step="${TESTBED_CLUSTER_PORT_STEP:-50}"
[[ "$step" =~ ^[1-9][0-9]*$ ]] || die "TESTBED_CLUSTER_PORT_STEP must be a positive number"

i=1
while [[ -e "$TESTBED_DIR/cluster-$(cluster_letter "$i")" ]]; do i=$((i + 1)); done
(( i <= 8 )) || die "at most 9 clusters"
name="cluster-$(cluster_letter "$i")"
shift_port() { echo $(( $1 + i * step )); }

# The first cluster's controller-manager runs every controller ('*'); this one only those a peon
# Job needs (Job -> Pod, garbage collection of deleted Jobs' pods, the default ServiceAccount,
# namespace deletion): ~90 MB instead of ~120 MB. No scheduler (peon pods set spec.nodeName).
TESTBED_DIR="$TESTBED_DIR/$name" TESTBED_CLUSTER_NAME="$name" TESTBED_CLUSTERS=1 \
  TESTBED_CONTEXT_NAMESPACE="druid-$(cluster_letter "$i")" \
  TESTBED_SCHEDULER=0 \
  TESTBED_KCM_CONTROLLERS="${TESTBED_SECONDARY_KCM_CONTROLLERS:-job-controller,garbage-collector-controller,serviceaccount-controller,serviceaccount-token-controller,namespace-controller}" \
  TESTBED_ETCD_PORT="$(shift_port "$TESTBED_ETCD_PORT")" \
  TESTBED_ETCD_PEER_PORT="$(shift_port "$TESTBED_ETCD_PEER_PORT")" \
  TESTBED_APISERVER_PORT="$(shift_port "$TESTBED_APISERVER_PORT")" \
  TESTBED_KCM_PORT="$(shift_port "$TESTBED_KCM_PORT")" \
  TESTBED_SCHEDULER_PORT="$(shift_port "$TESTBED_SCHEDULER_PORT")" \
  TESTBED_KWOK_PORT="$(shift_port "$TESTBED_KWOK_PORT")" \
  TESTBED_KUBELET_PORT="$(shift_port "$TESTBED_KUBELET_PORT")" \
  TESTBED_KUBELET_CONTROL_PORT="$(shift_port "$TESTBED_KUBELET_CONTROL_PORT")" \
  "$HERE/up.sh" >/dev/null

# multi.kubeconfig: every cluster's own CA and admin certificate, one context per cluster.
multi="$TESTBED_DIR/multi.kubeconfig"
{
  echo "apiVersion: v1"
  echo "kind: Config"
  echo "current-context: ${TESTBED_CLUSTER_NAME:-cluster-a}"
  for part in clusters users contexts; do
    echo "$part:"
    while read -r d; do
      (
        # shellcheck disable=SC1091
        . "$d/testbed.env"
        n="${TESTBED_CLUSTER_NAME:-cluster-a}" ns="${TESTBED_CONTEXT_NAMESPACE:-druid-a}"
        case "$part" in
          clusters) printf -- '- name: %s\n  cluster:\n    server: https://127.0.0.1:%s\n    certificate-authority-data: %s\n' \
            "$n" "$TESTBED_APISERVER_PORT" "$(base64 -w0 < "$d/pki/ca.crt")" ;;
          users) printf -- '- name: testbed-admin@%s\n  user:\n    client-certificate-data: %s\n    client-key-data: %s\n' \
            "$n" "$(base64 -w0 < "$d/pki/admin.crt")" "$(base64 -w0 < "$d/pki/admin.key")" ;;
          contexts) printf -- '- name: %s\n  context:\n    cluster: %s\n    user: testbed-admin@%s\n    namespace: %s\n' \
            "$n" "$n" "$n" "$ns" ;;
        esac
      )
    done < <(cluster_dirs)
  done
} > "$multi.tmp"
chmod 600 "$multi.tmp"
mv "$multi.tmp" "$multi"

# Every context's namespace exists (with its default ServiceAccount) in its cluster; clusters at once.
pids=()
while read -r d; do
  (
    # shellcheck disable=SC1091
    . "$d/testbed.env"
    k() { "$TESTBED_BIN_DIR/kubectl" --kubeconfig "$d/kubeconfig" "$@"; }
    ns="${TESTBED_CONTEXT_NAMESPACE:-druid-a}"
    k get namespace "$ns" >/dev/null 2>&1 || k create namespace "$ns" >/dev/null
    wait_until "default ServiceAccount in $ns of ${TESTBED_CLUSTER_NAME:-cluster-a}" 60 \
      k get serviceaccount default -n "$ns" || die "no default ServiceAccount in $ns, see $d/run/kube-controller-manager.log"
  ) &
  pids+=($!)
done < <(cluster_dirs)
for p in "${pids[@]}"; do wait "$p" || die "creating the contexts' namespaces failed"; done
log "$name added; contexts of every cluster: $multi"
echo "$multi"
