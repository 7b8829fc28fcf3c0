package overlord

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadCredentials(t *testing.T) {
	tests := []struct {
		name    string
		file    *string
		env     map[string]string
		want    Credentials
		wantErr string
	}{
		{"user:password file", ptr("admin:pa:ss\n"), nil, Credentials{User: "admin", Password: "pa:ss"}, ""},
		{"token file", ptr("  eyJtoken \r\n"), nil, Credentials{Token: "eyJtoken"}, ""},
		{"file wins over env", ptr("tok"), map[string]string{EnvUser: "u", EnvPassword: "p"}, Credentials{Token: "tok"}, ""},
		{"empty file", ptr("\n"), nil, Credentials{}, "empty"},
		{"two lines", ptr("admin:s3cret\nmore\n"), nil, Credentials{}, "more than one line"},
		{"no password", ptr("admin:\n"), nil, Credentials{}, "both parts"},
		{"env basic", nil, map[string]string{EnvUser: "u", EnvPassword: "s3cret"}, Credentials{User: "u", Password: "s3cret"}, ""},
		{"env token", nil, map[string]string{EnvToken: "s3cret"}, Credentials{Token: "s3cret"}, ""},
		{"env both kinds", nil, map[string]string{EnvToken: "s3cret", EnvUser: "u"}, Credentials{}, "not both"},
		{"env user only", nil, map[string]string{EnvUser: "u"}, Credentials{}, EnvPassword + " is empty"},
		{"env password only", nil, map[string]string{EnvPassword: "s3cret"}, Credentials{}, EnvUser + " is empty"},
		{"nothing", nil, nil, Credentials{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := ""
			if tt.file != nil {
				file = filepath.Join(t.TempDir(), "creds")
				if err := os.WriteFile(file, []byte(*tt.file), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			got, err := LoadCredentials(file, func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Fatalf("error leaks the secret: %v", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
	if _, err := LoadCredentials("/nonexistent/creds", os.Getenv); err == nil || !strings.Contains(err.Error(), "/nonexistent/creds") {
		t.Fatalf("missing file: %v", err)
	}
}

func ptr(s string) *string { return &s }

// TestSecretsNeverPrinted formats every value that holds a secret in every
// way a caller might, and provokes every error kind, and looks for the
// secret in the text.
func TestSecretsNeverPrinted(t *testing.T) {
	const secret = "Sup3rS3cret"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/status"):
			w.WriteHeader(http.StatusUnauthorized)
		case strings.HasSuffix(r.URL.Path, "/log"):
			w.WriteHeader(http.StatusInternalServerError)
		default:
			w.Write([]byte("not json"))
		}
	}))
	defer srv.Close()
	creds := []Credentials{{User: "admin", Password: secret}, {Token: secret}}
	for _, cr := range creds {
		opts := Options{URL: srv.URL}
		opts.SetCredentials(cr)
		c, err := New(opts)
		if err != nil {
			t.Fatal(err)
		}
		var texts []string
		for _, v := range []any{cr, &cr, opts, &opts, c} {
			texts = append(texts, fmt.Sprintf("%v %+v %#v %s", v, v, v, v))
		}
		_, err1 := c.TaskStatus(context.Background(), "t")
		_, err2 := c.TaskLog(context.Background(), "t", -10)
		_, err3 := c.Tasks(context.Background(), "running", "", 0)
		bad := opts
		bad.URL = "http://127.0.0.1:1"
		cb, _ := New(bad)
		_, err4 := cb.TaskStatus(context.Background(), "t")
		_, err5 := NewForService(http.DefaultTransport, "https://api", ServiceRef{Name: "o", Port: "8081"}, "ns", opts)
		for _, err := range []error{err1, err2, err3, err4, err5} {
			if err == nil {
				t.Fatal("expected an error")
			}
			texts = append(texts, err.Error(), fmt.Sprintf("%#v", err))
			var he *HTTPError
			if errors.As(err, &he) {
				texts = append(texts, fmt.Sprintf("%+v", *he))
			}
		}
		for _, s := range texts {
			if strings.Contains(s, secret) {
				t.Fatalf("secret printed: %s", s)
			}
		}
	}
}
