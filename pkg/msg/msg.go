// Package msg holds the small text helpers every message-building package
// shares: one line of a multi-line text, a placeholder for empty values, and
// the server's own words from a Kubernetes API error.
package msg

import (
	"errors"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// OneLine trims s and keeps its first line.
func OneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return strings.TrimSpace(s[:i])
	}
	return s
}

// OrNone returns s, or "<none>" when it is empty, as kubectl prints it.
func OrNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

// APIMessage is the API server's Status message of err, or err's text.
func APIMessage(err error) string {
	var st apierrors.APIStatus
	if errors.As(err, &st) && st.Status().Message != "" {
		return st.Status().Message
	}
	return err.Error()
}
