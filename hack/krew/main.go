// Command krew renders and checks the krew plugin manifest; see package
// github.com/druid-logs/kubectl-druid-logs/hack/krew/manifest. hack/release.mk
// runs it:
//
//	go run ./hack/krew render -template krew.yaml -tag v0.1.0 \
//	    -checksums dist/checksums.txt -o plugins/druid-logs.yaml
//	go run ./hack/krew check -template krew.yaml -manifest plugins/druid-logs.yaml
//
// render fills in the release tag and the archives' sha256 and lints the
// result; -uri-prefix points the uris at another server (for tests; the
// result is then not linted, as its uris are not the release's). check fails
// when the manifest breaks a krew-index rule or differs from what the
// template renders to (with -checksums, also when its digests differ from the
// listed archives').
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/druid-logs/kubectl-druid-logs/hack/krew/manifest"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "krew:", err)
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: krew render|check [flags]")
	}
	fs := flag.NewFlagSet("krew "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	tmpl := fs.String("template", "krew.yaml", "krew-release-bot template")
	checksums := fs.String("checksums", "", "sha256sum-format list of the release archives")
	switch args[0] {
	case "render":
		tag := fs.String("tag", "", "release tag, e.g. v0.1.0 (required)")
		out := fs.String("o", "", "write the manifest here instead of stdout")
		prefix := fs.String("uri-prefix", "", "serve the archives from this URL instead of the GitHub release")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *checksums == "" {
			return fmt.Errorf("render: -checksums is required")
		}
		return render(*tmpl, *tag, *checksums, *prefix, *out)
	case "check":
		path := fs.String("manifest", "plugins/druid-logs.yaml", "rendered manifest to check")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		return check(*tmpl, *path, *checksums)
	default:
		return fmt.Errorf("unknown subcommand %q: want render or check", args[0])
	}
}

func render(tmplPath, tag, checksumsPath, prefix, out string) error {
	src, err := os.ReadFile(tmplPath)
	if err != nil {
		return err
	}
	sums, err := readChecksums(checksumsPath)
	if err != nil {
		return err
	}
	b, err := manifest.Render(src, manifest.Options{
		Tag:       tag,
		SHA256:    manifest.FromChecksums(sums, checksumsPath),
		URIPrefix: prefix,
	})
	if err != nil {
		return err
	}
	if prefix == "" {
		if err := manifest.Lint(b); err != nil {
			return fmt.Errorf("rendered manifest breaks krew-index rules:\n%w", err)
		}
	}
	if out == "" {
		_, err = os.Stdout.Write(b)
		return err
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	return os.WriteFile(out, b, 0o644)
}

func check(tmplPath, manifestPath, checksumsPath string) error {
	src, err := os.ReadFile(tmplPath)
	if err != nil {
		return err
	}
	b, err := os.ReadFile(manifestPath)
	if err != nil {
		return err
	}
	if err := manifest.Lint(b); err != nil {
		return fmt.Errorf("%s breaks krew-index rules:\n%w", manifestPath, err)
	}
	if err := manifest.CheckDrift(src, b); err != nil {
		return fmt.Errorf("%s is out of date with %s: %w", manifestPath, tmplPath, err)
	}
	if checksumsPath == "" {
		return nil
	}
	sums, err := readChecksums(checksumsPath)
	if err != nil {
		return err
	}
	p, err := manifest.Parse(b)
	if err != nil {
		return err
	}
	lookup := manifest.FromChecksums(sums, checksumsPath)
	for _, pl := range p.Spec.Platforms {
		sum, err := lookup(pl.URI)
		if err != nil {
			return err
		}
		if sum != pl.Sha256 {
			return fmt.Errorf("%s gives sha256 %s for %s, but %s lists %s (run `make krew-manifest`)",
				manifestPath, pl.Sha256, filepath.Base(pl.URI), checksumsPath, sum)
		}
	}
	return nil
}

func readChecksums(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	sums, err := manifest.ParseChecksums(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return sums, nil
}
