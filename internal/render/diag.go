package render

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/hpctl/hpctl/internal/spec"
)

// Diagnostics writes one finding per line, errors and warnings in file order.
func Diagnostics(w io.Writer, ds spec.Diagnostics) error {
	ew := &errWriter{w: w}
	for _, d := range ds.Sorted() {
		ew.printf("%s\n", d.String())
	}
	return ew.err
}

// Validation is the result of `hpctl validate`.
type Validation struct {
	File         string            `json:"file"`
	Valid        bool              `json:"valid"`
	Orchestrator string            `json:"orchestrator,omitempty"`
	Create       []string          `json:"create,omitempty"`
	Skip         []string          `json:"skip,omitempty"`
	Errors       []spec.Diagnostic `json:"errors"`
	Warnings     []spec.Diagnostic `json:"warnings"`
}

// Headline is the verdict on an invalid spec: FILE: N errors, M warnings.
func (v Validation) Headline() string {
	return fmt.Sprintf("%s: %d %s, %d %s", v.File, len(v.Errors), plural(len(v.Errors), "error", "errors"),
		len(v.Warnings), plural(len(v.Warnings), "warning", "warnings"))
}

// ValidationText writes the findings, then one line of verdict.
func ValidationText(w io.Writer, v Validation) error {
	ew := &errWriter{w: w}
	for _, d := range append(spec.Diagnostics(v.Errors), v.Warnings...).Sorted() {
		ew.printf("%s\n", d.String())
	}
	switch {
	case !v.Valid:
		ew.printf("%s\n", v.Headline())
	default:
		ew.printf("%s: valid %s spec: %d %s to create, %d to skip", v.File, v.Orchestrator,
			len(v.Create), plural(len(v.Create), "stack", "stacks"), len(v.Skip))
		if len(v.Warnings) > 0 {
			ew.printf(", %d %s", len(v.Warnings), plural(len(v.Warnings), "warning", "warnings"))
		}
		ew.printf("\n")
	}
	return ew.err
}

// ValidationJSON writes the result as one JSON document on one line.
func ValidationJSON(w io.Writer, v Validation) error {
	if v.Errors == nil {
		v.Errors = []spec.Diagnostic{}
	}
	if v.Warnings == nil {
		v.Warnings = []spec.Diagnostic{}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
