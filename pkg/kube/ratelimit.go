package kube

import "k8s.io/client-go/rest"

// The client's rate limit, chosen for a follow of many tasks rather than
// inherited. client-go's default (5 requests/s after a burst of 10, used by
// stern and by kubectl for everything but discovery, which kubectl lets run
// at 50/s after a burst of 300: cli-runtime's WithDiscoveryQPS(50) and
// WithDiscoveryBurst(300)) made the 50th stream of a selection wait ~8 s
// for its turn. The limiter counts every request, the opening of a log
// stream included, but a stream is then one long request: what needs room
// is the burst of openings when a selection starts, one per stream, beside
// the few shared requests (a LIST and a WATCH for Jobs, the same for pods).
// So the burst is sized by the streams a command may open at once
// (--max-log-requests) and the sustained rate stays at kubectl's discovery
// rate, which the API server's priority and fairness (APF) is built to
// absorb; when the server still pushes back, its 429 and Retry-After are
// waited out (pkg/retry).
const (
	// DefaultQPS is the sustained rate: kubectl's discovery rate.
	DefaultQPS = 50
	// DefaultBurst lets a command start its shared requests and an MSQ
	// query's or a supervisor's usual dozens of streams without waiting.
	DefaultBurst = 100
	// sharedRequests are a selection's requests that do not grow with its
	// tasks: LIST and WATCH of Jobs and of pods, with room for a relist.
	sharedRequests = 10
)

// SetRateLimit sets cfg's rate limit for a command that opens at most
// streams log streams at once (0: a command of a few requests): DefaultQPS,
// and a burst of every stream's opening plus the shared requests, at least
// DefaultBurst. A config that brings its own RateLimiter keeps it.
func SetRateLimit(cfg *rest.Config, streams int) {
	if cfg.RateLimiter != nil {
		return
	}
	cfg.QPS = DefaultQPS
	cfg.Burst = max(DefaultBurst, streams+sharedRequests)
}
