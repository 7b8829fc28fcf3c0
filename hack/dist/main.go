// Command dist writes the release archives and their checksum list byte for
// byte the same on every run, whatever the machine, umask or file system
// order. `make dist` (hack/release.mk) calls it:
//
//	go run ./hack/dist archive -mtime EPOCH -o OUT.tar.gz|OUT.zip FILE...
//	go run ./hack/dist checksums -o checksums.txt FILE...
//
// An archive holds each FILE under its base name, sorted by name, owned by
// 0:0, stamped with the given mtime (the commit time), with mode 0755 when the
// source file is executable and 0644 otherwise. checksums.txt is in the format
// of `sha256sum` (two spaces between digest and base name), sorted by name.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "dist:", err)
		os.Exit(1)
	}
}

// run dispatches to a subcommand; it is main without the process exit.
func run(args []string, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: dist archive|checksums [flags] FILE")
	}
	fs := flag.NewFlagSet("dist "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "output file (required)")
	switch args[0] {
	case "archive":
		mtime := fs.Int64("mtime", 0, "modification time of every entry, in Unix seconds (use the commit time)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *out == "" || fs.NArg() == 0 {
			return fmt.Errorf("archive: need -o and at least one FILE")
		}
		return writeArchive(*out, *mtime, fs.Args())
	case "checksums":
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *out == "" || fs.NArg() == 0 {
			return fmt.Errorf("checksums: need -o and at least one FILE")
		}
		return writeChecksums(*out, fs.Args())
	default:
		return fmt.Errorf("unknown subcommand %q: want archive or checksums", args[0])
	}
}
