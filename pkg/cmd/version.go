package cmd

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/druid-logs/kubectl-druid-logs/pkg/version"
)

// versionOutputFormats are the values `version -o` accepts besides the
// default human-readable text.
var versionOutputFormats = []string{"json", "yaml"}

// VersionOptions holds the flags of `kubectl druid-logs version`.
type VersionOptions struct {
	// Output is "" for text, or one of versionOutputFormats.
	Output string

	genericiooptions.IOStreams
}

// NewCmdVersion returns the `version` subcommand, which prints the build
// metadata stamped into the binary (see package version).
func NewCmdVersion(streams genericiooptions.IOStreams) *cobra.Command {
	o := &VersionOptions{IOStreams: streams}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the plugin's version, git commit, build date and platform",
		Long: "Print the version of kubectl druid-logs, the git commit and commit date it was built\n" +
			"from, the Go version that compiled it and the platform it runs on.\n\n" +
			"More: https://github.com/druid-logs/kubectl-druid-logs/blob/main/README.md#version",
		Example: "  kubectl druid-logs version\n" +
			"  kubectl druid-logs version -o json",
		Args: cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			if err := o.Complete(); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run()
		},
	}
	cmd.Flags().StringVarP(&o.Output, "output", "o", o.Output, "Output format. One of: (json, yaml).")
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

// Run prints the build metadata of the running binary to o.Out.
func (o *VersionOptions) Run() error {
	return printVersion(o.Out, o.Output, version.Get())
}

// printVersion writes info as text, or in a format that passed Validate.
func printVersion(w io.Writer, format string, info version.Info) error {
	if format != "" {
		return printStructured(w, format, info)
	}
	_, err := fmt.Fprintf(w, "Version:    %s\nGit commit: %s\nBuild date: %s\nGo version: %s\nPlatform:   %s\n",
		info.Version, info.GitCommit, info.BuildDate, info.GoVersion, info.Platform)
	return err
}
