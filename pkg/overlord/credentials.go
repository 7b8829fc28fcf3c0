package overlord

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// Environment variables that carry Overlord credentials.
const (
	EnvUser     = "DRUID_OVERLORD_USER"
	EnvPassword = "DRUID_OVERLORD_PASSWORD"
	EnvToken    = "DRUID_OVERLORD_TOKEN"
)

// Credentials authenticate to the Overlord: basic auth or a bearer token.
// The zero value means no authentication. Its String and GoString never
// show the secret.
type Credentials struct {
	User, Password string
	Token          string
}

// IsZero reports whether no credentials are set.
func (c Credentials) IsZero() bool { return c == Credentials{} }

// String names the kind of credentials and their source of identity only.
func (c Credentials) String() string {
	switch {
	case c.Token != "":
		return "bearer token (redacted)"
	case c.User != "":
		return fmt.Sprintf("basic auth for user %q (password redacted)", c.User)
	}
	return "no credentials"
}

// GoString keeps %#v from printing the secret.
func (c Credentials) GoString() string { return "overlord.Credentials{" + c.String() + "}" }

// LoadCredentials reads credentials from file, if set, else from the
// environment (getenv, normally os.Getenv). The file holds one line:
// "user:password" for basic auth, or a bearer token (no colon). Errors name
// the file or variable, never its content.
func LoadCredentials(file string, getenv func(string) string) (Credentials, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return Credentials{}, fmt.Errorf("overlord credentials file %s: %v", file, err)
		}
		c, err := parseCredentials(string(b))
		if err != nil {
			return Credentials{}, fmt.Errorf("overlord credentials file %s: %v", file, err)
		}
		return c, nil
	}
	user, pass, token := getenv(EnvUser), getenv(EnvPassword), getenv(EnvToken)
	switch {
	case token != "" && (user != "" || pass != ""):
		return Credentials{}, fmt.Errorf("set either %s or %s/%s, not both", EnvToken, EnvUser, EnvPassword)
	case token != "":
		return Credentials{Token: strings.TrimSpace(token)}, nil
	case user != "" && pass == "":
		return Credentials{}, fmt.Errorf("%s is set but %s is empty", EnvUser, EnvPassword)
	case user == "" && pass != "":
		return Credentials{}, fmt.Errorf("%s is set but %s is empty", EnvPassword, EnvUser)
	}
	return Credentials{User: user, Password: pass}, nil
}

func parseCredentials(s string) (Credentials, error) {
	s = strings.TrimRight(s, "\r\n")
	switch {
	case strings.TrimSpace(s) == "":
		return Credentials{}, errors.New("it is empty")
	case strings.ContainsAny(s, "\r\n"):
		return Credentials{}, errors.New("it has more than one line; expected user:password or a token")
	}
	user, pass, ok := strings.Cut(s, ":")
	if !ok {
		return Credentials{Token: strings.TrimSpace(s)}, nil
	}
	if user == "" || pass == "" {
		return Credentials{}, errors.New("expected user:password with both parts non-empty")
	}
	return Credentials{User: user, Password: pass}, nil
}
