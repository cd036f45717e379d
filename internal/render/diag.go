package render

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/hpctl/hpctl/internal/spec"
)

// Validation is the result of `hpctl validate`.
type Validation struct {
	File         string            `json:"file"`
	Valid        bool              `json:"valid"`
	Orchestrator string            `json:"orchestrator,omitempty"`
	Create       []string          `json:"create,omitempty"`
	Skip         []string          `json:"skip,omitempty"`
	Errors       []spec.Diagnostic `json:"errors"`
	Warnings     []spec.Diagnostic `json:"warnings"`
	// Omitted counts the findings past the first MaxFindings, which are
	// not listed: a hostile or broken file must not flood the terminal.
	Omitted struct {
		Errors   int `json:"errors"`
		Warnings int `json:"warnings"`
	} `json:"omitted"`
}

// MaxFindings is how many findings a validation lists.
const MaxFindings = 50

// NewValidation lists the first MaxFindings findings in file order (errors
// before warnings at one place) and counts the rest.
func NewValidation(file string, ds spec.Diagnostics) Validation {
	v := Validation{File: file, Errors: []spec.Diagnostic{}, Warnings: []spec.Diagnostic{}}
	for i, d := range ds.Sorted() {
		shown := i < MaxFindings
		switch {
		case d.Severity == spec.Error && shown:
			v.Errors = append(v.Errors, d)
		case d.Severity == spec.Error:
			v.Omitted.Errors++
		case shown:
			v.Warnings = append(v.Warnings, d)
		default:
			v.Omitted.Warnings++
		}
	}
	v.Valid = len(v.Errors)+v.Omitted.Errors == 0
	return v
}

// Headline is the verdict on an invalid spec: FILE: N errors, M warnings.
func (v Validation) Headline() string {
	e, w := len(v.Errors)+v.Omitted.Errors, len(v.Warnings)+v.Omitted.Warnings
	return fmt.Sprintf("%s: %d %s, %d %s", v.File, e, plural(e, "error", "errors"), w, plural(w, "warning", "warnings"))
}

// ValidationText writes the findings, then one line of verdict.
func ValidationText(w io.Writer, v Validation) error {
	ew := &errWriter{w: w}
	for _, d := range append(spec.Diagnostics(v.Errors), v.Warnings...).Sorted() {
		ew.printf("%s\n", d.String())
	}
	if n := v.Omitted.Errors + v.Omitted.Warnings; n > 0 {
		ew.printf("%s: %d more not shown (hpctl lists the first %d); fix these and run it again\n", v.File, n, MaxFindings)
	}
	switch {
	case !v.Valid:
		ew.printf("%s\n", v.Headline())
	default:
		ew.printf("%s: valid %s spec: %d nested %s to create, %d to skip", v.File, v.Orchestrator,
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
