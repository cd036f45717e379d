package spec

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Pos is a place in the spec file, 1-based.
type Pos struct {
	Line int `json:"line"`
	Col  int `json:"column"`
}

// Severity separates what stops hpctl from what it only points out.
type Severity string

const (
	Error   Severity = "error"
	Warning Severity = "warning"
)

// Diagnostic is one finding about a spec, tied to the spec path that caused it.
type Diagnostic struct {
	Severity Severity `json:"severity"`
	File     string   `json:"file"`
	Pos      Pos      `json:"position"`
	Path     string   `json:"path"`
	Message  string   `json:"message"`
}

// String renders the diagnostic as FILE:LINE:COL: path: message; warnings
// say so, errors do not (the form compilers and editors parse).
func (d Diagnostic) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d:%d: ", d.File, d.Pos.Line, d.Pos.Col)
	if d.Severity == Warning {
		b.WriteString("warning: ")
	}
	if d.Path != "" {
		b.WriteString(d.Path)
		b.WriteString(": ")
	}
	b.WriteString(d.Message)
	return Escape(b.String())
}

// Diagnostics is every finding about one spec.
type Diagnostics []Diagnostic

// HasErrors reports whether any finding is an error.
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Errors returns the errors only.
func (ds Diagnostics) Errors() Diagnostics { return ds.only(Error) }

// Warnings returns the warnings only.
func (ds Diagnostics) Warnings() Diagnostics { return ds.only(Warning) }

func (ds Diagnostics) only(s Severity) Diagnostics {
	var out Diagnostics
	for _, d := range ds {
		if d.Severity == s {
			out = append(out, d)
		}
	}
	return out
}

// Sorted returns the diagnostics in file order, errors before warnings at the
// same place, without duplicates.
func (ds Diagnostics) Sorted() Diagnostics {
	out := append(Diagnostics(nil), ds...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		if a.Pos.Col != b.Pos.Col {
			return a.Pos.Col < b.Pos.Col
		}
		if a.Severity != b.Severity {
			return a.Severity == Error
		}
		return a.Path < b.Path
	})
	dedup := out[:0]
	for i, d := range out {
		if i > 0 && d == out[i-1] {
			continue
		}
		dedup = append(dedup, d)
	}
	return dedup
}

// Error makes a spec with errors usable as a Go error; the CLI prints each
// diagnostic itself and maps this to exit code 2.
func (ds Diagnostics) Error() string {
	errs := ds.Errors()
	if len(errs) == 0 {
		return "no errors"
	}
	if len(errs) == 1 {
		return errs[0].String()
	}
	return fmt.Sprintf("%s (and %d more errors)", errs[0].String(), len(errs)-1)
}

// source remembers where each value of a spec was written.
type source struct {
	file string
	pos  map[string]Pos
}

// File is the name the spec was loaded from ("<stdin>" for standard input).
func (c *Cluster) File() string { return c.src.file }

// Has reports whether the spec file wrote a value at path.
func (c *Cluster) Has(path string) bool {
	_, ok := c.src.pos[path]
	return ok
}

// Pos returns where path was written, or where its nearest written ancestor
// was, so a finding about a missing key points at the mapping that lacks it.
func (c *Cluster) Pos(path string) Pos {
	for p := path; ; p = parentPath(p) {
		if pos, ok := c.src.pos[p]; ok {
			return pos
		}
		if p == "" {
			return Pos{Line: 1, Col: 1}
		}
	}
}

// Diag builds a finding about path, placed where the spec wrote it.
func (c *Cluster) Diag(sev Severity, path, format string, args ...any) Diagnostic {
	return Diagnostic{Severity: sev, File: Escape(c.src.file), Pos: c.Pos(path), Path: path, Message: Escape(fmt.Sprintf(format, args...))}
}

// parentPath drops the last element of a spec path: a.b[2].c → a.b[2] → a.b → a → "".
func parentPath(p string) string {
	if strings.HasSuffix(p, "]") {
		if i := strings.LastIndexByte(p, '['); i >= 0 {
			return p[:i]
		}
	}
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[:i]
	}
	return ""
}

// Under reports whether path is p or lies below it.
func Under(path, p string) bool {
	if p == "" || path == p {
		return true
	}
	return strings.HasPrefix(path, p) && (path[len(p)] == '.' || path[len(p)] == '[')
}

// Escape makes a text from input safe to print: control characters (a
// terminal escape sequence could clear the screen or rewrite what the user
// reads), bidirectional overrides and invalid UTF-8 are written as Go
// escapes (\x1b, \u202e); everything else is left as it is.
func Escape(s string) string {
	if !strings.ContainsFunc(s, unsafeRune) && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case r < 0x80 && unsafeRune(r):
			fmt.Fprintf(&b, "\\x%02x", r)
		case unsafeRune(r):
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\u2028' || r == '\u2029'
}
