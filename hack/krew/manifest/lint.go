package manifest

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

// The identity of the plugin, fixed by the krew index and the release layout.
const (
	APIVersion = "krew.googlecontainertools.github.com/v1alpha2"
	PluginName = "druid-logs"
	Homepage   = "https://github.com/druid-logs/kubectl-druid-logs"
	// BinaryName is the plugin executable kubectl discovers as `kubectl druid-logs`.
	BinaryName = "kubectl-druid_logs"
	// CompletionScript is the kubectl plugin completion helper shipped beside it.
	CompletionScript = "kubectl_complete-druid_logs"
	// MaxShortDescription and MaxLineWidth are the krew-index style limits.
	MaxShortDescription = 50
	MaxLineWidth        = 80
)

// Platforms are the os/arch pairs every release ships, in manifest order.
var Platforms = []string{"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "windows/amd64", "windows/arm64"}

// Plugin is the subset of krew's Plugin manifest the project writes. Parse
// rejects any field not listed here, so a typo cannot slip through.
type Plugin struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec Spec `json:"spec"`
}

// Spec is the plugin's spec.
type Spec struct {
	Version          string     `json:"version"`
	Homepage         string     `json:"homepage"`
	ShortDescription string     `json:"shortDescription"`
	Description      string     `json:"description"`
	Caveats          string     `json:"caveats"`
	Platforms        []Platform `json:"platforms"`
}

// Platform is one spec.platforms entry.
type Platform struct {
	Selector struct {
		MatchLabels map[string]string `json:"matchLabels"`
	} `json:"selector"`
	URI    string          `json:"uri"`
	Sha256 string          `json:"sha256"`
	Files  []FileOperation `json:"files"`
	Bin    string          `json:"bin"`
}

// FileOperation copies files from the extracted archive into the install dir.
type FileOperation struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Parse decodes a rendered manifest strictly.
func Parse(b []byte) (Plugin, error) {
	var p Plugin
	if err := yaml.UnmarshalStrict(b, &p); err != nil {
		return p, fmt.Errorf("parsing krew manifest: %w", err)
	}
	return p, nil
}

// caveatTerms must all appear in spec.caveats: the RBAC the plugin needs.
var caveatTerms = []string{"get", "list", "watch", "jobs", "pods", "pods/log", "events", "ClusterRole"}

// Lint checks a rendered manifest against the krew-index rules the project
// follows and returns every violation found.
func Lint(b []byte) error {
	p, err := Parse(b)
	if err != nil {
		return err
	}
	var errs []error
	fail := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }

	if p.APIVersion != APIVersion || p.Kind != "Plugin" {
		fail("apiVersion/kind = %s/%s, want %s/Plugin", p.APIVersion, p.Kind, APIVersion)
	}
	if p.Metadata.Name != PluginName {
		fail("metadata.name = %q, want %q", p.Metadata.Name, PluginName)
	}
	s := p.Spec
	if !semverTag.MatchString(s.Version) {
		fail("spec.version %q is not a semantic version like v1.2.3", s.Version)
	}
	if s.Homepage != Homepage {
		fail("spec.homepage = %q, want %q", s.Homepage, Homepage)
	}
	switch short := s.ShortDescription; {
	case short == "" || strings.ContainsAny(short, "\r\n"):
		fail("spec.shortDescription must be one non-empty line")
	case len(short) > MaxShortDescription:
		fail("spec.shortDescription is %d characters, at most %d allowed", len(short), MaxShortDescription)
	}
	lintText(fail, "description", s.Description)
	lintText(fail, "caveats", s.Caveats)
	if strings.Contains(s.Description, "kubectl druid-logs") || strings.Contains(strings.ToLower(s.Description), "usage:") {
		fail("spec.description must not contain usage examples")
	}
	for _, term := range caveatTerms {
		if !strings.Contains(s.Caveats, term) {
			fail("spec.caveats must name the RBAC the plugin needs; %q is missing", term)
		}
	}
	lintPlatforms(fail, s)
	return errors.Join(errs...)
}

func lintText(fail func(string, ...any), field, text string) {
	if strings.TrimSpace(text) == "" {
		fail("spec.%s is empty", field)
	}
	for i, line := range strings.Split(text, "\n") {
		if len(line) > MaxLineWidth {
			fail("spec.%s line %d is %d characters wide, wrap at %d", field, i+1, len(line), MaxLineWidth)
		}
	}
}

func lintPlatforms(fail func(string, ...any), s Spec) {
	seen := map[string]bool{}
	for i, pl := range s.Platforms {
		labels := pl.Selector.MatchLabels
		osArch := labels["os"] + "/" + labels["arch"]
		if len(labels) != 2 || labels["os"] == "" || labels["arch"] == "" {
			fail("spec.platforms[%d]: selector must be matchLabels with exactly os and arch, got %v", i, labels)
			continue
		}
		if seen[osArch] {
			fail("spec.platforms[%d]: %s listed twice", i, osArch)
		}
		seen[osArch] = true
		exe, archive := "", ".tar.gz"
		if labels["os"] == "windows" {
			exe, archive = ".exe", ".zip"
		}
		wantFile := fmt.Sprintf("%s_%s_%s_%s%s", BinaryName, s.Version, labels["os"], labels["arch"], archive)
		wantURI := Homepage + "/releases/download/" + s.Version + "/" + wantFile
		if pl.URI != wantURI {
			fail("spec.platforms[%d] (%s): uri = %q, want %q", i, osArch, pl.URI, wantURI)
		}
		if !sha256Hex.MatchString(pl.Sha256) {
			fail("spec.platforms[%d] (%s): sha256 %q is not 64 lower-case hex digits", i, osArch, pl.Sha256)
		}
		if pl.Bin != BinaryName+exe {
			fail("spec.platforms[%d] (%s): bin = %q, want %q", i, osArch, pl.Bin, BinaryName+exe)
		}
		lintFiles(fail, i, osArch, pl.Files, BinaryName+exe)
	}
	var missing []string
	for _, want := range Platforms {
		if !seen[want] {
			missing = append(missing, want)
		}
	}
	if len(missing) > 0 || len(seen) != len(Platforms) {
		got := make([]string, 0, len(seen))
		for k := range seen {
			got = append(got, k)
		}
		sort.Strings(got)
		fail("spec.platforms cover %v, want exactly %v", got, Platforms)
	}
}

func lintFiles(fail func(string, ...any), i int, osArch string, files []FileOperation, bin string) {
	from := map[string]bool{}
	for _, f := range files {
		if f.From == "" || f.To == "" {
			fail("spec.platforms[%d] (%s): files entry %+v needs from and to", i, osArch, f)
		}
		from[path.Clean(f.From)] = true
	}
	for _, want := range []string{bin, "LICENSE", CompletionScript} {
		if !from[want] {
			fail("spec.platforms[%d] (%s): files must copy %s", i, osArch, want)
		}
	}
}
