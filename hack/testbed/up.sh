#!/usr/bin/env bash
# up.sh: starts the test bed on 127.0.0.1 with fresh state in ${TESTBED_DIR:-/tmp/druid-logs-testbed}:
# openssl PKI, etcd, kube-apiserver (RBAC, audit log), kube-controller-manager, kube-scheduler,
# kwok (nodes kwok-endless and kubelet-ending) and the test kubelet log server (testbedctl).
# Writes $TESTBED_DIR/kubeconfig (admin) and $TESTBED_DIR/testbed.env. Stop with down.sh.
# Binaries come from build.sh (run it first; up.sh runs it when binaries are missing).
#
#   up.sh [--clusters N]   N > 1 (or TESTBED_CLUSTERS=N) also starts clusters b, c... with
#                          add-cluster.sh and writes $TESTBED_DIR/multi.kubeconfig (one context each)
set -euo pipefail
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
. "$HERE/pki.sh"
t0=$(date +%s%N)
clusters="${TESTBED_CLUSTERS:-1}"
while (( $# > 0 )); do
  case "$1" in
    --clusters) clusters="${2:-}"; shift 2 ;;
    --clusters=*) clusters="${1#*=}"; shift ;;
    *) die "unknown argument $1 (usage: up.sh [--clusters N])" ;;
  esac
done
[[ "$clusters" =~ ^[1-9]$ ]] || die "--clusters must be 1 to 9, not '$clusters'"

for b in etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok; do
  if [[ ! -x "$TESTBED_BIN_DIR/$b" ]]; then
    log "$b missing in $TESTBED_BIN_DIR: running build.sh (cold build takes ~8-9 minutes)"
    "$HERE/build.sh" >&2
    break
  fi
done

if compgen -G "$RUN/*.pid" >/dev/null || compgen -G "$TESTBED_DIR/cluster-*/run/*.pid" >/dev/null; then
  log "a test bed seems to be running in $TESTBED_DIR: stopping it first"
  "$HERE/down.sh"
fi
case "$TESTBED_DIR" in ""|/) die "refusing TESTBED_DIR=$TESTBED_DIR" ;; esac
for p in "$TESTBED_ETCD_PORT" "$TESTBED_ETCD_PEER_PORT" "$TESTBED_APISERVER_PORT" "$TESTBED_KCM_PORT" \
  "$TESTBED_SCHEDULER_PORT" "$TESTBED_KWOK_PORT" "$TESTBED_KUBELET_PORT" "$TESTBED_KUBELET_CONTROL_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    die "port $p on 127.0.0.1 is in use (another test bed? set TESTBED_*_PORT or down.sh it)"
  fi
done
rm -rf "$TESTBED_DIR"
mkdir -p "$RUN" "$PKI" "$TESTBED_DIR/bin" "$TESTBED_DIR/logs"

# testbedctl (test kubelet log server) is built from the repository, cached by a hash of its sources.
tb_hash="$(cd "$REPO_ROOT" && cat go.mod go.sum test/crilog/*.go test/testbed/kubelet/*.go test/testbed/cmd/testbedctl/*.go | sha256sum | cut -c1-16)"
tb_bin="$(dirname "$TESTBED_BIN_DIR")/testbedctl/testbedctl-$tb_hash"
if [[ ! -x "$tb_bin" ]]; then
  log "building testbedctl (test kubelet log server) from the repository"
  mkdir -p "$(dirname "$tb_bin")"
  (cd "$REPO_ROOT" && go build -o "$tb_bin.tmp" ./test/testbed/cmd/testbedctl) && mv "$tb_bin.tmp" "$tb_bin"
fi
cp "$tb_bin" "$TESTBED_DIR/bin/testbedctl"

log "creating PKI"
make_pki
write_kubeconfig "$KUBECONFIG_ADMIN" admin testbed-admin
for c in controller-manager scheduler kwok testbed-kubelet; do
  write_kubeconfig "$RUN/$c.kubeconfig" "$c" "$c"
done

cat > "$TESTBED_DIR/audit-policy.yaml" <<'YAML'
# Every request at Metadata level; RequestReceived omitted so each request is one line
# (long-running requests such as watches and log follows also log ResponseStarted).
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: Metadata
YAML

cat > "$TESTBED_DIR/testbed.env" <<ENV
TESTBED_DIR=$TESTBED_DIR
TESTBED_BIN_DIR=$TESTBED_BIN_DIR
TESTBED_REPO_ROOT=$REPO_ROOT
TESTBED_ETCD_PORT=$TESTBED_ETCD_PORT
TESTBED_ETCD_PEER_PORT=$TESTBED_ETCD_PEER_PORT
TESTBED_APISERVER_PORT=$TESTBED_APISERVER_PORT
TESTBED_KCM_PORT=$TESTBED_KCM_PORT
TESTBED_SCHEDULER_PORT=$TESTBED_SCHEDULER_PORT
TESTBED_KWOK_PORT=$TESTBED_KWOK_PORT
TESTBED_KUBELET_PORT=$TESTBED_KUBELET_PORT
TESTBED_KUBELET_CONTROL_PORT=$TESTBED_KUBELET_CONTROL_PORT
TESTBED_CLUSTER_NAME=$TESTBED_CLUSTER_NAME
TESTBED_CONTEXT_NAMESPACE=$TESTBED_CONTEXT_NAMESPACE
TESTBED_SCHEDULER=$TESTBED_SCHEDULER
TESTBED_KCM_CONTROLLERS=$TESTBED_KCM_CONTROLLERS
ENV

start_component etcd "$TESTBED_BIN_DIR/etcd" --name testbed --data-dir "$TESTBED_DIR/etcd" \
  --listen-client-urls "http://127.0.0.1:$TESTBED_ETCD_PORT" \
  --advertise-client-urls "http://127.0.0.1:$TESTBED_ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$TESTBED_ETCD_PEER_PORT" \
  --initial-advertise-peer-urls "http://127.0.0.1:$TESTBED_ETCD_PEER_PORT" \
  --initial-cluster "testbed=http://127.0.0.1:$TESTBED_ETCD_PEER_PORT" \
  --unsafe-no-fsync --log-level warn
wait_until "etcd /health" 30 http_get_ok 127.0.0.1 "$TESTBED_ETCD_PORT" /health

start_component kube-apiserver "$TESTBED_BIN_DIR/kube-apiserver" \
  --etcd-servers="http://127.0.0.1:$TESTBED_ETCD_PORT" \
  --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$TESTBED_APISERVER_PORT" \
  --endpoint-reconciler-type=none \
  --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
  --client-ca-file="$PKI/ca.crt" \
  --service-account-issuer=https://kubernetes.default.svc \
  --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
  --service-cluster-ip-range=10.0.0.0/24 \
  --authorization-mode=RBAC \
  --kubelet-client-certificate="$PKI/kubelet-client.crt" --kubelet-client-key="$PKI/kubelet-client.key" \
  --kubelet-certificate-authority="$PKI/ca.crt" --kubelet-preferred-address-types=InternalIP \
  --audit-policy-file="$TESTBED_DIR/audit-policy.yaml" --audit-log-path="$TESTBED_DIR/audit.log" \
  --audit-log-format=json --audit-log-maxsize=0 --audit-log-maxbackup=0 \
  --profiling=false
wait_until "kube-apiserver /readyz" 60 apiserver_ready || die "apiserver not ready, see $RUN/kube-apiserver.log"

start_component kube-controller-manager "$TESTBED_BIN_DIR/kube-controller-manager" \
  --kubeconfig="$RUN/controller-manager.kubeconfig" \
  --bind-address=127.0.0.1 --secure-port="$TESTBED_KCM_PORT" --leader-elect=false \
  --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
  --controllers="$TESTBED_KCM_CONTROLLERS" --profiling=false
if [[ "$TESTBED_SCHEDULER" == 1 ]]; then
  start_component kube-scheduler "$TESTBED_BIN_DIR/kube-scheduler" \
    --kubeconfig="$RUN/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$TESTBED_SCHEDULER_PORT" --leader-elect=false --profiling=false
fi

kc apply -f "$HERE/kwok/crds.yaml" >/dev/null
wait_until "KWOK CRDs established" 30 kc wait --for=condition=Established --timeout=1s \
  crd/logs.kwok.x-k8s.io crd/clusterlogs.kwok.x-k8s.io

{
  cat <<YAML
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokConfiguration
options:
  enableCRDs: ["Logs", "ClusterLogs"]
  cidr: 10.244.0.0/16
  nodeIP: 127.0.0.1
  nodePort: $TESTBED_KWOK_PORT
  serverAddress: 127.0.0.1:$TESTBED_KWOK_PORT
  tlsCertFile: $PKI/kubelet.crt
  tlsPrivateKeyFile: $PKI/kubelet.key
  manageNodesWithAnnotationSelector: kwok.x-k8s.io/node=fake
  enableDebuggingHandlers: true
  nodeLeaseDurationSeconds: 40
  nodeLeaseParallelism: 4
  podPlayStageParallelism: 4
  nodePlayStageParallelism: 4
  podsOnNodeSyncParallelism: 4
  enablePodsOnNodeSyncListPager: false
  enablePodsOnNodeSyncStreamWatch: false
---
YAML
  cat "$HERE/kwok/stages.yaml"
} > "$RUN/kwok.yaml"
start_component kwok "$TESTBED_BIN_DIR/kwok" --kubeconfig="$RUN/kwok.kubeconfig" --config="$RUN/kwok.yaml"

start_component testbed-kubelet "$TESTBED_DIR/bin/testbedctl" serve-kubelet \
  --listen="127.0.0.1:$TESTBED_KUBELET_PORT" --control="127.0.0.1:$TESTBED_KUBELET_CONTROL_PORT" \
  --node=kubelet-ending --kubeconfig="$RUN/testbed-kubelet.kubeconfig" \
  --cert="$PKI/kubelet.crt" --key="$PKI/kubelet.key" --client-ca="$PKI/ca.crt" \
  --client-cn=kube-apiserver-kubelet-client --logs="$TESTBED_DIR/logs"

kc apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Node
metadata:
  name: kwok-endless
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/hostname: kwok-endless
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    type: kwok
    druid-logs.testbed/log-server: kwok
---
apiVersion: v1
kind: Node
metadata:
  name: kubelet-ending
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
    testbed.druid-logs/kubelet-port: "$TESTBED_KUBELET_PORT"
  labels:
    kubernetes.io/hostname: kubelet-ending
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    type: kwok
    druid-logs.testbed/log-server: testbed-kubelet
YAML

wait_until "nodes Ready" 60 kc wait --for=condition=Ready --timeout=1s node/kwok-endless node/kubelet-ending \
  || die "nodes not Ready, see $RUN/kwok.log"
wait_until "default ServiceAccount" 60 kc get serviceaccount default -n default \
  || die "no default ServiceAccount, see $RUN/kube-controller-manager.log"
wait_until "test kubelet control endpoint" 30 "$TESTBED_DIR/bin/testbedctl" fault \
  --control="127.0.0.1:$TESTBED_KUBELET_CONTROL_PORT" ping

log "$TESTBED_CLUSTER_NAME up in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
for (( i = 1; i < clusters; i++ )); do
  "$HERE/add-cluster.sh" >/dev/null
done
log "  export KUBECONFIG=$KUBECONFIG_ADMIN"
(( clusters == 1 )) || log "  all $clusters clusters, one context each: $TESTBED_DIR/multi.kubeconfig"
log "  kubectl: $TESTBED_BIN_DIR/kubectl   stop: $HERE/down.sh"
echo "$KUBECONFIG_ADMIN"
