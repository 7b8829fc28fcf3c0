// Package krew is the end-to-end story of shipping kubectl druid-logs
// through krew: build the release archives reproducibly (make dist-check),
// install them with the real krew v0.4.4 from a manifest and from a local
// custom index served over loopback HTTP, run `kubectl druid-logs` through
// kubectl's plugin discovery and completion, validate the manifest with
// krew's own validate-krew-manifest, and uninstall. Everything runs offline
// once the Go module proxy has served krew.
//
// The tests carry the build tag e2e: go test -tags e2e ./test/krew/
//
// kubectl is taken from $KUBECTL, then the test bed's bin directory
// (hack/testbed/build.sh --print-bin-dir), then PATH; without one the tests
// skip, unless $CI is set, when they fail. krew and validate-krew-manifest are
// built by `make krew-tools` into
// ${XDG_CACHE_HOME:-$HOME/.cache}/druid-logs/tools/krew-v0.4.4/bin.
package krew
