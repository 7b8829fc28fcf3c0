package overlord

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// BasePath is the Overlord API's path prefix.
const BasePath = "/druid/indexer/v1"

// DefaultTimeout bounds status and list requests when Options.Timeout is 0.
// Log requests are bounded only by their context: a log can be large.
const DefaultTimeout = 30 * time.Second

// Options configure a Client. Credentials come from LoadCredentials, never
// from a flag value. String and GoString redact them.
type Options struct {
	// URL is the Overlord's base URL, with or without the /druid/indexer/v1
	// suffix, e.g. https://overlord.druid:8281. It must not carry
	// user:password.
	URL string
	// Transport, if set, is used as is (e.g. rest.TransportFor for the API
	// server proxy); InsecureSkipVerify and CAFile must then be unset.
	Transport http.RoundTripper
	// BasicUser and BasicPassword enable basic auth.
	BasicUser, BasicPassword string
	// BearerToken enables bearer-token auth.
	BearerToken string
	// InsecureSkipVerify turns off TLS verification (on by default).
	InsecureSkipVerify bool
	// CAFile is a PEM bundle of extra roots to trust.
	CAFile string
	// Timeout bounds status and list requests (DefaultTimeout if 0).
	Timeout time.Duration
}

// SetCredentials copies c into the auth fields.
func (o *Options) SetCredentials(c Credentials) {
	o.BasicUser, o.BasicPassword, o.BearerToken = c.User, c.Password, c.Token
}

// String shows the settings with secrets redacted.
func (o Options) String() string {
	auth := Credentials{User: o.BasicUser, Password: o.BasicPassword, Token: o.BearerToken}.String()
	return fmt.Sprintf("overlord %s (%s, insecure=%t, ca=%q, timeout=%s)", o.URL, auth, o.InsecureSkipVerify, o.CAFile, o.Timeout)
}

// GoString keeps %#v from printing secrets.
func (o Options) GoString() string { return o.String() }

// Client talks to one Overlord. It is safe for concurrent use.
type Client struct {
	base    *url.URL
	http    *http.Client
	timeout time.Duration
	auth    Credentials
}

// New validates opts and returns a Client. No request is made.
func New(opts Options) (*Client, error) {
	if opts.BasicUser != "" && opts.BearerToken != "" {
		return nil, errors.New("overlord: set basic auth or a bearer token, not both")
	}
	if (opts.BasicUser == "") != (opts.BasicPassword == "") {
		return nil, errors.New("overlord: basic auth needs both a user and a password")
	}
	base, err := parseBase(opts.URL)
	if err != nil {
		return nil, err
	}
	rt := opts.Transport
	if rt == nil {
		if rt, err = newTransport(opts); err != nil {
			return nil, err
		}
	} else if opts.InsecureSkipVerify || opts.CAFile != "" {
		return nil, errors.New("overlord: TLS options cannot be combined with a custom transport")
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	redirect := sameHostRedirect
	if opts.Transport != nil {
		// A transport of our caller's (the API server's proxy) may add its
		// own credentials to every request: never follow a redirect off
		// its host (a non-leader Overlord's 307 to the leader's pod IP).
		redirect = stayOnHost
	}
	return &Client{base: base, timeout: timeout,
		auth: Credentials{User: opts.BasicUser, Password: opts.BasicPassword, Token: opts.BearerToken},
		http: &http.Client{Transport: rt, CheckRedirect: redirect}}, nil
}

// String is the base URL; it never includes credentials.
func (c *Client) String() string { return c.base.String() }

// GoString keeps %#v from printing the credentials the Client holds.
func (c *Client) GoString() string {
	return "overlord.Client{" + c.base.String() + ", " + c.auth.String() + "}"
}

// BaseURL returns the API base URL (ending in /druid/indexer/v1).
func (c *Client) BaseURL() string { return c.base.String() }

func parseBase(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("overlord: no URL")
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error quotes the input; keep the reason only.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("overlord: invalid URL: %v", err)
	}
	if u.User != nil {
		return nil, errors.New("overlord: the URL must not contain credentials; use a credentials file or environment variables")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("overlord: URL scheme must be http or https, got %q", u.Scheme)
	}
	if u.Host == "" {
		return nil, errors.New("overlord: URL has no host")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("overlord: URL must not have a query or fragment")
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	if !strings.HasSuffix(u.Path, BasePath) {
		u.Path += BasePath
	}
	return u, nil
}

func newTransport(opts Options) (http.RoundTripper, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: opts.InsecureSkipVerify} //nolint:gosec // opt-in flag
	if opts.CAFile != "" {
		pem, err := os.ReadFile(opts.CAFile)
		if err != nil {
			return nil, fmt.Errorf("overlord: CA file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("overlord: CA file %s holds no PEM certificate", opts.CAFile)
		}
		t.TLSClientConfig.RootCAs = pool
	}
	return t, nil
}

// sameHostRedirect follows a non-leader Overlord's redirect to the leader
// but refuses to carry credentials to another scheme or host.
func sameHostRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("stopped after 5 redirects")
	}
	if req.URL.Host != via[0].URL.Host || req.URL.Scheme != via[0].URL.Scheme {
		req.Header.Del("Authorization")
	}
	return nil
}

// stayOnHost follows redirects on the same scheme and host only; any
// other redirect is returned as the answer.
func stayOnHost(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("stopped after 5 redirects")
	}
	if req.URL.Host != via[0].URL.Host || req.URL.Scheme != via[0].URL.Scheme {
		return http.ErrUseLastResponse
	}
	return nil
}

// TaskStatus returns GET /task/{id}/status. A 404 with Druid's body is a
// *NotFoundError.
func (c *Client) TaskStatus(ctx context.Context, id string) (*TaskStatus, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	resp, err := c.get(ctx, "task/"+url.PathEscape(id)+"/status", nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, fmt.Errorf("overlord: reading status of %q: %w", id, err)
	}
	var st TaskStatus
	switch {
	case resp.StatusCode == http.StatusOK:
		if err := json.Unmarshal(body, &st); err != nil || st.Status == nil {
			return nil, fmt.Errorf("overlord: GET %s: unexpected body %q", redact(resp.Request.URL), snippet(body))
		}
		return &st, nil
	case resp.StatusCode == http.StatusNotFound && json.Unmarshal(body, &st) == nil && st.Task != "" && st.Status == nil:
		return nil, &NotFoundError{TaskID: id}
	}
	return nil, httpError(resp, body)
}

// TaskLog returns GET /task/{id}/log?offset=N: offset 0 is the whole log,
// N > 0 starts at byte N, N < 0 is the last |N| bytes. A live Kubernetes
// task ignores the offset and returns the whole log so far. A 404 is a
// *NoLogError carrying the server's text. The caller closes the reader.
func (c *Client) TaskLog(ctx context.Context, id string, offset int64) (io.ReadCloser, error) {
	q := url.Values{}
	if offset != 0 {
		q.Set("offset", strconv.FormatInt(offset, 10))
	}
	resp, err := c.get(ctx, "task/"+url.PathEscape(id)+"/log", q)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusOK {
		return resp.Body, nil
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode == http.StatusNotFound && !isKubernetesStatus(body) && !isHTML(resp) {
		return nil, &NoLogError{TaskID: id, Message: strings.TrimSpace(string(body))}
	}
	return nil, httpError(resp, body)
}

// TaskStates are the values GET /tasks accepts for state ("" = all).
var TaskStates = []string{"running", "pending", "waiting", "complete"}

// Tasks returns GET /tasks?state=&datasource=&max=. state is "" or one of
// TaskStates; datasource "" means all; max <= 0 means the server's
// default (max bounds complete tasks only).
func (c *Client) Tasks(ctx context.Context, state, datasource string, max int) ([]TaskStatusPlus, error) {
	q := url.Values{}
	if state != "" {
		ok := false
		for _, s := range TaskStates {
			ok = ok || s == state
		}
		if !ok {
			return nil, fmt.Errorf("overlord: invalid task state %q (allowed: %v)", state, TaskStates)
		}
		q.Set("state", state)
	}
	if datasource != "" {
		q.Set("datasource", datasource)
	}
	if max > 0 {
		q.Set("max", strconv.Itoa(max))
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	resp, err := c.get(ctx, "tasks", q)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, fmt.Errorf("overlord: reading task list: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, httpError(resp, body)
	}
	var out []TaskStatusPlus
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, fmt.Errorf("overlord: GET %s: unexpected body %q", redact(resp.Request.URL), snippet(body))
	}
	return out, nil
}

func (c *Client) get(ctx context.Context, rel string, q url.Values) (*http.Response, error) {
	return c.getFrom(ctx, c.base, rel, q)
}

// getFrom GETs rel under base (the API base, or the server's root for
// /status/properties) with the client's credentials.
func (c *Client) getFrom(ctx context.Context, base *url.URL, rel string, q url.Values) (*http.Response, error) {
	u := *base
	u.RawPath = base.EscapedPath() + "/" + rel
	u.Path, _ = url.PathUnescape(u.RawPath)
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("overlord: %w", err)
	}
	switch {
	case c.auth.Token != "":
		req.Header.Set("Authorization", "Bearer "+c.auth.Token)
	case c.auth.User != "":
		req.SetBasicAuth(c.auth.User, c.auth.Password)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			// Keep the cause (timeouts stay detectable) with a clean URL.
			return nil, fmt.Errorf("overlord: GET %s: %w", redact(&u), ue.Err)
		}
		return nil, fmt.Errorf("overlord: GET %s: %w", redact(&u), err)
	}
	return resp, nil
}

func httpError(resp *http.Response, body []byte) *HTTPError {
	return &HTTPError{Method: resp.Request.Method, URL: redact(resp.Request.URL), StatusCode: resp.StatusCode, Body: snippet(body)}
}

func redact(u *url.URL) string {
	c := *u
	c.User = nil
	return c.String()
}

// isKubernetesStatus tells the API server proxy's own 404 ("services x not
// found") apart from Druid's.
func isKubernetesStatus(body []byte) bool {
	var s struct {
		Kind string `json:"kind"`
	}
	return json.Unmarshal(body, &s) == nil && s.Kind == "Status"
}

// isHTML tells a web server's page (wrong port, not an Overlord) apart
// from Druid's text/plain 404.
func isHTML(resp *http.Response) bool {
	return strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html")
}
