// Package manifest renders and checks the krew plugin manifest of
// kubectl-druid_logs. It reads the krew-release-bot template (krew.yaml at
// the repository root: {{ .TagName }} and {{ addURIAndSha "URL" .TagName }})
// and produces the krew.googlecontainertools.github.com/v1alpha2 Plugin
// manifest (plugins/druid-logs.yaml) exactly as the bot would, but with the
// sha256 taken from local archives (dist/checksums.txt) instead of
// downloading them. Lint checks the manifest against the krew-index rules the
// project follows. It is used by hack/krew (make krew-manifest, make
// krew-check) and the end-to-end tests in test/krew; it does no network I/O.
package manifest

import (
	"bufio"
	"bytes"
	"fmt"
	"path"
	"regexp"
	"strings"
	"text/template"
)

// semverTag is the tag form krew accepts as spec.version: v, then semver 2.0.
var semverTag = regexp.MustCompile(`^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)

// sha256Hex is a lower-case hex SHA-256 digest, as krew wants it.
var sha256Hex = regexp.MustCompile(`^[a-f0-9]{64}$`)

// Options says how to fill in the template.
type Options struct {
	// Tag is the release tag, e.g. v0.1.0; it becomes {{ .TagName }}.
	Tag string
	// SHA256 returns the digest of the archive behind an uri (after the tag
	// has been substituted into it).
	SHA256 func(uri string) (string, error)
	// URIPrefix, when set, replaces everything before the archive's file name
	// in each uri, so tests can point krew at a local HTTP server.
	URIPrefix string
}

// Render executes the krew-release-bot template src with opts. Like the bot,
// addURIAndSha expands {{ .TagName }} inside its URL argument and returns
// "uri: URL\n    sha256: SUM", so the template line must be indented by four
// spaces.
func Render(src []byte, opts Options) ([]byte, error) {
	if !semverTag.MatchString(opts.Tag) {
		return nil, fmt.Errorf("tag %q is not a semantic version like v1.2.3 (krew requires one; set VERSION)", opts.Tag)
	}
	if opts.SHA256 == nil {
		return nil, fmt.Errorf("no sha256 source")
	}
	funcs := template.FuncMap{
		"addURIAndSha": func(urlTemplate, tag string) (string, error) {
			uri, err := expandTag(urlTemplate, tag)
			if err != nil {
				return "", err
			}
			sum, err := opts.SHA256(uri)
			if err != nil {
				return "", err
			}
			if !sha256Hex.MatchString(sum) {
				return "", fmt.Errorf("sha256 %q for %s is not 64 lower-case hex digits", sum, uri)
			}
			if opts.URIPrefix != "" {
				uri = strings.TrimSuffix(opts.URIPrefix, "/") + "/" + path.Base(uri)
			}
			return fmt.Sprintf("uri: %s\n    sha256: %s", uri, sum), nil
		},
	}
	t, err := template.New("krew.yaml").Option("missingkey=error").Funcs(funcs).Parse(string(src))
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := t.Execute(&out, struct{ TagName string }{opts.Tag}); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func expandTag(urlTemplate, tag string) (string, error) {
	t, err := template.New("url").Option("missingkey=error").Parse(urlTemplate)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := t.Execute(&b, struct{ TagName string }{tag}); err != nil {
		return "", err
	}
	return b.String(), nil
}

// ParseChecksums reads `sha256sum` output (dist/checksums.txt) into a map
// from file name to digest.
func ParseChecksums(b []byte) (map[string]string, error) {
	sums := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		sum, name, ok := strings.Cut(line, "  ")
		if !ok || !sha256Hex.MatchString(sum) {
			return nil, fmt.Errorf("checksums line %d: want \"<sha256>  <file>\", got %q", n, line)
		}
		sums[strings.TrimPrefix(name, "*")] = sum
	}
	return sums, sc.Err()
}

// FromChecksums returns an Options.SHA256 that looks an uri's file name up in
// sums (from ParseChecksums); source names the file for error messages.
func FromChecksums(sums map[string]string, source string) func(string) (string, error) {
	return func(uri string) (string, error) {
		name := path.Base(uri)
		if sum, ok := sums[name]; ok {
			return sum, nil
		}
		return "", fmt.Errorf("no checksum for %s in %s (run `make dist` for this VERSION first)", name, source)
	}
}

// CheckDrift renders the template with the tag and digests recorded in the
// rendered manifest and reports an error unless the result is identical, so
// an edit to one file without the other is caught without any archives.
func CheckDrift(tmpl, rendered []byte) error {
	p, err := Parse(rendered)
	if err != nil {
		return err
	}
	recorded := map[string]string{}
	for _, pl := range p.Spec.Platforms {
		recorded[pl.URI] = pl.Sha256
	}
	again, err := Render(tmpl, Options{
		Tag: p.Spec.Version,
		SHA256: func(uri string) (string, error) {
			if sum, ok := recorded[uri]; ok {
				return sum, nil
			}
			return "", fmt.Errorf("the template names %s, which the manifest does not have", uri)
		},
	})
	if err != nil {
		return fmt.Errorf("rendering the template for %s: %w", p.Spec.Version, err)
	}
	if line, want, got, differ := firstDifference(again, rendered); differ {
		return fmt.Errorf("manifest differs from the rendered template at line %d:\n  template gives: %q\n  manifest has:   %q\n(run `make krew-manifest`)", line, want, got)
	}
	return nil
}

// firstDifference returns the first line (1-based) where a and b differ.
func firstDifference(a, b []byte) (line int, lineA, lineB string, differ bool) {
	la := strings.Split(string(a), "\n")
	lb := strings.Split(string(b), "\n")
	for i := 0; i < len(la) || i < len(lb); i++ {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y || (i >= len(la)) != (i >= len(lb)) {
			return i + 1, x, y, true
		}
	}
	return 0, "", "", false
}
