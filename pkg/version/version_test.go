package version

import (
	"runtime"
	"runtime/debug"
	"testing"
)

func TestGetUsesLinkerValuesBeforeFallbacks(t *testing.T) {
	tests := []struct {
		name                    string
		version, commit, date   string
		wantVersion, wantCommit string
		wantDate                string
	}{
		{
			name:    "stamped by -ldflags -X",
			version: "v1.2.3", commit: "0123456789abcdef", date: "2026-01-02T03:04:05Z",
			wantVersion: "v1.2.3", wantCommit: "0123456789abcdef", wantDate: "2026-01-02T03:04:05Z",
		},
		{
			// A test binary has no module version and, with -buildvcs=false,
			// no vcs settings, so the fixed fallbacks show.
			name:        "nothing stamped",
			wantVersion: DevVersion, wantCommit: Unknown, wantDate: Unknown,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.version == "" && hasVCSInfo() {
				t.Skip("test binary carries vcs build info; fallback values differ")
			}
			setLinkerValues(t, tt.version, tt.commit, tt.date)
			got := Get()
			want := Info{
				Version:   tt.wantVersion,
				GitCommit: tt.wantCommit,
				BuildDate: tt.wantDate,
				GoVersion: runtime.Version(),
				Platform:  runtime.GOOS + "/" + runtime.GOARCH,
			}
			if got != want {
				t.Errorf("Get() = %+v, want %+v", got, want)
			}
		})
	}
}

func TestFillFromBuildInfo(t *testing.T) {
	tests := []struct {
		name  string
		start Info
		bi    debug.BuildInfo
		want  Info
	}{
		{
			name: "go install module@version",
			bi: debug.BuildInfo{
				Main: debug.Module{Version: "v0.3.0"},
				Settings: []debug.BuildSetting{
					{Key: "vcs.revision", Value: "abc"},
					{Key: "vcs.time", Value: "2026-02-03T04:05:06Z"},
				},
			},
			want: Info{Version: "v0.3.0", GitCommit: "abc", BuildDate: "2026-02-03T04:05:06Z"},
		},
		{
			name: "devel build keeps version empty",
			bi:   debug.BuildInfo{Main: debug.Module{Version: "(devel)"}},
			want: Info{},
		},
		{
			name:  "linker values win",
			start: Info{Version: "v1.0.0", GitCommit: "def", BuildDate: "2026-03-04T00:00:00Z"},
			bi: debug.BuildInfo{
				Main:     debug.Module{Version: "v0.3.0"},
				Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc"}, {Key: "vcs.time", Value: "x"}},
			},
			want: Info{Version: "v1.0.0", GitCommit: "def", BuildDate: "2026-03-04T00:00:00Z"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.start
			fillFromBuildInfo(&got, &tt.bi)
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestInfoStringIsOneLine(t *testing.T) {
	tests := []struct {
		info Info
		want string
	}{
		{
			info: Info{Version: "v0.1.0", GitCommit: "abc", BuildDate: "2026-01-01T00:00:00Z", GoVersion: "go1.26.8", Platform: "linux/amd64"},
			want: "v0.1.0 (commit abc, built 2026-01-01T00:00:00Z, go1.26.8, linux/amd64)",
		},
		{
			info: Info{Version: DevVersion, GitCommit: Unknown, BuildDate: Unknown, GoVersion: "go1.26.8", Platform: "windows/arm64"},
			want: "v0.0.0-dev (commit unknown, built unknown, go1.26.8, windows/arm64)",
		},
	}
	for _, tt := range tests {
		if got := tt.info.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

func setLinkerValues(t *testing.T, v, c, d string) {
	t.Helper()
	oldV, oldC, oldD := version, gitCommit, buildDate
	version, gitCommit, buildDate = v, c, d
	t.Cleanup(func() { version, gitCommit, buildDate = oldV, oldC, oldD })
}

func hasVCSInfo() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return true
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" || s.Key == "vcs.time" {
			return true
		}
	}
	return false
}
