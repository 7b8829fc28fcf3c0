package overlordlog

import (
	"context"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/druid-logs/kubectl-druid-logs/pkg/kube"
	"github.com/druid-logs/kubectl-druid-logs/pkg/overlord"
)

// The Overlord's pod labels of the common installations.
const (
	// HelmSelector is the Druid Helm chart's label of the Overlord's pods;
	// the druid-operator sets it too (component=<nodeType>) since 2023.
	HelmSelector = "component=overlord"
	// OperatorSelector selects the druid-operator's pods; the Overlord's
	// are those whose nodeSpecUniqueStr (druid-<cluster>-<node spec key>)
	// names the Overlord, as older operators set no component label.
	OperatorSelector = "app=druid,nodeSpecUniqueStr"
	// OperatorNodeLabel is the druid-operator's per-node-spec label.
	OperatorNodeLabel = "nodeSpecUniqueStr"
)

// Selection says how to find the Overlord's pods. The first that is set
// wins: Pod, LabelSelector, then the default labels, then Service.
type Selection struct {
	Namespace string
	// Pod is a pod name (--overlord-pod): also a Coordinator running as
	// the Overlord.
	Pod string
	// LabelSelector is -l.
	LabelSelector string
	// Service is --overlord-service ([NS/][https:]NAME[:PORT], or "auto"):
	// its selector's pods.
	Service string
}

// Found are the Overlord's pods, sorted by name, and how they were found.
type Found struct {
	Pods []corev1.Pod
	// How says which rule found them, for messages.
	How string
}

// NotFoundError says no rule found an Overlord pod.
type NotFoundError struct {
	Namespace string
	// Tried lists the rules tried, in order.
	Tried []string
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("no Druid Overlord pod found in namespace %s (tried %s): name it with --overlord-pod or select it with -l",
		e.Namespace, strings.Join(e.Tried, "; "))
}

// Find finds the Overlord's pods.
func Find(ctx context.Context, k kube.Interface, sel Selection) (*Found, error) {
	pods := k.Pods(sel.Namespace)
	if sel.Pod != "" {
		p, err := pods.Get(ctx, sel.Pod, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		return &Found{Pods: []corev1.Pod{*p}, How: "--overlord-pod " + sel.Pod}, nil
	}
	list := func(selector string, keep func(*corev1.Pod) bool) ([]corev1.Pod, error) {
		l, err := pods.List(ctx, metav1.ListOptions{LabelSelector: selector})
		if err != nil {
			return nil, err
		}
		var out []corev1.Pod
		for i := range l.Items {
			if keep == nil || keep(&l.Items[i]) {
				out = append(out, l.Items[i])
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
		return out, nil
	}
	if sel.LabelSelector != "" {
		if _, err := labels.Parse(sel.LabelSelector); err != nil {
			return nil, &SelectorError{Selector: sel.LabelSelector, Err: err}
		}
		found, err := list(sel.LabelSelector, nil)
		if err != nil {
			return nil, err
		}
		if len(found) == 0 {
			return nil, &NotFoundError{Namespace: sel.Namespace, Tried: []string{"-l " + sel.LabelSelector}}
		}
		return &Found{Pods: found, How: "-l " + sel.LabelSelector}, nil
	}
	tried := []string{"label " + HelmSelector}
	found, err := list(HelmSelector, nil)
	if err != nil || len(found) > 0 {
		return &Found{Pods: found, How: "label " + HelmSelector}, err
	}
	tried = append(tried, "the druid-operator's "+OperatorNodeLabel+" naming an Overlord")
	found, err = list(OperatorSelector, func(p *corev1.Pod) bool {
		return strings.Contains(strings.ToLower(p.Labels[OperatorNodeLabel]), "overlord")
	})
	if err != nil || len(found) > 0 {
		return &Found{Pods: found, How: "the druid-operator's label " + OperatorNodeLabel}, err
	}
	if sel.Service == "" {
		return nil, &NotFoundError{Namespace: sel.Namespace, Tried: append(tried, "no --overlord-service given")}
	}
	svc, err := service(ctx, k, sel)
	if err != nil {
		return nil, err
	}
	if len(svc.Spec.Selector) == 0 {
		return nil, &NotFoundError{Namespace: svc.Namespace, Tried: append(tried, "Service "+svc.Name+" has no selector")}
	}
	selector := labels.SelectorFromSet(svc.Spec.Selector).String()
	l, err := k.Pods(svc.Namespace).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, err
	}
	if len(l.Items) == 0 {
		return nil, &NotFoundError{Namespace: svc.Namespace, Tried: append(tried, "Service "+svc.Name+"'s selector "+selector)}
	}
	sort.Slice(l.Items, func(i, j int) bool { return l.Items[i].Name < l.Items[j].Name })
	return &Found{Pods: l.Items, How: "Service " + svc.Name + "'s selector " + selector}, nil
}

// SelectorError says -l does not parse.
type SelectorError struct {
	Selector string
	Err      error
}

func (e *SelectorError) Error() string { return fmt.Sprintf("invalid -l %q: %v", e.Selector, e.Err) }

func (e *SelectorError) Unwrap() error { return e.Err }

// service returns the Service named by sel.Service, or with "auto" the
// one that looks like the Overlord.
func service(ctx context.Context, k kube.Interface, sel Selection) (*corev1.Service, error) {
	ns, name := sel.Namespace, ""
	if sel.Service != "auto" {
		ref, err := overlord.ParseService(sel.Service)
		if err != nil {
			return nil, err
		}
		if ref.Namespace != "" {
			ns = ref.Namespace
		}
		name = ref.Name
	}
	opts := metav1.ListOptions{}
	if name != "" {
		opts.FieldSelector = fields.OneTermEqualSelector("metadata.name", name).String()
	}
	l, err := k.Services(ns).List(ctx, opts)
	if err != nil {
		return nil, err
	}
	if name == "" {
		ref, err := overlord.DiscoverService(l.Items)
		if err != nil {
			return nil, err
		}
		name = ref.Name
	}
	for i := range l.Items {
		if l.Items[i].Name == name {
			return &l.Items[i], nil
		}
	}
	return nil, fmt.Errorf("service %s/%s not found", ns, name)
}

// Container is the container whose log is read: the pod's
// kubectl.kubernetes.io/default-container, else its first, as kubectl
// logs chooses.
func Container(p *corev1.Pod) string {
	if c := p.Annotations["kubectl.kubernetes.io/default-container"]; c != "" {
		return c
	}
	if len(p.Spec.Containers) > 0 {
		return p.Spec.Containers[0].Name
	}
	return ""
}
