package cmd

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

const twoContexts = `apiVersion: v1
kind: Config
current-context: a
clusters:
- name: ca
  cluster: {server: "https://a.example:6443"}
- name: cb
  cluster: {server: "https://b.example:6443"}
users:
- name: u
  user: {}
contexts:
- name: a
  context: {cluster: ca, user: u, namespace: druid-a}
- name: b
  context: {cluster: cb, user: u, namespace: druid-b}
`

func TestKubeFlagsSelectContextNamespaceAndServer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(path, []byte(twoContexts), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args         []string
		host, ns     string
		wantOverride bool
	}{
		{nil, "https://a.example:6443", "druid-a", false},
		{[]string{"--context", "b"}, "https://b.example:6443", "druid-b", false},
		{[]string{"--context=b", "-n", "ns/other"}, "https://b.example:6443", "other", true},
		{[]string{"-s", "https://c.example", "--namespace", "x"}, "https://c.example", "x", true},
		{[]string{"--cluster", "cb"}, "https://b.example:6443", "druid-a", false},
		{[]string{"--request-timeout", "5s"}, "https://a.example:6443", "druid-a", false},
	}
	for _, tt := range tests {
		fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
		var k KubeFlags
		k.AddFlags(fs)
		if err := fs.Parse(append([]string{"--kubeconfig", path}, tt.args...)); err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
		cfg, err := k.ToRESTConfig()
		if err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
		ns, overridden, err := k.ToRawKubeConfigLoader().Namespace()
		if err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
		if cfg.Host != tt.host || ns != tt.ns || overridden != tt.wantOverride {
			t.Errorf("%v: host %s ns %s (overridden %v), want %s %s (%v)", tt.args, cfg.Host, ns, overridden, tt.host, tt.ns, tt.wantOverride)
		}
	}
}

func TestKubeFlagsTakeNoCredentialsFromTheCommandLine(t *testing.T) {
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	(&KubeFlags{}).AddFlags(fs)
	for _, name := range []string{"token", "username", "password"} {
		if fs.Lookup(name) != nil {
			t.Errorf("--%s is registered", name)
		}
	}
	for _, name := range []string{"kubeconfig", "context", "cluster", "user", "namespace", "server", "request-timeout",
		"certificate-authority", "client-certificate", "client-key", "insecure-skip-tls-verify", "tls-server-name",
		"as", "as-group", "as-uid", "disable-compression"} {
		if fs.Lookup(name) == nil {
			t.Errorf("--%s is missing", name)
		}
	}
}

func TestContextsComplete(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(path, []byte(twoContexts), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	code := Execute(context.Background(), genericiooptions.IOStreams{Out: &out, ErrOut: &errOut},
		[]string{"__complete", "--kubeconfig", path, "follow", "--context", ""}, func() int { return 0 })
	if code != 0 || !strings.HasPrefix(out.String(), "a\nb\n:4\n") {
		t.Fatalf("exit %d, completion %q, stderr %q", code, out.String(), errOut.String())
	}
}
