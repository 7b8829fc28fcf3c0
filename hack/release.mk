# hack/release.mk: version stamping, reproducible release archives and the
# krew manifest. Included from the top of the main Makefile.
#
#   make dist            cross-compile PLATFORMS into $(DIST_DIR)/*.tar.gz|zip + checksums.txt
#   make dist-check      build dist twice and fail unless byte-identical
#   make krew-manifest   render $(KREW_MANIFEST) from $(KREW_TEMPLATE) and the archives' sha256
#   make krew-check      fail if $(KREW_MANIFEST) breaks krew-index rules or drifts from the template
#   make krew-validate   run krew's own validate-krew-manifest on $(KREW_MANIFEST)
#   make krew-tools      build krew and validate-krew-manifest into $(TOOLS_BIN)
#
# Reproducible means: the same commit, VERSION and Go toolchain give the same
# bytes. Every time stamp comes from the commit (never the wall clock), builds
# use -trimpath, -buildvcs=false and CGO_ENABLED=0, and hack/dist writes the
# archives with sorted entries, owner 0:0 and the commit time as mtime.

# This file's own path, so recursive makes work whether it is included by the
# main Makefile or run directly with `make -f hack/release.mk`.
RELEASE_MK := $(lastword $(MAKEFILE_LIST))
# Included at the top of the main Makefile, this file must not make its first
# target the default goal; it is restored at the end.
RELEASE_SAVED_DEFAULT_GOAL := $(.DEFAULT_GOAL)

GO ?= go
RELEASE_MODULE := github.com/druid-logs/kubectl-druid-logs
VERSION_PKG    := $(RELEASE_MODULE)/pkg/version
PLUGIN_BIN     := kubectl-druid_logs
PLUGIN_MAIN    ?= ./cmd/kubectl-druid_logs
COMPLETION_SCRIPT := kubectl_complete-druid_logs

# Each is computed once (not on every expansion, as plain ?= would), unless
# given on the command line or in the environment. Outside a git checkout, or
# before the first commit, the fallbacks keep builds working and reproducible.
ifeq ($(origin VERSION),undefined)
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo v0.1.0)
endif
ifeq ($(origin GIT_COMMIT),undefined)
GIT_COMMIT := $(shell git rev-parse --verify -q HEAD 2>/dev/null || echo unknown)
endif
ifeq ($(origin BUILD_DATE),undefined)
BUILD_DATE := $(shell git log -1 --format=%cI 2>/dev/null || echo 1970-01-01T00:00:00Z)
endif
# Archive entry mtimes: the commit time in Unix seconds.
ifeq ($(origin SOURCE_DATE_EPOCH),undefined)
SOURCE_DATE_EPOCH := $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
endif

# Not ?=: an LDFLAGS meant for a C linker in the environment must not leak in.
# Add linker flags with EXTRA_LDFLAGS.
EXTRA_LDFLAGS ?=
LDFLAGS := -s -w \
	-X $(VERSION_PKG).version=$(VERSION) \
	-X $(VERSION_PKG).gitCommit=$(GIT_COMMIT) \
	-X $(VERSION_PKG).buildDate=$(BUILD_DATE) \
	$(EXTRA_LDFLAGS)

PLATFORMS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64
DIST_DIR ?= dist
DIST_CHECK_DIR ?= $(DIST_DIR)-check
# Set to an empty directory to make dist-check's second build compile
# everything from scratch (slow) instead of reusing the Go build cache.
DIST_CHECK_GOCACHE ?=

KREW_TEMPLATE ?= krew.yaml
KREW_MANIFEST ?= plugins/druid-logs.yaml
KREW_VERSION  ?= v0.4.4
TOOLS_BIN ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/druid-logs/tools/krew-$(KREW_VERSION)/bin

ifeq ($(filter-out / . ..,$(strip $(DIST_DIR))),)
$(error DIST_DIR must name a directory that dist may delete, not "$(DIST_DIR)")
endif

.PHONY: dist dist-check krew-manifest krew-check krew-validate krew-tools print-release-vars

# The stage directory holds the bare binaries and the archiver; it is removed
# at the end so that $(DIST_DIR) holds only what a release uploads.
dist: ## Cross-compile PLATFORMS into reproducible archives in $(DIST_DIR) with checksums.txt
	@test -f LICENSE || { echo "dist: LICENSE is missing at the repository root" >&2; exit 1; }
	@test -x $(COMPLETION_SCRIPT) || { echo "dist: $(COMPLETION_SCRIPT) is missing or not executable" >&2; exit 1; }
	rm -rf $(DIST_DIR)
	mkdir -p $(DIST_DIR)/.stage
	$(GO) build -o $(DIST_DIR)/.stage/dist ./hack/dist
	@set -e; for p in $(PLATFORMS); do \
	  os=$${p%/*}; arch=$${p#*/}; exe=; ext=tar.gz; \
	  if [ "$$os" = windows ]; then exe=.exe; ext=zip; fi; \
	  stage=$(DIST_DIR)/.stage/$${os}_$${arch}; mkdir -p $$stage; \
	  echo "dist: $$os/$$arch"; \
	  CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -buildvcs=false \
	    -ldflags "$(LDFLAGS)" -o $$stage/$(PLUGIN_BIN)$$exe $(PLUGIN_MAIN); \
	  $(DIST_DIR)/.stage/dist archive -mtime $(SOURCE_DATE_EPOCH) \
	    -o $(DIST_DIR)/$(PLUGIN_BIN)_$(VERSION)_$${os}_$${arch}.$$ext \
	    $$stage/$(PLUGIN_BIN)$$exe LICENSE $(COMPLETION_SCRIPT); \
	done
	cd $(DIST_DIR) && .stage/dist checksums -o checksums.txt $(PLUGIN_BIN)_*
	rm -rf $(DIST_DIR)/.stage
	@cat $(DIST_DIR)/checksums.txt

# The values are pinned for both builds, so a commit or a file edit between
# them cannot pass for non-reproducibility.
dist-check: ## Build dist twice into $(DIST_CHECK_DIR)/{a,b}; fail unless byte-identical
	rm -rf $(DIST_CHECK_DIR)
	$(MAKE) --no-print-directory -f $(RELEASE_MK) dist DIST_DIR=$(DIST_CHECK_DIR)/a $(RELEASE_PINNED)
	$(if $(DIST_CHECK_GOCACHE),GOCACHE=$(abspath $(DIST_CHECK_GOCACHE))) \
	  $(MAKE) --no-print-directory -f $(RELEASE_MK) dist DIST_DIR=$(DIST_CHECK_DIR)/b $(RELEASE_PINNED)
	@diff -r $(DIST_CHECK_DIR)/a $(DIST_CHECK_DIR)/b \
	  || { echo "dist-check: two builds of $(VERSION) differ (see above)" >&2; exit 1; }
	@echo "dist-check: two builds of $(VERSION) are byte-identical"

RELEASE_PINNED = VERSION=$(VERSION) GIT_COMMIT=$(GIT_COMMIT) BUILD_DATE=$(BUILD_DATE) \
	SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH) PLATFORMS="$(PLATFORMS)"

krew-manifest: ## Render $(KREW_MANIFEST) for VERSION from $(KREW_TEMPLATE) and $(DIST_DIR)/checksums.txt
	@test -f $(DIST_DIR)/checksums.txt || $(MAKE) --no-print-directory -f $(RELEASE_MK) dist
	$(GO) run ./hack/krew render -template $(KREW_TEMPLATE) -tag $(VERSION) \
	  -checksums $(DIST_DIR)/checksums.txt -o $(KREW_MANIFEST)
	@echo "krew-manifest: wrote $(KREW_MANIFEST) for $(VERSION)"

krew-check: ## Fail if $(KREW_MANIFEST) breaks krew-index rules or drifts from $(KREW_TEMPLATE)
	$(GO) run ./hack/krew check -template $(KREW_TEMPLATE) -manifest $(KREW_MANIFEST)

krew-validate: krew-tools ## Run krew's validate-krew-manifest (structure only; the e2e test installs)
	$(TOOLS_BIN)/validate-krew-manifest -manifest $(KREW_MANIFEST) -skip-install

krew-tools: ## Build krew $(KREW_VERSION) (as kubectl-krew) and validate-krew-manifest into $(TOOLS_BIN)
	@mkdir -p $(TOOLS_BIN)
	@test -x $(TOOLS_BIN)/kubectl-krew || { \
	  echo "krew-tools: building krew $(KREW_VERSION) into $(TOOLS_BIN)"; \
	  GOBIN=$(TOOLS_BIN) GOFLAGS= $(GO) install sigs.k8s.io/krew/cmd/krew@$(KREW_VERSION) \
	  && mv $(TOOLS_BIN)/krew $(TOOLS_BIN)/kubectl-krew; }
	@test -x $(TOOLS_BIN)/validate-krew-manifest || { \
	  echo "krew-tools: building validate-krew-manifest $(KREW_VERSION) into $(TOOLS_BIN)"; \
	  GOBIN=$(TOOLS_BIN) GOFLAGS= $(GO) install sigs.k8s.io/krew/cmd/validate-krew-manifest@$(KREW_VERSION); }

print-release-vars: ## Print the values stamped into release builds
	@echo "VERSION=$(VERSION)"
	@echo "GIT_COMMIT=$(GIT_COMMIT)"
	@echo "BUILD_DATE=$(BUILD_DATE)"
	@echo "SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH)"
	@echo "LDFLAGS=$(LDFLAGS)"

# Give the default goal back to the including Makefile (empty: its first target).
.DEFAULT_GOAL := $(RELEASE_SAVED_DEFAULT_GOAL)
