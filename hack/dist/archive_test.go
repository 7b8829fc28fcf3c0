package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fixture writes the files of an archive into a new directory with the given
// permissions and file mtime, and returns their paths in the given order.
func fixture(t *testing.T, exePerm os.FileMode, fileTime time.Time, reverse bool) []string {
	t.Helper()
	dir := t.TempDir()
	files := []struct {
		name string
		perm os.FileMode
		body string
	}{
		{"kubectl-druid_logs", exePerm, "binary"},
		{"LICENSE", 0o664, "Apache License"},
		{"kubectl_complete-druid_logs", 0o775, "#!/bin/sh\n"},
	}
	var paths []string
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, []byte(f.body), f.perm); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, f.perm); err != nil { // umask must not matter
			t.Fatal(err)
		}
		if err := os.Chtimes(p, fileTime, fileTime); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	if reverse {
		for i, j := 0, len(paths)-1; i < j; i, j = i+1, j-1 {
			paths[i], paths[j] = paths[j], paths[i]
		}
	}
	return paths
}

type listed struct {
	name  string
	mode  int64
	mtime time.Time
	body  string
}

func listTarGz(t *testing.T, b []byte) []listed {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if gz.Name != "" || !gz.ModTime.IsZero() {
		t.Errorf("gzip header carries name %q / mtime %v", gz.Name, gz.ModTime)
	}
	tr := tar.NewReader(gz)
	var out []listed
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" {
			t.Errorf("%s: owner %d:%d (%q:%q), want 0:0", h.Name, h.Uid, h.Gid, h.Uname, h.Gname)
		}
		body, _ := io.ReadAll(tr)
		out = append(out, listed{h.Name, h.Mode, h.ModTime.UTC(), string(body)})
	}
}

func listZip(t *testing.T, b []byte) []listed {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var out []listed
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(rc)
		rc.Close()
		out = append(out, listed{f.Name, int64(f.Mode().Perm()), f.Modified.UTC(), string(body)})
	}
	return out
}

func TestArchivesAreDeterministicAndNormalised(t *testing.T) {
	commit := time.Date(2026, 3, 4, 5, 6, 8, 0, time.UTC)
	want := []listed{
		{"LICENSE", 0o644, commit, "Apache License"},
		{"kubectl-druid_logs", 0o755, commit, "binary"},
		{"kubectl_complete-druid_logs", 0o755, commit, "#!/bin/sh\n"},
	}
	tests := []struct {
		name string
		file string
		list func(*testing.T, []byte) []listed
	}{
		{"tar.gz", "a.tar.gz", listTarGz},
		{"zip", "a.zip", listZip},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Two builds that differ in file order, permission bits and file
			// times must give the same bytes.
			first := filepath.Join(t.TempDir(), tt.file)
			second := filepath.Join(t.TempDir(), tt.file)
			if err := writeArchive(first, commit.Unix(), fixture(t, 0o700, time.Now(), false)); err != nil {
				t.Fatal(err)
			}
			if err := writeArchive(second, commit.Unix(), fixture(t, 0o755, time.Unix(1, 0), true)); err != nil {
				t.Fatal(err)
			}
			a, _ := os.ReadFile(first)
			b, _ := os.ReadFile(second)
			if !bytes.Equal(a, b) {
				t.Fatalf("archives differ (%d and %d bytes)", len(a), len(b))
			}
			got := tt.list(t, a)
			if len(got) != len(want) {
				t.Fatalf("entries %+v, want %+v", got, want)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("entry %d = %+v, want %+v", i, got[i], want[i])
				}
			}
		})
	}
}

func TestZipRaisesMtimeBefore1980(t *testing.T) {
	out := filepath.Join(t.TempDir(), "a.zip")
	if err := writeArchive(out, 0, fixture(t, 0o755, time.Now(), false)); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	for _, e := range listZip(t, b) {
		if !e.mtime.Equal(zipEpoch) {
			t.Errorf("%s: mtime %v, want %v", e.name, e.mtime, zipEpoch)
		}
	}
}

func TestChecksumsFormat(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"b.zip": "", "a.tar.gz": "abc"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "checksums.txt")
	err := writeChecksums(out, []string{filepath.Join(dir, "b.zip"), filepath.Join(dir, "a.tar.gz")})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(out)
	want := "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  a.tar.gz\n" +
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  b.zip\n"
	if string(got) != want {
		t.Errorf("checksums.txt =\n%s\nwant\n%s", got, want)
	}
}

func TestRunRejectsBadInput(t *testing.T) {
	dir := t.TempDir()
	paths := fixture(t, 0o755, time.Now(), false)
	sub := filepath.Join(dir, "sub")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	dup := filepath.Join(sub, "LICENSE")
	if err := os.WriteFile(dup, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"no subcommand", nil, "usage"},
		{"unknown subcommand", []string{"pack"}, "unknown subcommand"},
		{"archive without output", []string{"archive", paths[0]}, "need -o"},
		{"archive without files", []string{"archive", "-o", filepath.Join(dir, "x.zip")}, "need -o"},
		{"unknown format", []string{"archive", "-o", filepath.Join(dir, "x.7z"), paths[0]}, "want a .tar.gz or .zip"},
		{"directory", []string{"archive", "-o", filepath.Join(dir, "x.zip"), sub}, "not a regular file"},
		{"duplicate base name", []string{"archive", "-o", filepath.Join(dir, "x.zip"), paths[1], dup}, "would both be stored as LICENSE"},
		{"missing file", []string{"checksums", "-o", filepath.Join(dir, "c.txt"), filepath.Join(dir, "nope")}, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			err := run(tt.args, &stderr)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("run(%q) = %v, want error containing %q", tt.args, err, tt.wantErr)
			}
		})
	}
}
