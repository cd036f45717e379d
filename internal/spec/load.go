package spec

import (
	"bytes"
	"errors"
	"fmt"
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
		return fail(syntaxPos(data, err), "%s", syntaxMessage(data, err))
	}
	var second yaml.Node
	switch err := dec.Decode(&second); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return fail(syntaxPos(data, err), "%s", syntaxMessage(data, err))
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
		return fail(Pos{Line: root.Line, Col: root.Column}, "a spec is a mapping (apiVersion: …, kind: Cluster, …), got %s; is %s the spec file?", shape(root), file)
	}
	if pos, keys, foreign := notASpec(root); foreign {
		return fail(pos, "this is not an hpctl spec: none of its keys (%s) is a spec key such as apiVersion, kind or metadata; is %s the spec file?", keys, file)
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

// shape names what a document is without its value: a file passed by
// mistake (.env, a token) must not have its contents printed.
func shape(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!int", "!!float":
			return "a number"
		case "!!bool":
			return "a boolean"
		}
		return "plain text"
	}
	return describe(n)
}

// notASpec reports a mapping none of whose keys a spec has: another kind of
// file. It names at most five keys and never a value.
func notASpec(root *yaml.Node) (Pos, string, bool) {
	if len(root.Content) == 0 {
		return Pos{}, "", false
	}
	known := fieldsOf(reflect.TypeOf(Cluster{}))
	var keys []string
	for i := 0; i+1 < len(root.Content); i += 2 {
		k := root.Content[i]
		if _, ok := known[k.Value]; ok {
			return Pos{}, "", false
		}
		if len(keys) < 5 {
			keys = append(keys, fmt.Sprintf("%s at line %d", Escape(k.Value), k.Line))
		}
	}
	if n := len(root.Content) / 2; n > len(keys) {
		keys = append(keys, fmt.Sprintf("%d more", n-len(keys)))
	}
	return Pos{Line: root.Line, Col: root.Column}, strings.Join(keys, ", "), true
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

// syntaxLine is the line a yaml.v3 error names, or 0.
func syntaxLine(err error) int {
	m := reYAMLLine.FindStringSubmatch(err.Error())
	if m == nil {
		return 0
	}
	line, _ := strconv.Atoi(m[1])
	return line
}

// syntaxPos places a YAML syntax error. The parser names only the line; the
// column is where that line's text begins.
func syntaxPos(data []byte, err error) Pos {
	line := syntaxLine(err)
	if line == 0 {
		return Pos{Line: 1, Col: 1}
	}
	lines := strings.Split(string(data), "\n")
	if pos, ok := tabIndent(lines, line, err); ok {
		return pos
	}
	col := 1
	if line >= 1 && line <= len(lines) {
		text := lines[line-1]
		col = len(text) - len(strings.TrimLeft(text, " \t")) + 1
	}
	return Pos{Line: max(line, 1), Col: col}
}

// tabIndent finds the tab that broke the indentation. yaml.v3 reports it as
// "found a tab character" at the line before the tab's (where the token it
// was scanning began), or as "found character that cannot start any token"
// at the tab's own line.
func tabIndent(lines []string, line int, err error) (Pos, bool) {
	msg := err.Error()
	from := line - 1
	switch {
	case strings.Contains(msg, "found a tab character"):
	case strings.Contains(msg, "cannot start any token"):
		from = line
	default:
		return Pos{}, false
	}
	for i := max(from-1, 0); i < len(lines) && i <= line; i++ {
		indent := lines[i][:len(lines[i])-len(strings.TrimLeft(lines[i], " \t"))]
		if j := strings.IndexByte(indent, '\t'); j >= 0 {
			return Pos{Line: i + 1, Col: j + 1}, true
		}
	}
	return Pos{}, false
}

// syntaxMessage strips yaml.v3's "yaml: line N: " so the position is said once.
func syntaxMessage(data []byte, err error) string {
	if _, tab := tabIndent(strings.Split(string(data), "\n"), syntaxLine(err), err); tab {
		return "invalid YAML: a tab indents this line; YAML indents with spaces only"
	}
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
