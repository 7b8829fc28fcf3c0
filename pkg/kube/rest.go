package kube

import (
	"net/http"
	"sync"

	authorizationv1 "k8s.io/api/authorization/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/rest"
)

// apiScheme knows the three API groups the plugin reads, and nothing else.
// It is built on first use, not at start-up: commands that make no request
// (version, job-name, completion without a cluster) never pay for it.
type apiScheme struct {
	scheme         *runtime.Scheme
	codecs         serializer.CodecFactory
	parameterCodec runtime.ParameterCodec
}

var theScheme = sync.OnceValue(func() *apiScheme {
	s := runtime.NewScheme()
	utilruntime.Must(corev1.AddToScheme(s))
	utilruntime.Must(batchv1.AddToScheme(s))
	utilruntime.Must(authorizationv1.AddToScheme(s))
	metav1.AddToGroupVersion(s, schema.GroupVersion{Version: "v1"})
	return &apiScheme{scheme: s, codecs: serializer.NewCodecFactory(s), parameterCodec: runtime.NewParameterCodec(s)}
})

// parameterCodec encodes options into query parameters.
func parameterCodec() runtime.ParameterCodec { return theScheme().parameterCodec }

// Client is Interface over the API server's REST API.
type Client struct {
	core, batch, authz rest.Interface
	logs               rest.Interface // core/v1 over HTTP/1.1, for log streams
	warm               *warmDialer    // the log transport's dialer
}

// PrepareLogStream starts dialling the connection of the next log stream
// (TCP and TLS) without waiting for it, so that the stream does not wait
// for those two round trips once the pod is known. It makes no request.
func (c *Client) PrepareLogStream() { c.warm.Warm() }

// NewForConfig returns a Client for cfg. The three API groups share one
// HTTP client, so one connection serves them all. No request is made.
func NewForConfig(cfg *rest.Config) (*Client, error) {
	httpClient, logClient, warm, err := httpClientsFor(cfg)
	if err != nil {
		return nil, err
	}
	c := &Client{warm: warm}
	if logClient != nil {
		if c.logs, err = restClientFor(cfg, logClient, "/api", corev1.SchemeGroupVersion); err != nil {
			return nil, err
		}
	}
	for _, g := range []struct {
		dst     *rest.Interface
		apiPath string
		gv      schema.GroupVersion
	}{
		{&c.core, "/api", corev1.SchemeGroupVersion},
		{&c.batch, "/apis", batchv1.SchemeGroupVersion},
		{&c.authz, "/apis", authorizationv1.SchemeGroupVersion},
	} {
		if *g.dst, err = restClientFor(cfg, httpClient, g.apiPath, g.gv); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func restClientFor(cfg *rest.Config, httpClient *http.Client, apiPath string, gv schema.GroupVersion) (*rest.RESTClient, error) {
	c := rest.CopyConfig(cfg)
	c.APIPath = apiPath
	c.GroupVersion = &gv
	c.NegotiatedSerializer = theScheme().codecs.WithoutConversion()
	if c.UserAgent == "" {
		c.UserAgent = rest.DefaultKubernetesUserAgent()
	}
	return rest.RESTClientForConfigAndClient(c, httpClient)
}

// Pods reads pods in namespace ("" for all namespaces).
func (c *Client) Pods(namespace string) PodClient {
	logs := c.logs
	if logs == nil {
		logs = c.core
	}
	return &pods{resource[*corev1.Pod, *corev1.PodList]{"pods", c.core, namespace,
		func() *corev1.Pod { return &corev1.Pod{} }, func() *corev1.PodList { return &corev1.PodList{} }}, logs}
}

// pods adds the log subresource to the generic pod client.
type pods struct {
	resource[*corev1.Pod, *corev1.PodList]
	logs rest.Interface // the client of log streams
}

// GetLogs builds the request for a container's log; Stream opens it.
func (p *pods) GetLogs(name string, opts *corev1.PodLogOptions) *rest.Request {
	return p.logs.Get().Namespace(p.namespace).Name(name).Resource("pods").SubResource("log").
		VersionedParams(opts, parameterCodec())
}

// Jobs reads Jobs in namespace ("" for all namespaces).
func (c *Client) Jobs(namespace string) JobClient {
	return &resource[*batchv1.Job, *batchv1.JobList]{"jobs", c.batch, namespace,
		func() *batchv1.Job { return &batchv1.Job{} }, func() *batchv1.JobList { return &batchv1.JobList{} }}
}

// Events lists events in namespace.
func (c *Client) Events(namespace string) EventClient {
	return &resource[*corev1.Event, *corev1.EventList]{"events", c.core, namespace,
		func() *corev1.Event { return &corev1.Event{} }, func() *corev1.EventList { return &corev1.EventList{} }}
}

// Services lists services in namespace.
func (c *Client) Services(namespace string) ServiceClient {
	return &resource[*corev1.Service, *corev1.ServiceList]{"services", c.core, namespace,
		func() *corev1.Service { return &corev1.Service{} }, func() *corev1.ServiceList { return &corev1.ServiceList{} }}
}

// Namespaces lists namespaces.
func (c *Client) Namespaces() NamespaceClient {
	return &resource[*corev1.Namespace, *corev1.NamespaceList]{"namespaces", c.core, "",
		func() *corev1.Namespace { return &corev1.Namespace{} }, func() *corev1.NamespaceList { return &corev1.NamespaceList{} }}
}

// SubjectAccessReviews asks what another subject (the Overlord's service
// account, say) may do. It is not part of Interface: only the diagnosis
// asks, and only of a real API server.
func (c *Client) SubjectAccessReviews() SubjectReviewClient {
	return &resource[*authorizationv1.SubjectAccessReview, *authorizationv1.SubjectAccessReview]{
		"subjectaccessreviews", c.authz, "",
		func() *authorizationv1.SubjectAccessReview { return &authorizationv1.SubjectAccessReview{} }, nil}
}

// SelfSubjectAccessReviews asks what the caller may do.
func (c *Client) SelfSubjectAccessReviews() AccessReviewClient {
	return &resource[*authorizationv1.SelfSubjectAccessReview, *authorizationv1.SelfSubjectAccessReview]{
		"selfsubjectaccessreviews", c.authz, "",
		func() *authorizationv1.SelfSubjectAccessReview { return &authorizationv1.SelfSubjectAccessReview{} }, nil}
}
