package cmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/druid-logs/kubectl-druid-logs/pkg/msg"
	"io"
	"os"
	"time"

	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/locate"
	"github.com/druid-logs/kubectl-druid-logs/pkg/overlord"
	"github.com/spf13/pflag"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
)

// overlordFlags say how to reach the Druid Overlord, if at all.
type overlordFlags struct {
	URL             string
	Service         string
	CredentialsFile string
	CAFile          string
	Insecure        bool
}

func (f *overlordFlags) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&f.URL, "overlord", "", "Overlord base URL (e.g. https://druid-overlord:8281): task status, and finished tasks' logs from task-log storage")
	fs.StringVar(&f.Service, "overlord-service", "", "Reach the Overlord through the API server's service proxy: [NAMESPACE/][https:]NAME[:PORT], or \"auto\" to find its Service in the namespace")
	fs.StringVar(&f.CredentialsFile, "overlord-credentials-file", "", "File holding user:password or a bearer token for the Overlord (else env "+
		overlord.EnvUser+"/"+overlord.EnvPassword+" or "+overlord.EnvToken+")")
	fs.StringVar(&f.CAFile, "overlord-ca-file", "", "CA bundle to verify the Overlord's TLS certificate")
	fs.BoolVar(&f.Insecure, "overlord-insecure-skip-tls-verify", false, "Do not verify the Overlord's TLS certificate (insecure)")
}

// client builds the Overlord client, or returns nil when none is configured.
func (f *overlordFlags) client(g *Globals, namespace string) (*overlord.Client, error) {
	usage := func(err error) error { return exitcode.New(exitcode.Usage, msg.OneLine(err.Error()), err) }
	switch {
	case f.URL == "" && f.Service == "":
		return nil, nil
	case f.URL != "" && f.Service != "":
		return nil, usage(fmt.Errorf("--overlord and --overlord-service cannot be used together"))
	}
	creds, err := overlord.LoadCredentials(f.CredentialsFile, os.Getenv)
	if err != nil {
		return nil, usage(err)
	}
	if f.URL != "" {
		opts := overlord.Options{URL: f.URL, CAFile: f.CAFile, InsecureSkipVerify: f.Insecure}
		opts.SetCredentials(creds)
		c, err := overlord.New(opts)
		if err != nil {
			return nil, usage(err)
		}
		return c, nil
	}
	if !creds.IsZero() {
		// The API server consumes the Authorization header before it
		// proxies, so Druid credentials cannot travel that way.
		return nil, usage(fmt.Errorf("--overlord-service cannot carry Overlord credentials: the API server proxy drops them; use --overlord URL (e.g. through kubectl port-forward)"))
	}
	ref, err := f.serviceRef(g, namespace)
	if err != nil {
		return nil, err
	}
	cfg, err := g.ConfigFlags.ToRESTConfig()
	if err != nil {
		return nil, kubeconfigError(err)
	}
	rt, err := rest.TransportFor(cfg)
	if err != nil {
		return nil, kubeconfigError(err)
	}
	c, err := overlord.NewForService(rt, cfg.Host, ref, namespace, overlord.Options{})
	if err != nil {
		return nil, usage(err)
	}
	return c, nil
}

// serviceRef parses --overlord-service, or with "auto" picks the Overlord's
// Service among the namespace's Services (one LIST).
func (f *overlordFlags) serviceRef(g *Globals, namespace string) (overlord.ServiceRef, error) {
	usage := func(err error) error { return exitcode.New(exitcode.Usage, msg.OneLine(err.Error()), err) }
	if f.Service != "auto" {
		ref, err := overlord.ParseService(f.Service)
		if err != nil {
			return ref, usage(err)
		}
		return ref, nil
	}
	cl, err := g.newClients()
	if err != nil {
		return overlord.ServiceRef{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	list, err := cl.Kube.Services(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return overlord.ServiceRef{}, classify(err)
	}
	ref, err := overlord.DiscoverService(list.Items)
	if err != nil {
		return ref, usage(fmt.Errorf("--overlord-service auto: %w", err))
	}
	return ref, nil
}

// maxTailWindow bounds how far back --tail reads a finished task's log.
const maxTailWindow = 64 << 20

// printStoredLog copies a finished task's log from the Overlord (Druid's
// task-log storage) to out; tail >= 0 keeps only the last tail lines,
// asking the Overlord for a window at the end of the log (negative offset)
// and widening it until it holds enough lines.
func printStoredLog(ctx context.Context, c *overlord.Client, taskID string, tail int64, out io.Writer) error {
	if tail < 0 {
		rc, err := c.TaskLog(ctx, taskID, 0)
		if err != nil {
			return err
		}
		defer rc.Close()
		_, err = io.Copy(out, rc)
		return err
	}
	for window := max(64<<10, tail*512); ; window *= 2 {
		rc, err := c.TaskLog(ctx, taskID, -window)
		if err != nil {
			return err
		}
		b, err := io.ReadAll(io.LimitReader(rc, window+1))
		rc.Close()
		if err != nil {
			return err
		}
		whole := int64(len(b)) < window || window >= maxTailWindow
		lines := bytes.SplitAfter(b, []byte("\n"))
		if len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
			lines = lines[:len(lines)-1]
		}
		if int64(len(lines)) > tail || whole {
			// Without the whole log, the first line of the window may
			// be cut: it is never among those printed.
			start := max(0, int64(len(lines))-tail)
			if !whole && start == 0 {
				start = 1
			}
			_, err = out.Write(bytes.Join(lines[start:], nil))
			return err
		}
	}
}

// fromOverlord asks the Overlord about a task Kubernetes cannot stream
// (no Job, or finished). done is true when the answer ends the command: a
// finished task's stored log was printed, or the task is unknown to both.
func (o *FollowOptions) fromOverlord(ctx context.Context, r *locate.Resolution) (done bool, err error) {
	st, err := o.overlord.TaskStatus(ctx, o.TaskID)
	var nf *overlord.NotFoundError
	switch {
	case errors.As(err, &nf) && r.NotFound != nil:
		return true, exitcode.New(exitcode.NotFound, notFoundMessage(r.NotFound)+
			"\n  The Overlord does not know this task either (404): a wrong ID, or another Druid cluster.", err)
	case err != nil:
		o.status("note: could not ask the Overlord (%s): %s", o.overlord, msg.OneLine(classify(err).Error()))
		return false, nil
	}
	s := st.Status
	switch {
	case s.Finished():
		o.status("task %s finished with %s per the Overlord: its log below comes from Druid's task-log storage (deep storage), not from Kubernetes",
			o.TaskID, s.StatusCode)
		if err := printStoredLog(ctx, o.overlord, o.TaskID, o.Tail, o.Out); err != nil {
			return true, err
		}
		if !s.Succeeded() {
			text := "task " + o.TaskID + " FAILED per the Overlord"
			if s.ErrorMsg != "" {
				text += ": " + msg.OneLine(s.ErrorMsg)
			}
			return true, exitcode.New(exitcode.ContainerFailed, text, nil)
		}
		return true, nil
	case r.NotFound != nil && s.Pending() && !o.Wait:
		return true, exitcode.New(exitcode.NotRunning, fmt.Sprintf(
			"task %q is queued: the Overlord says statusCode %s, runnerStatusCode %s, and no Job exists yet\n"+
				"  Druid streams live logs only once the task's pod has an IP.\n"+
				"  Wait for it: kubectl druid-logs follow %s --wait (with the same --overlord flags)",
			o.TaskID, s.StatusCode, s.RunnerStatusCode, o.TaskID), nil)
	}
	return false, nil
}
