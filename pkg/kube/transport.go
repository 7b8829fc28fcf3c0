package kube

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"time"

	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/transport"
)

// StreamWindow is the HTTP/2 receive window of one stream (a watch, say):
// how much the API server may send ahead of what the plugin has read.
// client-go leaves Go's default of 4 MB, so whenever the reader falls
// behind (a busy machine) up to 4 MB waits in memory. 512 KB is still
// 15 ms of a stream at 30 MB/s, ample for a reader on the same host. Log
// streams go over HTTP/1.1 (httpClientsFor), where what the server sends
// ahead waits in the kernel's socket buffer, not in the plugin's memory.
const StreamWindow = 512 << 10

// logIdleConns is how many idle connections the log transport keeps (for
// IdleConnTimeout, 90 s). A stream's connection serves its task's next read:
// the read that confirms the log was drained after the container's end, a
// reopening. With client-go's 25, a selection of 200 tasks ending together
// closed 175 connections and dialled 175 new ones, TCP and TLS handshakes
// and their garbage. Connections exist only for streams, so the idle ones
// never outnumber the streams once open at once (--max-log-requests).
const logIdleConns = 1000

// httpClientsFor returns the HTTP client of every request but log
// streams, and the client of log streams (nil: use the first).
//
// The first is rest.HTTPClientFor with a bounded HTTP/2 stream window. It
// builds the transport as client-go does (TLS, exec and auth-provider
// credentials, proxy, dialer, impersonation, cfg.Wrap wrappers) but not
// through client-go's transport cache, which offers no way to set HTTP/2
// options. A config with its own Transport is used as given, for
// everything.
//
// The second speaks HTTP/1.1, with the same TLS configuration and the same
// wrappers (credentials, --debug, retries). A log stream is one long
// response read in bulk; over HTTP/2 every read of it goes through the
// connection's frame-reading goroutine, a copy into a per-stream buffer and
// a WINDOW_UPDATE written back, and the follower pauses so that reads come
// in batches. Over HTTP/1.1 a read is a read of the connection (see
// directBody). Each stream has a connection of its own, as with kubectl
// logs against a server without HTTP/2.
//
// The log transport's connections come from a warmDialer (nil when the
// server is not https), which can dial one ahead of the first log request.
func httpClientsFor(cfg *rest.Config) (all, logs *http.Client, warm *warmDialer, err error) {
	if cfg.Transport != nil {
		all, err = rest.HTTPClientFor(cfg)
		return all, nil, nil, err
	}
	tc, err := cfg.TransportConfig()
	if err != nil {
		return nil, nil, nil, err
	}
	resetTokenFileOn401(tc)
	tlsConfig, err := transport.TLSConfigFor(tc)
	if err != nil {
		return nil, nil, nil, err
	}
	dial := (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	if tc.DialHolder != nil {
		dial = tc.DialHolder.Dial
	}
	proxy := http.ProxyFromEnvironment
	if tc.Proxy != nil {
		proxy = tc.Proxy
	}
	newBase := func() *http.Transport {
		return &http.Transport{
			Proxy:               proxy,
			TLSHandshakeTimeout: 10 * time.Second,
			TLSClientConfig:     tlsConfig,
			MaxIdleConnsPerHost: 25, // client-go's value
			DialContext:         dial,
			DisableCompression:  tc.DisableCompression,
		}
	}
	base := newBase()
	base.HTTP2 = &http.HTTP2Config{MaxReceiveBufferPerStream: StreamWindow}
	rt, err := transport.HTTPWrappersForConfig(tc, utilnet.SetTransportDefaults(base))
	if err != nil {
		return nil, nil, nil, err
	}
	all = &http.Client{Transport: rt, Timeout: cfg.Timeout}

	h1 := newBase()
	h1.MaxIdleConnsPerHost = logIdleConns
	if tlsConfig != nil {
		h1.TLSClientConfig = tlsConfig.Clone()
		h1.TLSClientConfig.NextProtos = []string{"http/1.1"}
	}
	// A non-nil empty TLSNextProto keeps net/http from upgrading to HTTP/2,
	// and SetOldTransportDefaults, unlike SetTransportDefaults, does not
	// configure it either.
	h1.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	h1 = utilnet.SetOldTransportDefaults(h1)
	if warm = newWarmDialer(cfg.Host, h1.TLSClientConfig, dial, proxy); warm != nil {
		h1.DialTLSContext = warm.DialTLSContext
	}
	rt, err = transport.HTTPWrappersForConfig(tc, directTransport{h1})
	if err != nil {
		return nil, nil, nil, err
	}
	return all, &http.Client{Transport: rt, Timeout: cfg.Timeout}, warm, nil
}

// directTransport marks the bodies of its responses as directBody.
type directTransport struct{ next *http.Transport }

func (d directTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := d.next.RoundTrip(req)
	if err == nil && resp.Body != nil {
		resp.Body = directBody{resp.Body}
	}
	return resp, err
}

// WrappedRoundTripper lets client-go reach the transport underneath to
// cancel a request (utilnet.RoundTripperWrapper).
func (d directTransport) WrappedRoundTripper() http.RoundTripper { return d.next }

// directBody is an HTTP/1.1 response body: each Read reads the connection,
// so pausing between reads gathers nothing (follow.DirectReader).
type directBody struct{ io.ReadCloser }

// ReadsDirectly marks the body as a follow.DirectReader.
func (directBody) ReadsDirectly() {}

// resetTokenFileOn401 makes a token file (a kubeconfig's tokenFile, a
// projected ServiceAccount token) read again after a request is refused
// with 401, as client-go does for exec plugins: client-go alone re-reads
// the file only every ~50 s, so a follow that outlives a replaced and
// revoked token would be refused for up to a minute. One source serves
// both clients, so a 401 on either refreshes the token of both. When the
// file cannot be read now, client-go's own handling (the token read when
// the kubeconfig was loaded) is kept.
func resetTokenFileOn401(tc *transport.Config) {
	if tc.BearerTokenFile == "" {
		return
	}
	src := transport.NewCachedFileTokenSource(tc.BearerTokenFile)
	if _, err := src.Token(); err != nil {
		return
	}
	tc.BearerToken, tc.BearerTokenFile = "", ""
	tc.Wrap(transport.ResettableTokenSourceWrapTransport(src))
}
