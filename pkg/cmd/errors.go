package cmd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/druid-logs/kubectl-druid-logs/pkg/druid"
	"github.com/druid-logs/kubectl-druid-logs/pkg/exitcode"
	"github.com/druid-logs/kubectl-druid-logs/pkg/follow"
	"github.com/druid-logs/kubectl-druid-logs/pkg/locate"
	"github.com/druid-logs/kubectl-druid-logs/pkg/msg"
	"github.com/druid-logs/kubectl-druid-logs/pkg/overlord"
)

// classify turns any error of the engine or the API into an *exitcode.Err
// with the message the user reads. This is the one place that decides exit
// codes for errors.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var (
		coded   *exitcode.Err
		inv     *druid.InvalidTaskIDError
		nf      *locate.NotFoundError
		amb     *locate.AmbiguousError
		objNF   *locate.ObjectNotFoundError
		notPeon *locate.NotPeonError
		gaveUp  *follow.GaveUpError
		netErr  net.Error
		ovlNF   *overlord.NotFoundError
		ovlLog  *overlord.NoLogError
		ovlErr  *overlord.HTTPError
		cert    *tls.CertificateVerificationError
	)
	if e, ok := classifyFollow(err); ok {
		return e
	}
	switch {
	case errors.As(err, &coded):
		return coded
	case errors.As(err, &inv):
		return exitcode.New(exitcode.Usage, fmt.Sprintf("%s (task ID %q)", inv.Error(), shorten(inv.TaskID)), err)
	case errors.As(err, &nf):
		return exitcode.New(exitcode.NotFound, notFoundMessage(nf), err)
	case errors.As(err, &amb):
		return exitcode.New(exitcode.Usage, amb.Error(), err)
	case errors.As(err, &objNF):
		return exitcode.New(exitcode.NotFound, objNF.Error(), err)
	case errors.As(err, &notPeon):
		return exitcode.New(exitcode.NotFound, notPeon.Error()+"; pass a task ID, or the pod or Job of a Druid task", err)
	case apierrors.IsForbidden(err):
		return exitcode.New(exitcode.Forbidden, "permission denied: "+msg.OneLine(msg.APIMessage(err))+
			"\n  The plugin needs get/list/watch on jobs (batch) and pods, and get on pods/log; "+
			"'kubectl druid-logs check TASK_ID' lists what is missing.", err)
	case apierrors.IsUnauthorized(err):
		return exitcode.New(exitcode.Forbidden, "the API server rejected the credentials (401 Unauthorized): "+
			"refresh or fix the credentials of your kubeconfig context", err)
	case errors.As(err, &ovlNF):
		return exitcode.New(exitcode.NotFound, "the Overlord does not know task "+ovlNF.TaskID+" (404)", err)
	case errors.As(err, &ovlLog):
		return exitcode.New(exitcode.NotRunning, "the Overlord has no log for this task: "+msg.OneLine(ovlLog.Message), err)
	case errors.As(err, &ovlErr) && ovlErr.Unauthorized():
		return exitcode.New(exitcode.Forbidden, "the Overlord refused the credentials: "+msg.OneLine(ovlErr.Error()), err)
	case errors.As(err, &gaveUp):
		return exitcode.New(exitcode.Error, gaveUp.Error(), err)
	case errors.Is(err, context.DeadlineExceeded) || apierrors.IsTimeout(err) || apierrors.IsServerTimeout(err):
		return exitcode.New(exitcode.Error, "timed out talking to the API server: "+msg.OneLine(err.Error())+
			" (raise --request-timeout if the server is slow)", err)
	case apierrors.IsTooManyRequests(err):
		return exitcode.New(exitcode.Error, "the API server is throttling requests (429): "+msg.OneLine(msg.APIMessage(err)), err)
	case errors.As(err, &cert):
		return exitcode.New(exitcode.Error, "the API server's certificate is not trusted: "+msg.OneLine(cert.Error())+
			" (check the certificate-authority of the kubeconfig cluster, and the server address)", err)
	case apiCode(err) >= 500:
		return exitcode.New(exitcode.Error, fmt.Sprintf("the API server failed (%d): %s", apiCode(err), msg.OneLine(msg.APIMessage(err))), err)
	case errors.As(err, &netErr) || strings.Contains(err.Error(), "connection refused"):
		return exitcode.New(exitcode.Error, "cannot reach the API server: "+msg.OneLine(err.Error()), err)
	}
	return exitcode.New(exitcode.Error, msg.OneLine(err.Error()), err)
}

func notFoundMessage(nf *locate.NotFoundError) string {
	var b strings.Builder
	fmt.Fprintf(&b, "task %q not found: %s.\n", nf.TaskID, nf.Error())
	if len(nf.Tried) > 0 {
		var names []string
		for _, c := range nf.Tried {
			names = append(names, fmt.Sprintf("%s (%s)", c.Name, c.Rule))
		}
		fmt.Fprintf(&b, "  Tried Job names: %s.\n", strings.Join(names, ", "))
	}
	for _, m := range nf.Mismatched {
		fmt.Fprintf(&b, "  Job %s has a matching name but belongs to another task (its task.id annotation differs).\n", m)
	}
	where := "namespace " + nf.Namespace
	if nf.AllNamespaces {
		where = "the cluster"
	}
	if nf.PeonJobs == 0 {
		fmt.Fprintf(&b, "  There are no Druid peon Jobs (label %s) in %s at all: is this the namespace of druid.indexer.runner.namespace?\n", druid.PeonSelector, where)
	} else {
		fmt.Fprintf(&b, "  None of the %d Druid peon Jobs in %s carries this task.id annotation.\n", nf.PeonJobs, where)
	}
	b.WriteString("  If the task finished, the Overlord deleted its Job (unless druid.indexer.runner.debugJobs=true); read its log\n" +
		"  from Druid's task-log storage: kubectl druid-logs follow " + nf.TaskID + " --overlord URL (or --overlord-service auto).\n")
	b.WriteString("  If it was just submitted, the Job may not exist yet: add --wait.")
	if !nf.AllNamespaces {
		b.WriteString(" Another namespace? Try -A.")
	}
	if strings.ContainsAny(nf.TaskID, "'\"`") {
		b.WriteString("\n  Note: the task ID contains a quote character; was it pasted with quotes?")
	}
	return b.String()
}

func apiCode(err error) int32 {
	var st apierrors.APIStatus
	if errors.As(err, &st) {
		return st.Status().Code
	}
	return 0
}

// shorten keeps error messages one readable line for absurd inputs.
func shorten(s string) string {
	const max = 80
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}
