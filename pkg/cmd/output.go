package cmd

import (
	"encoding/json"
	"fmt"
	"io"

	"sigs.k8s.io/yaml"

	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
)

// checkOutputFormat accepts "" (text) or one of the allowed formats.
func checkOutputFormat(format string, allowed ...string) error {
	if format == "" {
		return nil
	}
	for _, a := range allowed {
		if format == a {
			return nil
		}
	}
	return exitcode.New(exitcode.Usage, fmt.Sprintf("unknown output format %q (allowed: %v)", format, allowed), nil)
}

// printStructured writes v as indented JSON or as YAML.
func printStructured(out io.Writer, format string, v any) error {
	switch format {
	case "json":
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	case "yaml":
		b, err := yaml.Marshal(v)
		if err != nil {
			return err
		}
		_, err = out.Write(b)
		return err
	}
	return fmt.Errorf("unsupported output format %q", format)
}
