package render

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/hpctl/hpctl/internal/spec"
)

func TestValidationText(t *testing.T) {
	errDiag := spec.Diagnostic{Severity: spec.Error, File: "c.yaml", Pos: spec.Pos{Line: 3, Col: 5}, Path: "metadata.name", Message: "is required"}
	warn := spec.Diagnostic{Severity: spec.Warning, File: "c.yaml", Pos: spec.Pos{Line: 1, Col: 1}, Path: "ssm", Message: "careful"}
	for _, tc := range []struct {
		v    Validation
		want string
	}{
		{Validation{File: "c.yaml", Errors: []spec.Diagnostic{errDiag}, Warnings: []spec.Diagnostic{warn}},
			"c.yaml:1:1: warning: ssm: careful\nc.yaml:3:5: metadata.name: is required\nc.yaml: 1 error, 1 warning\n"},
		{Validation{File: "c.yaml", Valid: true, Orchestrator: "slurm", Create: []string{"A", "B"}, Skip: []string{"C"}},
			"c.yaml: valid slurm spec: 2 nested stacks to create, 1 to skip\n"},
		{Validation{File: "c.yaml", Valid: true, Orchestrator: "eks", Create: []string{"A"}, Warnings: []spec.Diagnostic{warn}},
			"c.yaml:1:1: warning: ssm: careful\nc.yaml: valid eks spec: 1 nested stack to create, 0 to skip, 1 warning\n"},
	} {
		var b bytes.Buffer
		if err := ValidationText(&b, tc.v); err != nil {
			t.Fatal(err)
		}
		if b.String() != tc.want {
			t.Errorf("got\n%s\nwant\n%s", b.String(), tc.want)
		}
	}
}

// JSON output never has null lists: a program can range over them.
func TestValidationJSONLists(t *testing.T) {
	var b bytes.Buffer
	if err := ValidationJSON(&b, Validation{File: "c.yaml", Valid: true}); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"errors", "warnings"} {
		if _, ok := got[k].([]any); !ok {
			t.Errorf("%s is %v, want a list", k, got[k])
		}
	}
}

func TestTrimLines(t *testing.T) {
	if got := string(trimLines([]byte("a  \nb\t \n  c"))); got != "a\nb\t\n  c" {
		t.Errorf("%q", got)
	}
}
