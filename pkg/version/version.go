// Package version owns the build metadata of kubectl-druid_logs: the release
// version, git commit and build date stamped in at link time with
//
//	-ldflags "-X github.com/druid-logs/kubectl-druid-logs/pkg/version.version=v1.2.3
//	          -X github.com/druid-logs/kubectl-druid-logs/pkg/version.gitCommit=<sha>
//	          -X github.com/druid-logs/kubectl-druid-logs/pkg/version.buildDate=<RFC 3339>"
//
// (hack/release.mk sets them), plus the Go version and platform of the running
// binary. It imports nothing from this module and does no I/O.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// These are strings, not constants, because the linker's -X flag can only
// set package-level string variables. They stay empty unless set at build
// time; Get fills in readable fallbacks.
var (
	version   string
	gitCommit string
	buildDate string
)

const (
	// DevVersion is reported when no version was stamped in and the Go build
	// information does not name a module version (a plain `go build`).
	DevVersion = "v0.0.0-dev"
	// Unknown is reported for a commit or build date that is not known.
	Unknown = "unknown"
)

// Info is the build metadata of the running binary. Its JSON and YAML field
// names are part of the `version -o json|yaml` output contract.
type Info struct {
	// Version is the release tag the binary was built from, e.g. v0.1.0.
	Version string `json:"version"`
	// GitCommit is the full commit hash the binary was built from.
	GitCommit string `json:"gitCommit"`
	// BuildDate is the commit date (RFC 3339), so that rebuilding the same
	// commit gives the same binary.
	BuildDate string `json:"buildDate"`
	// GoVersion is the Go toolchain that compiled the binary.
	GoVersion string `json:"goVersion"`
	// Platform is GOOS/GOARCH of the binary.
	Platform string `json:"platform"`
}

// Get returns the build metadata of the running binary. Values not set with
// -ldflags -X fall back to what `go install module@version` records in the
// binary's build information, then to DevVersion and Unknown.
func Get() Info {
	info := Info{
		Version:   version,
		GitCommit: gitCommit,
		BuildDate: buildDate,
		GoVersion: runtime.Version(),
		Platform:  runtime.GOOS + "/" + runtime.GOARCH,
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		fillFromBuildInfo(&info, bi)
	}
	if info.Version == "" {
		info.Version = DevVersion
	}
	if info.GitCommit == "" {
		info.GitCommit = Unknown
	}
	if info.BuildDate == "" {
		info.BuildDate = Unknown
	}
	return info
}

// fillFromBuildInfo fills the fields still empty from the module version and
// the vcs.* settings Go embeds when it builds inside a git checkout.
func fillFromBuildInfo(info *Info, bi *debug.BuildInfo) {
	if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		info.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch {
		case s.Key == "vcs.revision" && info.GitCommit == "":
			info.GitCommit = s.Value
		case s.Key == "vcs.time" && info.BuildDate == "":
			info.BuildDate = s.Value
		}
	}
}

// String renders the metadata on one line, as printed by `--version`.
func (i Info) String() string {
	return fmt.Sprintf("%s (commit %s, built %s, %s, %s)",
		i.Version, i.GitCommit, i.BuildDate, i.GoVersion, i.Platform)
}
