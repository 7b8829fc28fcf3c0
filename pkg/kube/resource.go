package kube

import (
	"context"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"
)

// resource is a typed client of one kind of object (T, listed as L): the
// requests client-go's generated clients make, for the verbs the plugin
// uses. It replaces client-go's gentype, whose fake clients link in
// client-go/testing and with it managed fields, structured-merge-diff,
// kube-openapi, gnostic and go-openapi: a third of the binary, most of it
// paged in at start-up.
type resource[T runtime.Object, L runtime.Object] struct {
	name      string // the resource's name in the URL, e.g. "pods"
	client    rest.Interface
	namespace string // "" for all namespaces or a cluster-scoped resource
	newObject func() T
	newList   func() L
}

// request is the request of every call, as gentype builds it: protobuf where
// the client was configured for it, and the namespace when there is one.
func (r *resource[T, L]) request(verb string) *rest.Request {
	var req *rest.Request
	if verb == "POST" {
		req = r.client.Post()
	} else {
		req = r.client.Get()
	}
	return req.UseProtobufAsDefaultIfPreferred(true).
		NamespaceIfScoped(r.namespace, r.namespace != "").
		Resource(r.name)
}

// Get reads the object called name.
func (r *resource[T, L]) Get(ctx context.Context, name string, opts metav1.GetOptions) (T, error) {
	result := r.newObject()
	err := r.request("GET").Name(name).VersionedParams(&opts, parameterCodec()).Do(ctx).Into(result)
	return result, err
}

// List lists the objects that opts select.
func (r *resource[T, L]) List(ctx context.Context, opts metav1.ListOptions) (L, error) {
	list := r.newList()
	err := r.request("GET").VersionedParams(&opts, parameterCodec()).Timeout(timeoutOf(opts)).
		Do(ctx).Into(list)
	return list, err
}

// Watch watches the objects that opts select.
func (r *resource[T, L]) Watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	opts.Watch = true
	return r.request("GET").VersionedParams(&opts, parameterCodec()).Timeout(timeoutOf(opts)).Watch(ctx)
}

// Create creates obj and returns what the server made of it.
func (r *resource[T, L]) Create(ctx context.Context, obj T, opts metav1.CreateOptions) (T, error) {
	result := r.newObject()
	err := r.request("POST").VersionedParams(&opts, parameterCodec()).Body(obj).Do(ctx).Into(result)
	return result, err
}

// timeoutOf is a list or watch's client-side timeout: its TimeoutSeconds.
func timeoutOf(opts metav1.ListOptions) time.Duration {
	if opts.TimeoutSeconds == nil {
		return 0
	}
	return time.Duration(*opts.TimeoutSeconds) * time.Second
}
