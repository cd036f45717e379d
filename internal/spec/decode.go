package spec

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxNodes bounds how many nodes one spec may expand to, so a file of nested
// aliases ("billion laughs") is refused instead of exhausting memory.
const maxNodes = 20000

// decoder walks a yaml.Node tree into the spec types by their yaml tags. It
// differs from yaml.v3's own decoder in what a spec needs: it records where
// every value was written, keeps going after an error so that every problem
// is reported at once, refuses unknown keys with a suggestion, and refuses
// implicit conversions (a number where a string belongs) instead of guessing.
type decoder struct {
	c     *Cluster
	diags Diagnostics
	bad   []string // paths whose value could not be decoded
	nodes int
}

// boolOrMapping is implemented by settings that a bare true/false may stand for.
type boolOrMapping interface{ setBool(bool) }

var versionType = reflect.TypeOf(Version(""))

func (d *decoder) errorAt(n *yaml.Node, path, format string, args ...any) {
	d.diags = append(d.diags, Diagnostic{
		Severity: Error, File: d.c.src.file, Pos: Pos{Line: n.Line, Col: n.Column},
		Path: path, Message: Escape(fmt.Sprintf(format, args...)),
	})
	d.bad = append(d.bad, path)
}

func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	if d.nodes++; d.nodes > maxNodes {
		if d.nodes == maxNodes+1 {
			d.errorAt(n, path, "the spec expands to more than %d values (aliases?); refusing to read further", maxNodes)
		}
		return
	}
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if _, seen := d.c.src.pos[path]; !seen {
		d.c.src.pos[path] = Pos{Line: n.Line, Col: n.Column}
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return // an empty value leaves the default, as an absent key would
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Struct:
		d.decodeStruct(n, v, path)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.errorAt(n, path, "expected a list, got %s", describe(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			d.decode(item, s.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
		v.Set(s)
	case reflect.Map:
		d.decodeMap(n, v, path)
	case reflect.String:
		d.decodeString(n, v, path)
	case reflect.Int:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
			d.errorAt(n, path, "expected a whole number, got %s", describe(n))
			return
		}
		var i int64
		if err := n.Decode(&i); err != nil || i < -1<<31 || i > 1<<31-1 {
			d.errorAt(n, path, "%s is out of range", n.Value)
			return
		}
		v.SetInt(i)
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
			d.errorAt(n, path, "expected true or false, got %s", describe(n))
			return
		}
		var b bool
		_ = n.Decode(&b) // a !!bool scalar always decodes
		v.SetBool(b)
	default:
		// Only the types above appear in the spec; a new one must be taught here.
		d.errorAt(n, path, "hpctl cannot read a value of Go type %s", v.Type())
	}
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	if bm, ok := v.Addr().Interface().(boolOrMapping); ok && n.Kind == yaml.ScalarNode && n.ShortTag() == "!!bool" {
		var b bool
		_ = n.Decode(&b)
		bm.setBool(b)
		return
	}
	if n.Kind != yaml.MappingNode {
		d.errorAt(n, path, "expected a mapping, got %s", describe(n))
		return
	}
	fields := fieldsOf(v.Type())
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		name, ok := d.key(k, path)
		if !ok {
			continue
		}
		child := join(path, name)
		if prev, dup := seen[name]; dup {
			d.errorAt(k, child, "%q is already set at line %d", name, prev.Line)
			continue
		}
		seen[name] = k
		idx, known := fields[name]
		if !known {
			d.errorAt(k, child, "unknown field %q%s", name, suggestField(name, path, fields))
			continue
		}
		// Point at the key for block values, so "metadata:" is where an error
		// about the whole mapping shows, not the first line inside it.
		if val.Kind == yaml.MappingNode || val.Kind == yaml.SequenceNode {
			d.c.src.pos[child] = Pos{Line: k.Line, Col: k.Column}
		}
		d.decode(val, v.Field(idx), child)
	}
}

func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.errorAt(n, path, "expected a mapping, got %s", describe(n))
		return
	}
	m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		name, ok := d.key(k, path)
		if !ok {
			continue
		}
		child := join(path, name)
		if line, dup := seen[name]; dup {
			d.errorAt(k, child, "%q is already set at line %d", name, line)
			continue
		}
		seen[name] = k.Line
		elem := reflect.New(v.Type().Elem()).Elem()
		d.decode(val, elem, child)
		m.SetMapIndex(reflect.ValueOf(name), elem)
	}
	v.Set(m)
}

// key reads a mapping key, which must be a plain string.
func (d *decoder) key(k *yaml.Node, path string) (string, bool) {
	for k.Kind == yaml.AliasNode {
		k = k.Alias
	}
	switch {
	case k.ShortTag() == "!!merge":
		d.errorAt(k, path, "merge keys (<<) are not supported; write the values out")
		return "", false
	case k.Kind != yaml.ScalarNode:
		d.errorAt(k, path, "a key must be a plain name, got %s", describe(k))
		return "", false
	}
	return k.Value, true
}

func (d *decoder) decodeString(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.ScalarNode {
		d.errorAt(n, path, "expected a string, got %s", describe(n))
		return
	}
	tag := n.ShortTag()
	switch {
	case tag == "!!str":
	case v.Type() == versionType && (tag == "!!int" || tag == "!!float"):
		// `version: 1.30` keeps its text; a float would have made it "1.3".
	default:
		d.errorAt(n, path, "expected a string, got %s; quote it: %q", describe(n), n.Value)
		return
	}
	v.SetString(n.Value)
}

// describe names a node's kind the way a user reads YAML.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!str":
			return fmt.Sprintf("the string %q", n.Value)
		case "!!int", "!!float":
			return "the number " + n.Value
		case "!!bool":
			return n.Value
		case "!!null":
			return "nothing"
		}
		return fmt.Sprintf("%s %s", n.ShortTag(), n.Value)
	}
	return "an unexpected value"
}

func join(path, name string) string {
	name = Escape(name) // a key is printed as part of its path
	if path == "" {
		return name
	}
	return path + "." + name
}

// fieldsOf maps yaml key → field index for a spec struct.
func fieldsOf(t reflect.Type) map[string]int {
	out := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		name := yamlName(t.Field(i))
		if name != "" {
			out[name] = i
		}
	}
	return out
}

func yamlName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" {
		return ""
	}
	return name
}

// suggestField offers the closest known key at this level, or else the place
// in the spec where a key of that name belongs.
func suggestField(name, path string, fields map[string]int) string {
	names := make([]string, 0, len(fields))
	for f := range fields {
		names = append(names, f)
	}
	sort.Strings(names)
	if best := Closest(name, names); best != "" {
		return fmt.Sprintf("; did you mean %q?", best)
	}
	for _, p := range specPaths() {
		last := p[strings.LastIndexByte(p, '.')+1:]
		if strings.EqualFold(last, name) && parentPath(p) != path {
			return fmt.Sprintf("; %q belongs at %s", last, p)
		}
	}
	if len(names) > 0 {
		return "; expected one of: " + strings.Join(names, ", ")
	}
	return ""
}

// specPaths lists every key path of the spec, shortest first, by walking the
// types; list elements show as "[]" (cluster.instanceGroups[].name).
func specPaths() []string {
	var out []string
	var walk func(t reflect.Type, path string, depth int)
	walk = func(t reflect.Type, path string, depth int) {
		if t.Kind() != reflect.Struct || depth > 6 {
			return
		}
		for i := 0; i < t.NumField(); i++ {
			name := yamlName(t.Field(i))
			if name == "" {
				continue
			}
			p, ft := join(path, name), t.Field(i).Type
			out = append(out, p)
			for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice {
				if ft.Kind() == reflect.Slice {
					p += "[]"
				}
				ft = ft.Elem()
			}
			walk(ft, p, depth+1)
		}
	}
	walk(reflect.TypeOf(Cluster{}), "", 0)
	sort.SliceStable(out, func(i, j int) bool { return strings.Count(out[i], ".") < strings.Count(out[j], ".") })
	return out
}
