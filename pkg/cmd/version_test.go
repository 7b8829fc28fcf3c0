package cmd

import (
	"encoding/json"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/yaml"

	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/version"
)

func TestVersionCommandPrintsBuildInfo(t *testing.T) {
	want := version.Get()
	decodeJSON := func(s string) (version.Info, error) {
		var got version.Info
		err := json.Unmarshal([]byte(s), &got)
		return got, err
	}
	decodeYAML := func(s string) (version.Info, error) {
		var got version.Info
		err := yaml.UnmarshalStrict([]byte(s), &got)
		return got, err
	}
	tests := []struct {
		name    string
		args    []string
		decode  func(string) (version.Info, error)
		text    []string // lines expected in text output
		wantErr string
		// wantCode is the exit code the error must carry, if any.
		wantCode int
	}{
		{
			name: "text by default",
			text: []string{
				"Version:    " + want.Version,
				"Git commit: " + want.GitCommit,
				"Build date: " + want.BuildDate,
				"Go version: " + want.GoVersion,
				"Platform:   " + want.Platform,
			},
		},
		{name: "json", args: []string{"-o", "json"}, decode: decodeJSON},
		{name: "json long flag", args: []string{"--output=json"}, decode: decodeJSON},
		{name: "yaml", args: []string{"-o", "yaml"}, decode: decodeYAML},
		{name: "unknown format", args: []string{"-o", "wide"}, wantErr: `unknown output format "wide"`, wantCode: exitcode.Usage},
		{name: "positional argument", args: []string{"extra"}, wantErr: "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			streams, _, out, errOut := genericiooptions.NewTestIOStreams()
			cmd := NewCmdVersion(streams)
			cmd.SetArgs(tt.args)
			cmd.SetOut(errOut) // cobra's own usage/error text must not reach streams.Out
			cmd.SetErr(errOut)
			err := cmd.Execute()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Execute() error = %v, want one containing %q", err, tt.wantErr)
				}
				if code, ok := exitcode.CodeOf(err); tt.wantCode != 0 && (!ok || code != tt.wantCode) {
					t.Errorf("exit code = %d (carried: %v), want %d", code, ok, tt.wantCode)
				}
				if out.Len() != 0 {
					t.Errorf("printed %q to Out on error", out.String())
				}
				return
			}
			if err != nil {
				t.Fatalf("Execute() error = %v", err)
			}
			if tt.decode != nil {
				got, err := tt.decode(out.String())
				if err != nil {
					t.Fatalf("decoding %q: %v", out.String(), err)
				}
				if got != want {
					t.Errorf("decoded %+v, want %+v", got, want)
				}
				return
			}
			gotLines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			if strings.Join(gotLines, "\n") != strings.Join(tt.text, "\n") {
				t.Errorf("output:\n%s\nwant:\n%s", out.String(), strings.Join(tt.text, "\n"))
			}
		})
	}
}

func TestVersionOutputFlagCompletes(t *testing.T) {
	streams, _, _, _ := genericiooptions.NewTestIOStreams()
	cmd := NewCmdVersion(streams)
	fn, ok := cmd.GetFlagCompletionFunc("output")
	if !ok {
		t.Fatal("no completion registered for --output")
	}
	got, _ := fn(cmd, nil, "")
	if strings.Join(got, ",") != "json,yaml" {
		t.Errorf("completions = %v, want [json yaml]", got)
	}
}
