package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/client-go/rest"

	"github.com/druid-logs/kubectl-druid-logs/pkg/msg"
	"github.com/druid-logs/kubectl-druid-logs/pkg/version"
)

// versionOutputFormats are the values `version -o` accepts besides the
// default human-readable text.
var versionOutputFormats = []string{"json", "yaml"}

// serverVersionTimeout bounds the one request `version` makes to the API
// server unless --request-timeout sets another bound: a bug report must not
// wait for a cluster that does not answer.
const serverVersionTimeout = 2 * time.Second

// VersionReport is what `version -o json|yaml` prints: the plugin's build
// metadata (its fields inline, as before the server was added) and, unless
// --client, the Kubernetes API server's version or why it is not known.
type VersionReport struct {
	version.Info `json:",inline"`
	// Server is nil with --client.
	Server *ServerVersion `json:"server,omitempty"`
}

// ServerVersion is the API server's GET /version, or the reason it could
// not be read (no cluster configured, unreachable, refused).
type ServerVersion struct {
	GitVersion string `json:"gitVersion,omitempty"`
	Platform   string `json:"platform,omitempty"`
	Error      string `json:"error,omitempty"`
}

// VersionOptions holds the flags of `kubectl druid-logs version`.
type VersionOptions struct {
	*Globals
	// Output is "" for text, or one of versionOutputFormats.
	Output string
	// Client prints the plugin's version only, without asking the server.
	Client bool
}

// NewCmdVersion returns the `version` subcommand, which prints the build
// metadata stamped into the binary (see package version) and the version of
// the API server of the current context.
func NewCmdVersion(g *Globals) *cobra.Command {
	o := &VersionOptions{Globals: g}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the plugin's version, git commit, build date and platform, and the server's version",
		Long: "Print the version of kubectl druid-logs, the git commit and commit date it was built\n" +
			"from, the Go version that compiled it and the platform it runs on, then the version of\n" +
			"the Kubernetes API server of the current context (one GET /version, bounded by\n" +
			"--request-timeout, else 2s). An unreachable server is reported in the output, not as an\n" +
			"error: the command exits 0 offline. --client skips the server.\n\n" +
			"More: https://github.com/druid-logs/kubectl-druid-logs/blob/main/README.md#version",
		Example: "  kubectl druid-logs version\n" +
			"  kubectl druid-logs version -o json     # for a bug report\n" +
			"  kubectl druid-logs version --client",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := o.Complete(); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(c.Context())
		},
	}
	cmd.Flags().StringVarP(&o.Output, "output", "o", o.Output, "Output format. One of: (json, yaml).")
	cmd.Flags().BoolVar(&o.Client, "client", false, "Print the plugin's version only; do not ask the API server")
	_ = cmd.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return versionOutputFormats, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

// Complete has nothing to fill in: the version is stamped into the binary.
func (o *VersionOptions) Complete() error { return nil }

// Validate rejects an unknown output format before anything is printed.
func (o *VersionOptions) Validate() error {
	return checkOutputFormat(o.Output, versionOutputFormats...)
}

// Run prints the build metadata of the running binary, and the server's
// version unless --client, to o.Out.
func (o *VersionOptions) Run(ctx context.Context) error {
	rep := VersionReport{Info: version.Get()}
	if !o.Client {
		rep.Server = o.serverVersion(ctx)
	}
	return printVersion(o.Out, o.Output, rep)
}

// serverVersion asks the API server of the selected context for its
// version: one GET /version (which Kubernetes lets every client read), no
// retries, bounded by --request-timeout or serverVersionTimeout.
func (g *Globals) serverVersion(ctx context.Context) *ServerVersion {
	if err := noCluster(g.ConfigFlags); err != nil {
		return &ServerVersion{Error: "no cluster configured"}
	}
	cfg, err := g.ConfigFlags.ToRESTConfig()
	if err != nil {
		return &ServerVersion{Error: "kubeconfig: " + msg.OneLine(err.Error())}
	}
	cfg = rest.CopyConfig(cfg)
	cfg.UserAgent = "kubectl-druid_logs"
	if cfg.Timeout == 0 {
		cfg.Timeout = serverVersionTimeout
	}
	if g.Debug {
		debugf := g.debugf
		cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { return &debugTransport{next: rt, debugf: debugf} })
	}
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return &ServerVersion{Error: "kubeconfig: " + msg.OneLine(err.Error())}
	}
	base, _, err := rest.DefaultServerUrlFor(cfg)
	if err != nil {
		return &ServerVersion{Error: "kubeconfig: " + msg.OneLine(err.Error())}
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base.JoinPath("version").String(), nil)
	if err != nil {
		return &ServerVersion{Error: msg.OneLine(err.Error())}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return &ServerVersion{Error: "cannot reach the API server: " + msg.OneLine(err.Error())}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return &ServerVersion{Error: "GET /version: " + resp.Status}
	}
	var info struct {
		GitVersion string `json:"gitVersion"`
		Platform   string `json:"platform"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&info); err != nil || info.GitVersion == "" {
		return &ServerVersion{Error: "GET /version: not a Kubernetes version answer"}
	}
	return &ServerVersion{GitVersion: info.GitVersion, Platform: info.Platform}
}

// printVersion writes rep as text, or in a format that passed Validate.
func printVersion(w io.Writer, format string, rep VersionReport) error {
	if format != "" {
		return printStructured(w, format, rep)
	}
	info := rep.Info
	_, err := fmt.Fprintf(w, "Version:    %s\nGit commit: %s\nBuild date: %s\nGo version: %s\nPlatform:   %s\n",
		info.Version, info.GitCommit, info.BuildDate, info.GoVersion, info.Platform)
	if err != nil || rep.Server == nil {
		return err
	}
	if s := rep.Server; s.Error != "" {
		_, err = fmt.Fprintf(w, "Server:     unknown (%s)\n", s.Error)
	} else {
		_, err = fmt.Fprintf(w, "Server:     %s (%s)\n", s.GitVersion, s.Platform)
	}
	return err
}
