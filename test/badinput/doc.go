// Package badinput runs the real kubectl-druid_logs binary against bad
// input: malformed task IDs, wrong flags, broken kubeconfigs, and fake API
// servers that refuse, throttle, fail or hang. Every case asserts the exit
// code, a one-line error message, an empty stdout, and no Go stack trace.
//
// The tests are plain `go test ./test/badinput` (no build tag, no cluster):
// TestMain builds the binary once into a temporary directory.
package badinput
