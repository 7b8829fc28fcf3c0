package cmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/msg"
	"github.com/druid-logs/kubectl-druid-logs/pkg/postmortem"
	"github.com/druid-logs/kubectl-druid-logs/pkg/termstyle"
	"github.com/druid-logs/kubectl-druid-logs/pkg/version"
)

// bundleLogBytes bounds each log in a bundle: its last 64 MiB are kept.
const bundleLogBytes = 64 << 20

// BundleOptions are the flags of `bundle`.
type BundleOptions struct {
	*Globals
	task  taskFlags
	ovl   overlordFlags
	File  string
	Force bool
	// TaskID is the task; Now names the default file.
	TaskID  string
	arg     taskArg
	Now     time.Time
	clients *Clients
	// defaultFile says File is the default name, not -f's.
	defaultFile bool
}

// defaultName is the archive's name without -f.
func (o *BundleOptions) defaultName(id string) string {
	return "druid-logs-bundle-" + safeFileName(id) + "-" + o.Now.UTC().Format("20060102T150405Z") + ".tar.gz"
}

// NewCmdBundle builds `bundle TASK_ID -f FILE.tar.gz`.
func NewCmdBundle(g *Globals) *cobra.Command {
	o := &BundleOptions{Globals: g}
	cmd := &cobra.Command{
		Use:   "bundle TASK_ID [-f FILE.tar.gz]",
		Short: "Write a support bundle of a task: everything why reads, raw and redacted",
		Long: `Write a tar.gz for a support ticket with everything 'why' reads, raw: the logs (pod,
previous container, Druid's saved log), the Overlord's status, reports and task payload,
the Job and pod as YAML, their events, 'check -o json', 'why -o json' (and its text),
'version -o json' (the plugin's build and the API server's version), and a MANIFEST listing what is in it and what could not be read, and why.

Secrets never enter it: every environment variable's value, arguments, annotations and
JSON fields whose key looks like a credential, URL passwords, tokens and private keys,
and the task payload annotation (decoded and redacted into task.json) are redacted, and
every copy of a removed value is removed from every file.

-f FILE (default: druid-logs-bundle-TASK_ID-TIME.tar.gz here) is never overwritten
without --force; -f - writes the archive to stdout (not to a terminal). Exit code 0 when
written; 3 (5, 1) when nothing is known of the task (refused, failed): no file is written.

More: https://github.com/druid-logs/kubectl-druid-logs/blob/main/docs/bundle.md`,
		Example: `  kubectl druid-logs bundle index_kafka_wikipedia_5f2c3e1a9b_abcdefgh -n druid --overlord https://druid-overlord.druid:8281 -f ticket-1234.tar.gz
  kubectl druid-logs bundle query-abc123 -n druid -f - | tar tzf -`,
		Args:              exactTaskID,
		ValidArgsFunction: completeTaskIDs(g),
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.Complete(args); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(c.Context())
		},
	}
	o.task.addFlags(cmd.Flags())
	o.ovl.addFlags(cmd.Flags())
	cmd.Flags().StringVarP(&o.File, "file", "f", "", "Archive to write (.tar.gz); - for stdout (default: druid-logs-bundle-TASK_ID-TIME.tar.gz)")
	cmd.Flags().BoolVar(&o.Force, "force", false, "Overwrite FILE if it exists")
	return cmd
}

// Complete takes the task ID, picks the default file name and builds the
// clients.
func (o *BundleOptions) Complete(args []string) error {
	o.Now = time.Now()
	a, cl, err := o.taskClients(args[0], "")
	if err != nil {
		return err
	}
	o.arg, o.clients = a, cl
	if o.File == "" {
		o.File, o.defaultFile = o.defaultName(a.ref.Value), true
	}
	return nil
}

// Validate refuses to overwrite a file without --force, a directory, and
// a binary archive on a terminal.
func (o *BundleOptions) Validate() error {
	if o.task.Container == "" {
		return exitcode.New(exitcode.Usage, "--container must not be empty", nil)
	}
	if o.File == "-" {
		if termstyle.IsTerminal(o.Out) {
			return exitcode.New(exitcode.Usage, "refusing to write a gzip archive to a terminal: redirect stdout, or use -f FILE", nil)
		}
		return nil
	}
	st, err := os.Stat(o.File)
	switch {
	case err == nil && st.IsDir():
		return exitcode.New(exitcode.Usage, fmt.Sprintf("%s is a directory: -f names the archive to write (e.g. %s/ticket.tar.gz)", o.File, o.File), nil)
	case err == nil && !o.Force:
		return exitcode.New(exitcode.Usage, fmt.Sprintf("%s exists: not overwritten (use --force to replace it)", o.File), nil)
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return exitcode.New(exitcode.Usage, "-f "+o.File+": "+msg.OneLine(err.Error()), err)
	}
	return nil
}

// Run gathers the evidence with the documents, runs check, assembles the
// redacted bundle and writes it.
func (o *BundleOptions) Run(ctx context.Context) error {
	id, ovl, ev, err := o.gatherArg(ctx, o.clients, &o.task, &o.ovl, o.arg, postmortem.Options{
		Container: o.task.Container, LogBytes: bundleLogBytes, Documents: true})
	if err != nil {
		return err
	}
	o.TaskID = id
	if o.defaultFile {
		o.File = o.defaultName(id) // a pasted Job or pod name resolved to the ID
	}
	rep := postmortem.Diagnose(ev, 50)
	if rep.Outcome == postmortem.Unknown {
		return exitcode.New(rep.ExitCode, strings.TrimPrefix(rep.Verdict, "UNKNOWN: ")+": no bundle written", nil)
	}
	var x postmortem.Extra
	var text, js bytes.Buffer
	printWhy(&text, rep, ev.Now, false)
	_ = printStructured(&js, "json", rep)
	x.WhyText, x.WhyJSON = text.Bytes(), js.Bytes()
	if check, err := runCheck(ctx, o.Globals, o.clients, &o.task, &o.ovl, ovl, nil, o.TaskID, func(string, ...any) {}); err != nil {
		x.CheckErr = "check failed: " + msg.OneLine(classify(err).Error())
	} else {
		var b bytes.Buffer
		_ = printStructured(&b, "json", check)
		x.CheckJSON = b.Bytes()
	}
	var vj bytes.Buffer
	_ = printStructured(&vj, "json", VersionReport{Info: version.Get(), Server: o.serverVersion(ctx)})
	x.VersionJSON = vj.Bytes()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	header := []string{
		"kubectl druid-logs bundle of Druid task " + o.TaskID + " in namespace " + orDash(ev.Namespace),
		"written " + o.Now.UTC().Format(time.RFC3339) + " by kubectl-druid_logs " + version.Get().Version,
		"verdict: " + rep.Verdict,
	}
	b := postmortem.Assemble(ev, rep, x, header)
	if err := o.write(b); err != nil {
		return err
	}
	if o.File != "-" {
		size := 0
		for _, f := range b.Files {
			size += len(f.Data)
		}
		missing := ""
		if len(b.Missing) > 0 {
			missing = fmt.Sprintf("; %d not included (see MANIFEST)", len(b.Missing))
		}
		fmt.Fprintf(o.ErrOut, "wrote %s: %d files, %d bytes before compression%s\n", o.File, len(b.Files)+1, size, missing)
	}
	fmt.Fprintln(o.ErrOut, rep.Verdict)
	return nil
}

// write writes the archive atomically: to a temporary file beside FILE,
// then renamed (with --force) or linked (never replacing a file that
// appeared meanwhile).
func (o *BundleOptions) write(b *postmortem.Bundle) error {
	if o.File == "-" {
		return b.Write(o.Out, o.Now)
	}
	tmp, err := os.CreateTemp(filepath.Dir(o.File), ".druid-logs-bundle-*")
	if err != nil {
		return exitcode.New(exitcode.Error, "cannot write the bundle: "+msg.OneLine(err.Error()), err)
	}
	defer os.Remove(tmp.Name())
	if err := writeClose(tmp, b, o.Now); err != nil {
		return exitcode.New(exitcode.Error, "cannot write the bundle: "+msg.OneLine(err.Error()), err)
	}
	if o.Force {
		err = os.Rename(tmp.Name(), o.File)
	} else {
		err = os.Link(tmp.Name(), o.File)
	}
	switch {
	case errors.Is(err, os.ErrExist):
		return exitcode.New(exitcode.Usage, fmt.Sprintf("%s exists: not overwritten (use --force to replace it)", o.File), err)
	case err != nil:
		return exitcode.New(exitcode.Error, "cannot write the bundle: "+msg.OneLine(err.Error()), err)
	}
	return nil
}

func writeClose(f *os.File, b *postmortem.Bundle, now time.Time) error {
	err := b.Write(f, now)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// safeFileName keeps a task ID's letters, digits, '-', '_' and '.'.
func safeFileName(id string) string {
	var s strings.Builder
	for _, c := range id {
		if c == '-' || c == '_' || c == '.' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') {
			s.WriteRune(c)
		}
	}
	out := s.String()
	if len(out) > 80 {
		out = out[:80]
	}
	return strings.TrimLeft(out, ".")
}
