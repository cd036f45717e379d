package emulator

import (
	"strings"
	"testing"
)

// An interpreter named by HPCTL_PYTHON is used or refused, never replaced
// by another the search would find.
func TestANamedPythonWithoutMotoIsRefused(t *testing.T) {
	t.Setenv("HPCTL_PYTHON", "/bin/false")
	py, err := FindPython()
	if err == nil || !strings.HasPrefix(err.Error(), "HPCTL_PYTHON=/bin/false cannot import moto.server, werkzeug (exit status 1): point it at an interpreter with moto[server] 5.x") {
		t.Fatalf("found %q, %v", py, err)
	}
}
