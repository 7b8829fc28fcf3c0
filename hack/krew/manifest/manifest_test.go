package manifest

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path"
	"strings"
	"testing"
)

// fakeSum gives every archive a distinct, valid digest derived from its name.
func fakeSum(uri string) (string, error) {
	return fmt.Sprintf("%x", sha256.Sum256([]byte(path.Base(uri)))), nil
}

func readTemplate(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../../../krew.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func renderValid(t *testing.T) []byte {
	t.Helper()
	b, err := Render(readTemplate(t), Options{Tag: "v1.2.3", SHA256: fakeSum})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRenderFillsTagURIAndSha(t *testing.T) {
	tests := []struct {
		name   string
		opts   Options
		want   []string
		absent []string
	}{
		{
			name: "release uris",
			opts: Options{Tag: "v1.2.3", SHA256: fakeSum},
			want: []string{
				"  version: v1.2.3\n",
				"    uri: https://github.com/druid-logs/kubectl-druid-logs/releases/download/v1.2.3/kubectl-druid_logs_v1.2.3_linux_amd64.tar.gz\n    sha256: ",
				"    uri: https://github.com/druid-logs/kubectl-druid-logs/releases/download/v1.2.3/kubectl-druid_logs_v1.2.3_windows_arm64.zip\n    sha256: ",
			},
			absent: []string{"{{", "krew-release-bot template"},
		},
		{
			name:   "uri prefix for a local server",
			opts:   Options{Tag: "v1.2.3-rc.1", SHA256: fakeSum, URIPrefix: "http://127.0.0.1:8080/"},
			want:   []string{"    uri: http://127.0.0.1:8080/kubectl-druid_logs_v1.2.3-rc.1_darwin_arm64.tar.gz\n"},
			absent: []string{"github.com/druid-logs/kubectl-druid-logs/releases"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Render(readTemplate(t), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(b), w) {
					t.Errorf("rendered manifest lacks %q:\n%s", w, b)
				}
			}
			for _, a := range tt.absent {
				if strings.Contains(string(b), a) {
					t.Errorf("rendered manifest contains %q", a)
				}
			}
			if _, err := Parse(b); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestRenderRejects(t *testing.T) {
	good := readTemplate(t)
	tests := []struct {
		name    string
		tmpl    []byte
		opts    Options
		wantErr string
	}{
		{"untagged build", good, Options{Tag: "a6fed9c-dirty", SHA256: fakeSum}, "not a semantic version"},
		{"tag without v", good, Options{Tag: "1.2.3", SHA256: fakeSum}, "not a semantic version"},
		{"no sha source", good, Options{Tag: "v1.2.3"}, "no sha256 source"},
		{"missing archive", good, Options{Tag: "v1.2.3", SHA256: FromChecksums(map[string]string{}, "dist/checksums.txt")},
			"no checksum for kubectl-druid_logs_v1.2.3_linux_amd64.tar.gz in dist/checksums.txt"},
		{"bad digest", good, Options{Tag: "v1.2.3", SHA256: func(string) (string, error) { return "ABC", nil }}, "not 64 lower-case hex"},
		{"unknown template field", []byte("version: {{ .Version }}\n"), Options{Tag: "v1.2.3", SHA256: fakeSum}, "Version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Render(tt.tmpl, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Render() error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestParseChecksums(t *testing.T) {
	sum := strings.Repeat("ab", 32)
	tests := []struct {
		name    string
		in      string
		want    map[string]string
		wantErr bool
	}{
		{"sha256sum text mode", sum + "  a.tar.gz\n\n", map[string]string{"a.tar.gz": sum}, false},
		{"sha256sum binary mode", sum + "  *b.zip\n", map[string]string{"b.zip": sum}, false},
		{"single space", sum + " a.tar.gz\n", nil, true},
		{"short digest", "abc  a.tar.gz\n", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseChecksums([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, wantErr %v", err, tt.wantErr)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) && !tt.wantErr {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestLintAcceptsRenderedTemplate(t *testing.T) {
	if err := Lint(renderValid(t)); err != nil {
		t.Fatal(err)
	}
}

func TestLintCatchesKrewIndexViolations(t *testing.T) {
	valid := string(renderValid(t))
	linuxAmd64 := "https://github.com/druid-logs/kubectl-druid-logs/releases/download/v1.2.3/kubectl-druid_logs_v1.2.3_linux_amd64.tar.gz"
	tests := []struct {
		name     string
		old, new string
		wantErr  string
	}{
		{"wrong name", "name: druid-logs", "name: druid-log", `metadata.name = "druid-log"`},
		{"long short description", "shortDescription: Follow", "shortDescription: Really, truly and honestly follow", "at most 50"},
		{"wide description", "    Follows the live logs", "    Follows the live logs" + strings.Repeat(" and more", 8), "wrap at 80"},
		{"usage example", "    Given a Druid task ID", "    Run kubectl druid-logs TASK.\n    Given a Druid task ID", "usage examples"},
		{"caveats without ClusterRole", "ClusterRole and ClusterRoleBinding", "cluster-wide role binding", `"ClusterRole" is missing`},
		{"caveats without pods/log", "get on pods/log", "get on logs", `"pods/log" is missing`},
		{"wrong homepage", "homepage: https://github.com/druid-logs/kubectl-druid-logs", "homepage: https://example.com", "spec.homepage"},
		{"windows bin without .exe", "bin: kubectl-druid_logs.exe", "bin: kubectl-druid_logs", `want "kubectl-druid_logs.exe"`},
		{"no LICENSE", "    - from: LICENSE\n      to: .\n    bin: kubectl-druid_logs\n", "    bin: kubectl-druid_logs\n", "files must copy LICENSE"},
		{"platform missing", "arch: arm64\n", "arch: amd64\n", "listed twice"},
		{"uri elsewhere", linuxAmd64, "https://example.com/a.tar.gz", "uri ="},
		{"unknown field", "  homepage:", "  website: x\n  homepage:", "unknown field"},
		{"version not semver", "version: v1.2.3", "version: 1.2", "not a semantic version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(valid, tt.old) {
				t.Fatalf("fixture lacks %q", tt.old)
			}
			err := Lint([]byte(strings.Replace(valid, tt.old, tt.new, 1)))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Lint() = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestCheckDrift(t *testing.T) {
	tmpl := readTemplate(t)
	rendered := string(renderValid(t))
	tests := []struct {
		name     string
		tmpl     string
		manifest string
		wantErr  string
	}{
		{"in sync", string(tmpl), rendered, ""},
		{"manifest edited by hand", string(tmpl), strings.Replace(rendered, "reconnects", "reconnects quickly", 1), "line"},
		{"template edited", strings.Replace(string(tmpl), "reconnects", "retries", 1), rendered, "reconnects"},
		{"template adds a platform", strings.Replace(string(tmpl), "_linux_arm64.tar.gz", "_linux_s390x.tar.gz", 1), rendered, "does not have"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckDrift([]byte(tt.tmpl), []byte(tt.manifest))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("CheckDrift() = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}
