package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"k8s.io/client-go/tools/clientcmd"
)

// Tool names, in the order they alternate.
const (
	toolPlugin  = "plugin"
	toolKubectl = "kubectl"
	toolStern   = "stern"
	toolCurl    = "curl"
	// toolCurlTimestamps is curl of the very URL the plugin asks for: with timestamps=true, which
	// its resume without loss or duplicates needs. The floor of what the plugin does.
	toolCurlTimestamps = "curl timestamps=true"
	// toolBaseline is another build of the plugin (-baseline), measured beside it in P1 and P2.
	toolBaseline = "baseline"
)

// sternVersion is the stern release compared against.
const sternVersion = "v1.33.0"

// tools are the paths and versions of the compared programs.
type tools struct {
	plugin, kubectl, stern, curl string
	baseline                     string // -baseline: another build of the plugin, or empty
	versions                     map[string]string
	// curl's copy of the admin credentials, extracted from the kubeconfig.
	caFile, certFile, keyFile, server string
}

// defaultToolsDir is where stern is built: a cache outside the repository.
func defaultToolsDir() string {
	if d := os.Getenv("DRUID_LOGS_TESTBED_CACHE"); d != "" {
		return filepath.Join(d, "bench-tools")
	}
	d, err := os.UserCacheDir()
	if err != nil {
		d = os.TempDir()
	}
	return filepath.Join(d, "druid-logs", "bench-tools")
}

// ensureStern returns the path of stern sternVersion in dir, building it with go install
// from the module proxy when missing.
func ensureStern(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "stern-"+sternVersion)
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	// A plain "stern" built by an earlier run of the same go install is reused when its version
	// matches.
	if out, err := exec.CommandContext(ctx, filepath.Join(dir, "stern"), "--version").Output(); err == nil &&
		strings.Contains(string(out), strings.TrimPrefix(sternVersion, "v")) {
		return bin, os.Rename(filepath.Join(dir, "stern"), bin)
	}
	logf("building stern %s into %s (go install, a few minutes)", sternVersion, dir)
	cmd := exec.CommandContext(ctx, "go", "install", "github.com/stern/stern@"+sternVersion)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "GOFLAGS=-mod=mod")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go install stern: %w", err)
	}
	return bin, os.Rename(filepath.Join(dir, "stern"), bin)
}

// extractCurlCreds writes the admin kubeconfig's CA, client certificate and key to files in dir
// for curl, and returns the API server URL.
func (t *tools) extractCurlCreds(kubeconfig, dir string) error {
	cfg, err := clientcmd.LoadFromFile(kubeconfig)
	if err != nil {
		return err
	}
	ctx := cfg.Contexts[cfg.CurrentContext]
	if ctx == nil {
		return fmt.Errorf("%s: no current context", kubeconfig)
	}
	cluster, user := cfg.Clusters[ctx.Cluster], cfg.AuthInfos[ctx.AuthInfo]
	if cluster == nil || user == nil {
		return fmt.Errorf("%s: incomplete current context", kubeconfig)
	}
	base := filepath.Dir(kubeconfig)
	write := func(name string, data []byte, file string) (string, error) {
		if len(data) == 0 {
			if file == "" {
				return "", fmt.Errorf("%s: no %s", kubeconfig, name)
			}
			if !filepath.IsAbs(file) {
				file = filepath.Join(base, file)
			}
			if data, err = os.ReadFile(file); err != nil {
				return "", err
			}
		}
		p := filepath.Join(dir, name)
		return p, os.WriteFile(p, data, 0o600)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if t.caFile, err = write("ca.crt", cluster.CertificateAuthorityData, cluster.CertificateAuthority); err != nil {
		return err
	}
	if t.certFile, err = write("client.crt", user.ClientCertificateData, user.ClientCertificate); err != nil {
		return err
	}
	if t.keyFile, err = write("client.key", user.ClientKeyData, user.ClientKey); err != nil {
		return err
	}
	t.server = strings.TrimSuffix(cluster.Server, "/")
	return nil
}

// followTarget names what a follow command reads.
type followTarget struct {
	ns, taskID, job, pod string
}

// followArgv is the command line of tool following target's main container.
func (t *tools) followArgv(tool, kubeconfig string, tg followTarget) []string {
	switch tool {
	case toolPlugin:
		return []string{t.plugin, "--kubeconfig", kubeconfig, "follow", tg.taskID, "-n", tg.ns, "-q"}
	case toolBaseline:
		return []string{t.baseline, "--kubeconfig", kubeconfig, "follow", tg.taskID, "-n", tg.ns, "-q"}
	case toolKubectl:
		return []string{t.kubectl, "--kubeconfig", kubeconfig, "logs", "-f", "job/" + tg.job, "-c", "main", "-n", tg.ns}
	case toolStern:
		return []string{t.stern, "job/" + tg.job, "-c", "main", "-o", "raw", "-n", tg.ns, "--kubeconfig", kubeconfig}
	case toolCurl, toolCurlTimestamps:
		u := t.server + "/api/v1/namespaces/" + url.PathEscape(tg.ns) + "/pods/" + url.PathEscape(tg.pod) +
			"/log?container=main&follow=true"
		if tool == toolCurlTimestamps {
			u += "&timestamps=true"
		}
		return []string{t.curl, "-sN", "--cacert", t.caFile, "--cert", t.certFile, "--key", t.keyFile, u}
	}
	panic("unknown tool " + tool)
}

// toolVersions records each program's version line for the report.
func (t *tools) toolVersions(ctx context.Context, env []string) {
	first := func(argv ...string) string {
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			return "unknown (" + err.Error() + ")"
		}
		line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
		return strings.TrimSpace(line)
	}
	t.versions = map[string]string{
		toolPlugin:  first(t.plugin, "version", "--client"),
		toolKubectl: first(t.kubectl, "version", "--client"),
		toolStern:   first(t.stern, "--version"),
		toolCurl:    first(t.curl, "--version"),
	}
}

// fileSize is the size of path in bytes, 0 if unknown.
func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}
