// Package kubetest adapts a client-go clientset (a fake one in unit tests,
// a real one in end-to-end tests) to kube.Interface.
package kubetest

import (
	"k8s.io/client-go/kubernetes"

	"github.com/druid-logs/kubectl-druid-logs/pkg/kube"
)

// Wrap returns cs as a kube.Interface.
func Wrap(cs kubernetes.Interface) kube.Interface { return clientset{cs} }

type clientset struct{ cs kubernetes.Interface }

func (c clientset) Pods(ns string) kube.PodClient         { return c.cs.CoreV1().Pods(ns) }
func (c clientset) Jobs(ns string) kube.JobClient         { return c.cs.BatchV1().Jobs(ns) }
func (c clientset) Events(ns string) kube.EventClient     { return c.cs.CoreV1().Events(ns) }
func (c clientset) Services(ns string) kube.ServiceClient { return c.cs.CoreV1().Services(ns) }
func (c clientset) Namespaces() kube.NamespaceClient      { return c.cs.CoreV1().Namespaces() }
func (c clientset) SelfSubjectAccessReviews() kube.AccessReviewClient {
	return c.cs.AuthorizationV1().SelfSubjectAccessReviews()
}
