package spec

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// StdinName is how diagnostics name a spec read from standard input.
const StdinName = "<stdin>"

// Load reads one spec document strictly and validates its shape. It returns
// every problem it finds. The Cluster is nil only when the file could not be
// read as a mapping at all; otherwise it is returned even with errors, so a
// caller can add findings of its own (the plan's) before reporting them all.
func Load(file string, data []byte) (*Cluster, Diagnostics) {
	c := &Cluster{src: source{file: file, pos: map[string]Pos{}}}
	fail := func(pos Pos, format string, args ...any) (*Cluster, Diagnostics) {
		d := c.Diag(Error, "", format, args...)
		d.Pos = pos
		return nil, Diagnostics{d}
	}

	if i := bytes.IndexByte(data, 0); i >= 0 || !utf8.Valid(data) {
		if i < 0 {
			i = firstInvalidUTF8(data)
		}
		return fail(offsetPos(data, i), "this is not a text file (binary data at byte %d); a spec is YAML text", i)
	}
	if len(bytes.TrimSpace(stripComments(data))) == 0 {
		return fail(Pos{Line: 1, Col: 1}, "the spec is empty; `hpctl init eks` or `hpctl init slurm` writes a starter")
	}

	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		return fail(syntaxPos(data, err), "%s", syntaxMessage(err))
	}
	var second yaml.Node
	switch err := dec.Decode(&second); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return fail(syntaxPos(data, err), "%s", syntaxMessage(err))
	default:
		return fail(Pos{Line: second.Line, Col: second.Column}, "a spec file holds one document; another starts here (remove the ---)")
	}

	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	for root.Kind == yaml.AliasNode {
		root = root.Alias
	}
	if root.Kind != yaml.MappingNode {
		return fail(Pos{Line: root.Line, Col: root.Column}, "a spec is a mapping (apiVersion: …, kind: Cluster, …), got %s", describe(root))
	}

	d := &decoder{c: c}
	d.decode(root, reflect.ValueOf(c).Elem(), "")
	diags := d.diags
	// A value that could not be decoded was left at its zero; do not also
	// report it as missing or out of range.
	for _, v := range c.validate() {
		if !underAny(v.Path, d.bad) {
			diags = append(diags, v)
		}
	}
	return c, diags.Sorted()
}

func underAny(path string, bad []string) bool {
	for _, b := range bad {
		if Under(path, b) {
			return true
		}
	}
	return false
}

var reYAMLLine = regexp.MustCompile(`line (\d+)`)

// syntaxPos places a YAML syntax error. The parser names only the line; the
// column is where that line's text begins.
func syntaxPos(data []byte, err error) Pos {
	m := reYAMLLine.FindStringSubmatch(err.Error())
	if m == nil {
		return Pos{Line: 1, Col: 1}
	}
	line, _ := strconv.Atoi(m[1])
	lines := strings.Split(string(data), "\n")
	col := 1
	if line >= 1 && line <= len(lines) {
		text := lines[line-1]
		col = len(text) - len(strings.TrimLeft(text, " \t")) + 1
	}
	return Pos{Line: max(line, 1), Col: col}
}

// syntaxMessage strips yaml.v3's "yaml: line N: " so the position is said once.
func syntaxMessage(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = reYAMLLine.ReplaceAllString(msg, "")
	msg = strings.TrimLeft(msg, ": ")
	return "invalid YAML: " + msg
}

func stripComments(data []byte) []byte {
	var out []byte
	for _, line := range bytes.Split(data, []byte("\n")) {
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' && !bytes.Equal(t, []byte("---")) {
			out = append(out, t...)
		}
	}
	return out
}

func firstInvalidUTF8(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return 0
}

func offsetPos(data []byte, off int) Pos {
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := off - bytes.LastIndexByte(data[:off], '\n')
	return Pos{Line: line, Col: col}
}
