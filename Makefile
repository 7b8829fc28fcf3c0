# kubectl druid-logs. `make help` lists the targets.
include hack/release.mk
.DEFAULT_GOAL := build

GO      ?= go
BIN     := bin/kubectl-druid_logs
PREFIX  ?= $(HOME)/.local
GOFILES := $(shell git ls-files '*.go' 2>/dev/null)

.PHONY: help build install test test-unit test-e2e lint clean fuzz

help: ## Show the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

build: ## Build bin/kubectl-druid_logs
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/kubectl-druid_logs

install: build ## Install the plugin (and its completion helper) into $(PREFIX)/bin
	install -d $(PREFIX)/bin
	install -m 0755 $(BIN) $(PREFIX)/bin/kubectl-druid_logs
	install -m 0755 kubectl_complete-druid_logs $(PREFIX)/bin/kubectl_complete-druid_logs
	@echo "installed $(PREFIX)/bin/kubectl-druid_logs; make sure $(PREFIX)/bin is on PATH, then: kubectl druid-logs --help"

test: test-unit test-e2e ## Run every test: unit, then end-to-end on the real test bed

test-unit: ## Fast unit tests (no cluster)
	$(GO) test -count=1 ./...

test-e2e: build ## End-to-end tests against a real kube-apiserver (builds the test bed on first run)
	hack/testbed/build.sh
	$(GO) test -count=1 -p 1 -tags e2e -timeout 60m ./test/...

STATICCHECK := $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
GOIMPORTS   := $(GO) run golang.org/x/tools/cmd/goimports@v0.52.0 -local github.com/druid-logs/kubectl-druid-logs
ACTIONLINT  := $(GO) run github.com/rhysd/actionlint/cmd/actionlint@v1.7.12

lint: ## go vet, staticcheck, gofmt, goimports grouping (standard, third-party, this module) and actionlint on .github/workflows
	$(GO) vet ./...
	$(GO) vet -tags e2e ./test/...
	$(STATICCHECK) ./...
	$(STATICCHECK) -tags e2e ./test/...
	@out=$$(gofmt -l $(GOFILES)); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@out=$$($(GOIMPORTS) -l $(GOFILES)); if [ -n "$$out" ]; then echo "goimports needed (run: $(GOIMPORTS) -w FILE):"; echo "$$out"; exit 1; fi
	$(ACTIONLINT)

clean: ## Remove build output
	rm -rf bin dist

.PHONY: demo
demo: build ## A throwaway local cluster with a simulated Druid task, followed live (first run builds it: ~10 min); KEEP=1 leaves it running
	hack/testbed/build.sh
	$(GO) run ./hack/demo -plugin $(BIN) $(if $(KEEP),-keep)

FUZZTIME ?= 200000x
fuzz: ## Run each fuzz target for $(FUZZTIME) executions (bounded, for CI)
	$(GO) test -run='^$$' -fuzz='^FuzzJobNames$$' -fuzztime=$(FUZZTIME) ./pkg/druid
	$(GO) test -run='^$$' -fuzz='^FuzzSplitTimestamp$$' -fuzztime=$(FUZZTIME) ./pkg/follow
	$(GO) test -run='^$$' -fuzz='^FuzzFollowThroughDrops$$' -fuzztime=$(FUZZTIME) ./pkg/follow
	$(GO) test -run='^$$' -fuzz='^FuzzFollowFromATailThroughDrops$$' -fuzztime=$(FUZZTIME) ./pkg/follow
	$(GO) test -run='^$$' -fuzz='^FuzzStockLines$$' -fuzztime=$(FUZZTIME) ./pkg/trace
	$(GO) test -run='^$$' -fuzz='^FuzzTaskStatusDecoding$$' -fuzztime=$(FUZZTIME) ./pkg/overlord

.PHONY: bench
bench: build ## Benchmark vs kubectl logs -f, stern and curl on the test bed; writes docs/performance.md's tables (~10 min)
	hack/testbed/build.sh
	$(GO) run ./hack/bench -plugin $(BIN)
