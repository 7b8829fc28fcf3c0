package kube

import (
	"net"
	"net/http"
	"time"

	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/transport"
)

// StreamWindow is the HTTP/2 receive window of one stream: how much of a
// log the API server may send ahead of what the plugin has read. client-go
// leaves Go's default of 4 MB, so whenever the reader falls behind (a slow
// terminal, a busy machine) up to 4 MB of log waits in memory, and peak
// memory grows with the length of the stream. 512 KB is still 15 ms of a
// log streaming at 30 MB/s, ample for a reader on the same host.
const StreamWindow = 512 << 10

// httpClientFor is rest.HTTPClientFor with a bounded HTTP/2 stream window.
// It builds the transport as client-go does (TLS, exec and auth-provider
// credentials, proxy, dialer, impersonation, cfg.Wrap wrappers) but not
// through client-go's transport cache, which offers no way to set HTTP/2
// options. A config with its own Transport is used as given.
func httpClientFor(cfg *rest.Config) (*http.Client, error) {
	if cfg.Transport != nil {
		return rest.HTTPClientFor(cfg)
	}
	tc, err := cfg.TransportConfig()
	if err != nil {
		return nil, err
	}
	tlsConfig, err := transport.TLSConfigFor(tc)
	if err != nil {
		return nil, err
	}
	dial := (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	if tc.DialHolder != nil {
		dial = tc.DialHolder.Dial
	}
	proxy := http.ProxyFromEnvironment
	if tc.Proxy != nil {
		proxy = tc.Proxy
	}
	base := utilnet.SetTransportDefaults(&http.Transport{
		Proxy:               proxy,
		TLSHandshakeTimeout: 10 * time.Second,
		TLSClientConfig:     tlsConfig,
		MaxIdleConnsPerHost: 25, // client-go's value
		DialContext:         dial,
		DisableCompression:  tc.DisableCompression,
		HTTP2:               &http.HTTP2Config{MaxReceiveBufferPerStream: StreamWindow},
	})
	rt, err := transport.HTTPWrappersForConfig(tc, base)
	if err != nil {
		return nil, err
	}
	return &http.Client{Transport: rt, Timeout: cfg.Timeout}, nil
}
