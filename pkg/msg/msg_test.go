package msg

import (
	"errors"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestHelpers(t *testing.T) {
	tests := []struct{ name, got, want string }{
		{"one line of several", OneLine("  first \nsecond\n"), "first"},
		{"one line already", OneLine("only"), "only"},
		{"empty is none", OrNone(""), "<none>"},
		{"value kept", OrNone("x"), "x"},
		{"API status message", APIMessage(apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, "p")), `pods "p" not found`},
		{"plain error", APIMessage(errors.New("boom")), "boom"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}
