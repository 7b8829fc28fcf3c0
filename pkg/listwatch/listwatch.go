// Package listwatch lists one kind of object, then watches it from the
// listing's resource version, and keeps doing so through API failures: the
// one list-then-watch loop of the plugin, shared by resolution's wait, the
// pod watch of a follow, a group's Job watch and `list --watch`.
//
// A listing pages through the API (never one giant response) and hands the
// whole set to OnList; a watch starts from the listing's resource version,
// so it sends only changes. A watch that closes is reopened from the last
// resource version seen; one the server expired (410 Gone, as a status or a
// watch.Error event) is replaced by a fresh listing. A failed LIST or WATCH
// is retried with exponential backoff for as long as the context lives;
// only a refusal (403, 401, 405) ends Run with an error, because retrying
// cannot fix it. A caller that may list but not watch (RBAC without the
// watch verb, a proxy that refuses watches) can ask for polling instead
// (Config.PollEvery): the objects are listed again at that interval. The
// package knows nothing of Druid and prints nothing.
package listwatch

import (
	"context"
	"errors"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// Defaults of Config.
const (
	DefaultPageSize   = 500
	DefaultMinBackoff = 250 * time.Millisecond
	DefaultMaxBackoff = 5 * time.Second
)

// ListFunc lists one page of objects.
type ListFunc func(ctx context.Context, opts metav1.ListOptions) (items []runtime.Object, resourceVersion, continueToken string, err error)

// WatchFunc opens a watch.
type WatchFunc func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error)

// Config says what to list and watch, and whom to tell.
type Config struct {
	List  ListFunc
	Watch WatchFunc
	// LabelSelector and FieldSelector select the objects.
	LabelSelector, FieldSelector string
	// PageSize bounds each LIST page. Default 500.
	PageSize int64
	// ResourceVersion, when set, is where the first watch starts: the
	// caller already listed (no LIST is made until a watch expires).
	ResourceVersion string
	// OnList receives every object of a listing: the first one (unless
	// ResourceVersion is set) and each one after a watch expired. When nil,
	// a listing only fetches a resource version to watch from (one item).
	OnList func(items []runtime.Object)
	// OnEvent receives Added, Modified and Deleted events, in order.
	OnEvent func(ev watch.Event)
	// OnFailure is told of each failed LIST or WATCH: the error, how many
	// attempts in a row failed, and the wait before the next one.
	OnFailure func(err error, attempt int, wait time.Duration)
	// OnRecover is told when a LIST or WATCH succeeds after failures.
	OnRecover func()
	// OnWatch is told each time a watch opens.
	OnWatch func()
	// MinBackoff and MaxBackoff bound the wait after a failure; it doubles
	// per failure in a row. Defaults 250ms and 5s.
	MinBackoff, MaxBackoff time.Duration
	// PollEvery, when set with OnList, is the fallback of a refused WATCH
	// (403 Forbidden, 405 Method Not Allowed) while LIST is allowed: Run
	// lists again every PollEvery and hands each listing to OnList, instead
	// of returning the refusal.
	PollEvery time.Duration
	// OnPoll is told once, with the WATCH's refusal, when Run falls back to
	// polling.
	OnPoll func(err error)
}

// Run lists and watches until ctx is done, then returns nil. It returns an
// error only when the API refuses the caller (403 Forbidden, 401
// Unauthorized, 405 Method Not Allowed) and, for a refused WATCH, polling
// was not asked for. Callbacks run on Run's goroutine, one at a time.
func Run(ctx context.Context, cfg Config) error {
	r := runner{cfg: cfg, backoff: cfg.minBackoff()}
	rv := cfg.ResourceVersion
	for ctx.Err() == nil {
		if rv == "" {
			items, v, err := r.list(ctx)
			if err != nil {
				if r.final(err) {
					return err
				}
				r.failed(ctx, err)
				continue
			}
			r.ok()
			if cfg.OnList != nil {
				cfg.OnList(items)
			}
			rv = v
		}
		w, err := cfg.Watch(ctx, metav1.ListOptions{LabelSelector: cfg.LabelSelector, FieldSelector: cfg.FieldSelector,
			ResourceVersion: rv, AllowWatchBookmarks: true})
		switch {
		case err == nil:
		case ctx.Err() != nil:
			return nil
		case r.final(err):
			if cfg.PollEvery > 0 && cfg.OnList != nil && !apierrors.IsUnauthorized(err) {
				return r.poll(ctx, err)
			}
			return err
		case expired(err):
			rv = ""
			continue
		default: // transient, or a first 401 (retried once)
			r.failed(ctx, err)
			continue
		}
		r.ok()
		if cfg.OnWatch != nil {
			cfg.OnWatch()
		}
		opened := time.Now()
		next, err := r.consume(ctx, w, rv)
		w.Stop()
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil && expired(err):
			rv = ""
		case err != nil:
			rv = next
			r.failed(ctx, err)
		default:
			rv = next
			if time.Since(opened) < time.Second {
				// A server that closes watches at once is not hammered.
				r.pause(ctx, r.cfg.minBackoff())
			}
		}
	}
	return nil
}

// poll lists every PollEvery until ctx is done (nil) or a LIST is refused
// (its error); why is the WATCH's refusal, told to OnPoll.
func (r *runner) poll(ctx context.Context, why error) error {
	if r.cfg.OnPoll != nil {
		r.cfg.OnPoll(why)
	}
	for ctx.Err() == nil {
		items, _, err := r.list(ctx)
		switch {
		case err == nil:
			r.ok()
			r.cfg.OnList(items)
			r.pause(ctx, r.cfg.PollEvery)
		case ctx.Err() != nil:
		case r.final(err):
			return err
		default:
			r.failed(ctx, err)
		}
	}
	return nil
}

type runner struct {
	cfg         Config
	failures    int
	backoff     time.Duration
	authRetried bool // a 401 was retried and no request succeeded since
}

// final reports whether err ends Run: a refusal, except a first 401.
// client-go drops a cached bearer token (a kubeconfig tokenFile, a
// projected ServiceAccount token, an exec plugin's credential) when a
// request gets a 401, so the request after it carries the replaced token;
// a long watch outlives such tokens.
func (r *runner) final(err error) bool {
	if apierrors.IsUnauthorized(err) && !r.authRetried {
		r.authRetried = true
		return false
	}
	return refused(err)
}

// list pages through every object and returns them with the listing's
// resource version; with no OnList, one item is enough for the version.
func (r *runner) list(ctx context.Context) ([]runtime.Object, string, error) {
	size := r.cfg.PageSize
	if size <= 0 {
		size = DefaultPageSize
	}
	if r.cfg.OnList == nil {
		size = 1
	}
	opts := metav1.ListOptions{LabelSelector: r.cfg.LabelSelector, FieldSelector: r.cfg.FieldSelector, Limit: size}
	var all []runtime.Object
	for {
		items, rv, cont, err := r.cfg.List(ctx, opts)
		if err != nil {
			return nil, "", err
		}
		all = append(all, items...)
		if cont == "" || r.cfg.OnList == nil {
			return all, rv, nil
		}
		opts.Continue = cont
	}
}

// consume hands the watch's events on until it closes or fails; it returns
// the last resource version seen.
func (r *runner) consume(ctx context.Context, w watch.Interface, rv string) (string, error) {
	for {
		select {
		case <-ctx.Done():
			return rv, nil
		case ev, ok := <-w.ResultChan():
			if !ok {
				return rv, nil
			}
			if ev.Type == watch.Error {
				return rv, errorOf(ev.Object)
			}
			if acc, err := meta.Accessor(ev.Object); err == nil && acc.GetResourceVersion() != "" {
				rv = acc.GetResourceVersion()
			}
			if ev.Type != watch.Bookmark && r.cfg.OnEvent != nil {
				r.cfg.OnEvent(ev)
			}
		}
	}
}

func (r *runner) ok() {
	r.authRetried = false
	if r.failures > 0 && r.cfg.OnRecover != nil {
		r.cfg.OnRecover()
	}
	r.failures, r.backoff = 0, r.cfg.minBackoff()
}

// failed reports a failure and waits the backoff.
func (r *runner) failed(ctx context.Context, err error) {
	r.failures++
	wait := r.backoff
	r.backoff = min(2*r.backoff, r.cfg.maxBackoff())
	if r.cfg.OnFailure != nil {
		r.cfg.OnFailure(err, r.failures, wait)
	}
	r.pause(ctx, wait)
}

func (r *runner) pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

func (c Config) minBackoff() time.Duration {
	if c.MinBackoff > 0 {
		return c.MinBackoff
	}
	return DefaultMinBackoff
}

func (c Config) maxBackoff() time.Duration {
	if c.MaxBackoff >= c.minBackoff() {
		return c.MaxBackoff
	}
	return max(DefaultMaxBackoff, c.minBackoff())
}

// errorOf turns a watch.Error event's object into an error.
func errorOf(obj runtime.Object) error {
	if obj == nil {
		return errors.New("watch error event without a status")
	}
	return apierrors.FromObject(obj)
}

// expired reports a resource version the server no longer has.
func expired(err error) bool {
	return apierrors.IsResourceExpired(err) || apierrors.IsGone(err)
}

// refused reports an error retrying cannot fix: the caller may not
// (403, 401), or the server (or a proxy before it) does not serve the
// request at all (405, as some proxies answer a WATCH).
func refused(err error) bool {
	return apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err) || apierrors.IsMethodNotSupported(err)
}
