package termstyle

import (
	"bytes"
	"testing"
)

func TestUseColor(t *testing.T) {
	tests := []struct {
		mode    ColorMode
		noColor string
		want    bool
	}{
		{Always, "", true},
		{Always, "1", true},
		{Never, "", false},
		{Auto, "", false}, // a buffer is not a terminal
	}
	for _, tt := range tests {
		t.Setenv("NO_COLOR", tt.noColor)
		if got := UseColor(&bytes.Buffer{}, tt.mode); got != tt.want {
			t.Errorf("UseColor(buffer, %s) with NO_COLOR=%q = %v", tt.mode, tt.noColor, got)
		}
	}
}

func TestParseColorMode(t *testing.T) {
	for in, want := range map[string]ColorMode{"": Auto, "auto": Auto, "always": Always, "never": Never} {
		if got, err := ParseColorMode(in); err != nil || got != want {
			t.Errorf("ParseColorMode(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseColorMode("yes"); err == nil {
		t.Error("ParseColorMode(yes) accepted")
	}
}

func TestUTF8(t *testing.T) {
	tests := []struct {
		lcAll, lang string
		want        bool
	}{
		{"", "en_US.UTF-8", true},
		{"C", "en_US.UTF-8", false},
		{"", "", false},
		{"de_DE.utf8", "", true},
	}
	for _, tt := range tests {
		t.Setenv("LC_ALL", tt.lcAll)
		t.Setenv("LC_CTYPE", "")
		t.Setenv("LANG", tt.lang)
		if got := UTF8(); got != tt.want {
			t.Errorf("UTF8() with LC_ALL=%q LANG=%q = %v", tt.lcAll, tt.lang, got)
		}
	}
}

func TestLabelKeepsOneColourPerLabel(t *testing.T) {
	if Label("worker1_0", false) != "[worker1_0]" {
		t.Fatal("without colour a label is plain")
	}
	if a, b := Label("worker1_0", true), Label("worker1_0", true); a != b || a == "[worker1_0]" {
		t.Fatalf("coloured labels %q %q", a, b)
	}
}
