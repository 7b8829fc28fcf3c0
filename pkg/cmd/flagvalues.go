package cmd

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// durationValue is a time.Duration flag that also takes days ("1d",
// "1d12h"), which kubectl users type for --since, with an error that says
// what is expected.
type durationValue struct{ d *time.Duration }

// DurationVarDays defines a duration flag that accepts days.
func durationVarDays(fs *pflag.FlagSet, p *time.Duration, name string, value time.Duration, usage string) {
	*p = value
	fs.Var(durationValue{p}, name, usage)
}

var daysPart = regexp.MustCompile(`^(\d+)d`)

func (v durationValue) Set(s string) error {
	t := strings.TrimSpace(s)
	var days time.Duration
	if m := daysPart.FindStringSubmatch(t); m != nil {
		n, err := strconv.Atoi(m[1])
		if err != nil || n > 100000 {
			return fmt.Errorf("expected a duration such as 90s, 15m, 2h or 1d")
		}
		days, t = time.Duration(n)*24*time.Hour, t[len(m[0]):]
		if t == "" {
			*v.d = days
			return nil
		}
	}
	d, err := time.ParseDuration(t)
	if err != nil {
		return fmt.Errorf("expected a duration such as 90s, 15m, 2h or 1d")
	}
	*v.d = days + d
	return nil
}

func (v durationValue) String() string {
	if v.d == nil {
		return "0s"
	}
	return v.d.String()
}

func (v durationValue) Type() string { return "duration" }

// linesValue is --tail: a count of lines, or -1 for all, with an error
// that says so.
type linesValue struct{ n *int64 }

func (v linesValue) Set(s string) error {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return fmt.Errorf("expected a number of lines, or -1 for the whole log")
	}
	*v.n = n
	return nil
}

func (v linesValue) String() string { return strconv.FormatInt(*v.n, 10) }

func (v linesValue) Type() string { return "int" }

// invalidArgument matches pflag's wrapping of a flag value's error.
var invalidArgument = regexp.MustCompile(`^invalid argument "(.*)" for "(.*?)" flag: (.*)$`)

// refusedCredentialFlags are kubectl's flags this plugin refuses, and why.
var refusedCredentialFlags = []string{"--token", "--username", "--password"}

// flagErrorText rewrites a flag parsing error into what the user should
// read: which flag, what it got, what it expects; and why credential
// flags are refused.
func flagErrorText(err error) string {
	text := err.Error()
	for _, f := range refusedCredentialFlags {
		if strings.HasPrefix(text, "unknown flag: "+f) {
			return f + " is not accepted: credentials on the command line are visible to every user in ps and stay in the shell's history." +
				" Put them in a kubeconfig user (kubectl config set-credentials, or an exec/OIDC plugin) and pass --kubeconfig/--context"
		}
	}
	if m := invalidArgument.FindStringSubmatch(text); m != nil {
		return fmt.Sprintf("%s %q: %s", m[2], m[1], m[3])
	}
	return text
}
