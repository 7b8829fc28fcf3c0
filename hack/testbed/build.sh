#!/usr/bin/env bash
# build.sh: builds the test bed's binaries (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kubectl, kwok) from the Go module proxy into a cache outside the repository.
#
#   hack/testbed/build.sh                 build what is missing (cold: ~8-9 minutes on 2 cores)
#   hack/testbed/build.sh --print-bin-dir print the bin directory and exit
#
# Cache: ${DRUID_LOGS_TESTBED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/druid-logs}/testbed-<versions>/bin
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
. "$HERE/versions.env"

CACHE_ROOT="${DRUID_LOGS_TESTBED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/druid-logs}"
WORK="$CACHE_ROOT/testbed-etcd${ETCD_VERSION}-k8s${KUBERNETES_VERSION}-kwok${KWOK_VERSION}"
BIN="$WORK/bin"

if [[ "${1:-}" == "--print-bin-dir" ]]; then
  echo "$BIN"
  exit 0
fi

log() { echo "[testbed build $(date +%H:%M:%S)] $*"; }
mkdir -p "$BIN" "$WORK/src"
export GOFLAGS="${GOFLAGS:-} -mod=mod"
export GOTOOLCHAIN=local
K8S_MINOR="$(echo "$KUBERNETES_VERSION" | cut -d. -f2)"
K8S_STAGING_VERSION="v0.${K8S_MINOR}.$(echo "$KUBERNETES_VERSION" | cut -d. -f3)"
start=$(date +%s)
log "bin dir: $BIN (a cold build takes ~8-9 minutes on 2 cores; later runs skip built binaries)"

# --- etcd, through a throwaway wrapper module (etcd's own go.mod has replace directives) ---
if [[ ! -x "$BIN/etcd" ]]; then
  log "building etcd $ETCD_VERSION (~1 min)"
  d="$WORK/src/etcd-wrapper"
  rm -rf "$d" && mkdir -p "$d"
  cat > "$d/tools.go" <<GO
//go:build tools

package tools

import (
	_ "go.etcd.io/etcd/etcdctl/v3"
	_ "go.etcd.io/etcd/server/v3"
)
GO
  (cd "$d" && GOFLAGS= go mod init testbed/etcdwrapper >/dev/null 2>&1 \
    && GOFLAGS= go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" "go.etcd.io/etcd/etcdctl/v3@$ETCD_VERSION" >/dev/null \
    && GOFLAGS= go build -trimpath -o "$BIN/etcd.tmp" go.etcd.io/etcd/server/v3 \
    && mv "$BIN/etcd.tmp" "$BIN/etcd")
  log "etcd done"
else
  log "etcd already built"
fi

# --- kwok ---
if [[ ! -x "$BIN/kwok" ]]; then
  log "building kwok $KWOK_VERSION (~75 s)"
  GOFLAGS= GOBIN="$WORK/src/gobin" go install "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  mv "$WORK/src/gobin/kwok" "$BIN/kwok"
  log "kwok done"
else
  log "kwok already built"
fi

# --- kubernetes: apiserver, controller-manager, scheduler, kubectl from a patched module copy ---
need=()
for b in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
  [[ -x "$BIN/$b" ]] || need+=("./cmd/$b")
done
if (( ${#need[@]} > 0 )); then
  log "building kubernetes $KUBERNETES_VERSION: ${need[*]} (~6-7 min, peak RSS ~3 GB)"
  mod_dir="$(GOFLAGS= go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [[ -d "$mod_dir" ]] || { echo "cannot download k8s.io/kubernetes@$KUBERNETES_VERSION" >&2; exit 1; }
  k="$WORK/src/kubernetes"
  if [[ ! -f "$k/.patched" ]]; then
    rm -rf "$k" && mkdir -p "$k"
    cp -r "$mod_dir/." "$k/" && chmod -R u+w "$k"
    rm -rf "$k/go.work" "$k/go.work.sum" "$k/vendor"
    # No staging/ in the published module: point staging replaces at the published versions.
    sed -i -E \
      -e '/k8s\.io\/sample-cli-plugin[[:space:]]+=>/d' \
      -e '/k8s\.io\/sample-controller[[:space:]]+=>/d' \
      -e "s#(k8s\.io/[A-Za-z0-9._-]+)[[:space:]]+=>[[:space:]]+\./staging/src/k8s\.io/[A-Za-z0-9._-]+#\1 => \1 ${K8S_STAGING_VERSION}#" \
      "$k/go.mod"
    touch "$k/.patched"
  fi
  now="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  LD="-s -w"
  for p in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
    LD="$LD -X $p.gitVersion=$KUBERNETES_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$K8S_MINOR"
    LD="$LD -X $p.gitCommit=0000000000000000000000000000000000000000 -X $p.gitTreeState=clean -X $p.buildDate=$now"
  done
  (cd "$k" && go build -mod=mod -trimpath -ldflags "$LD" -o "$BIN/" "${need[@]}")
  log "kubernetes done"
else
  log "kubernetes binaries already built"
fi

# --- KWOK CRDs (Logs/ClusterLogs, Stage) from the kwok module, for reference/installation ---
if [[ ! -f "$WORK/kwok-crds.yaml" ]]; then
  kdir="$(GOFLAGS= go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  if [[ -d "$kdir/kustomize/crd/bases" ]]; then
    for f in "$kdir"/kustomize/crd/bases/*.yaml; do echo "---"; cat "$f"; done > "$WORK/kwok-crds.yaml.tmp"
    mv "$WORK/kwok-crds.yaml.tmp" "$WORK/kwok-crds.yaml"
  fi
fi

log "all binaries ready in $BIN ($(( $(date +%s) - start )) s)"
