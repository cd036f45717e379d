// Package template reads a CloudFormation template as data: its parameters,
// mappings, conditions, resources and outputs, in the order the template
// writes them. It evaluates conditions and property values on a set of
// parameter values the way CloudFormation does, so that what a plan says
// follows from the template that will be deployed, not from a copy of it.
// It knows nothing of hpctl's spec.
package template

import (
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxNodes bounds the size of a template hpctl parses; the hosted main
// stacks have about 12,000 nodes.
const maxNodes = 400000

// Template is a parsed CloudFormation template.
type Template struct {
	Description string
	// Transforms are the macros the template names (AWS::LanguageExtensions…).
	Transforms []string
	// Parameters, Resources and Outputs keep the template's order.
	Parameters []Parameter
	Mappings   map[string]map[string]map[string]any
	Conditions map[string]any
	Resources  []Resource
	Outputs    []Output

	params    map[string]int
	resources map[string]int
}

// Parameter is one parameter declaration. Values are strings, as
// CloudFormation passes them.
type Parameter struct {
	Name string
	Type string
	// Default is nil when the parameter has none (it must then be given).
	Default        *string
	AllowedValues  []string
	AllowedPattern string
	MinLength      *int
	MaxLength      *int
	MinValue       *float64
	MaxValue       *float64
	Description    string
}

// Resource is one resource of the template.
type Resource struct {
	ID        string
	Type      string
	Condition string
	DependsOn []string
	// Properties are the resource's properties as generic values: string,
	// []any, map[string]any or nil; intrinsic functions are one-key maps
	// ("Ref", "Fn::If", …), whether the template wrote them long or short.
	Properties     map[string]any
	DeletionPolicy any
}

// Output is one output of the template.
type Output struct {
	Name      string
	Condition string
	Value     any
}

// StackType is the type of a nested stack resource.
const StackType = "AWS::CloudFormation::Stack"

// Parse reads a template written in YAML (long or short intrinsic forms) or
// JSON.
func Parse(body []byte) (*Template, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("not a template: %v", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, errors.New("not a template: the document is empty")
	}
	r := &reader{}
	root, err := r.value(doc.Content[0])
	if err != nil {
		return nil, err
	}
	top, ok := root.(map[string]any)
	if !ok {
		return nil, errors.New("not a template: the document is not a mapping")
	}
	t := &Template{Conditions: map[string]any{}, Mappings: map[string]map[string]map[string]any{}}
	t.Description, _ = top["Description"].(string)
	switch tr := top["Transform"].(type) {
	case string:
		t.Transforms = []string{tr}
	case []any:
		for _, x := range tr {
			if s, ok := x.(string); ok {
				t.Transforms = append(t.Transforms, s)
			}
		}
	}
	if c, ok := top["Conditions"].(map[string]any); ok {
		t.Conditions = c
	}
	if err := t.readMappings(top["Mappings"]); err != nil {
		return nil, err
	}
	order := keyOrder(doc.Content[0])
	if err := t.readParameters(top["Parameters"], order["Parameters"]); err != nil {
		return nil, err
	}
	if err := t.readResources(top["Resources"], order["Resources"]); err != nil {
		return nil, err
	}
	t.readOutputs(top["Outputs"], order["Outputs"])
	if len(t.Resources) == 0 {
		return nil, errors.New("not a template: it has no Resources")
	}
	t.index()
	return t, nil
}

// Parameter returns the declaration of a parameter.
func (t *Template) Parameter(name string) (Parameter, bool) {
	i, ok := t.params[name]
	if !ok {
		return Parameter{}, false
	}
	return t.Parameters[i], true
}

// Resource returns the resource of that logical ID.
func (t *Template) Resource(id string) (Resource, bool) {
	i, ok := t.resources[id]
	if !ok {
		return Resource{}, false
	}
	return t.Resources[i], true
}

// index makes Parameter and Resource lookups constant time; a Template
// changed after Parse must be indexed again.
func (t *Template) index() {
	t.params, t.resources = make(map[string]int, len(t.Parameters)), make(map[string]int, len(t.Resources))
	for i, p := range t.Parameters {
		t.params[p.Name] = i
	}
	for i, r := range t.Resources {
		t.resources[r.ID] = i
	}
}

// NestedStacks are the template's AWS::CloudFormation::Stack resources.
func (t *Template) NestedStacks() []Resource {
	var out []Resource
	for _, r := range t.Resources {
		if r.Type == StackType {
			out = append(out, r)
		}
	}
	return out
}

func (t *Template) readMappings(x any) error {
	if x == nil {
		return nil
	}
	m, ok := x.(map[string]any)
	if !ok {
		return errors.New("Mappings is not a mapping")
	}
	for name, top := range m {
		tm, ok := top.(map[string]any)
		if !ok {
			return fmt.Errorf("mapping %s is not a mapping", name)
		}
		t.Mappings[name] = map[string]map[string]any{}
		for k, second := range tm {
			sm, ok := second.(map[string]any)
			if !ok {
				return fmt.Errorf("mapping %s.%s is not a mapping", name, k)
			}
			t.Mappings[name][k] = sm
		}
	}
	return nil
}

func (t *Template) readParameters(x any, order []string) error {
	if x == nil {
		return nil
	}
	m, ok := x.(map[string]any)
	if !ok {
		return errors.New("Parameters is not a mapping")
	}
	for _, name := range order {
		d, ok := m[name].(map[string]any)
		if !ok {
			return fmt.Errorf("parameter %s is not a mapping", name)
		}
		p := Parameter{Name: name}
		p.Type, _ = d["Type"].(string)
		if p.Type == "" {
			return fmt.Errorf("parameter %s has no Type", name)
		}
		if v, ok := d["Default"]; ok {
			s := scalar(v)
			p.Default = &s
		}
		if l, ok := d["AllowedValues"].([]any); ok {
			for _, v := range l {
				p.AllowedValues = append(p.AllowedValues, scalar(v))
			}
		}
		p.AllowedPattern, _ = d["AllowedPattern"].(string)
		p.Description, _ = d["Description"].(string)
		p.MinLength, p.MaxLength = intOf(d["MinLength"]), intOf(d["MaxLength"])
		p.MinValue, p.MaxValue = floatOf(d["MinValue"]), floatOf(d["MaxValue"])
		t.Parameters = append(t.Parameters, p)
	}
	return nil
}

func (t *Template) readResources(x any, order []string) error {
	m, ok := x.(map[string]any)
	if !ok {
		return nil
	}
	for _, id := range order {
		d, ok := m[id].(map[string]any)
		if !ok {
			return fmt.Errorf("resource %s is not a mapping", id)
		}
		r := Resource{ID: id, DeletionPolicy: d["DeletionPolicy"]}
		r.Type, _ = d["Type"].(string)
		r.Condition, _ = d["Condition"].(string)
		r.Properties, _ = d["Properties"].(map[string]any)
		switch dep := d["DependsOn"].(type) {
		case string:
			r.DependsOn = []string{dep}
		case []any:
			for _, x := range dep {
				r.DependsOn = append(r.DependsOn, scalar(x))
			}
		}
		if r.Type == "" {
			return fmt.Errorf("resource %s has no Type", id)
		}
		t.Resources = append(t.Resources, r)
	}
	return nil
}

func (t *Template) readOutputs(x any, order []string) {
	m, _ := x.(map[string]any)
	for _, name := range order {
		d, _ := m[name].(map[string]any)
		o := Output{Name: name, Value: d["Value"]}
		o.Condition, _ = d["Condition"].(string)
		t.Outputs = append(t.Outputs, o)
	}
}

// reader turns yaml nodes into generic values, expanding the short forms of
// the intrinsic functions (!Ref, !Sub, !GetAtt a.b, …) into their long forms.
type reader struct{ nodes int }

func (r *reader) value(n *yaml.Node) (any, error) {
	if r.nodes++; r.nodes > maxNodes {
		return nil, fmt.Errorf("the template has more than %d values; refusing to read further", maxNodes)
	}
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	var v any
	switch n.Kind {
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			v = nil
		} else {
			v = n.Value
		}
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			x, err := r.value(c)
			if err != nil {
				return nil, err
			}
			l = append(l, x)
		}
		v = l
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			x, err := r.value(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[n.Content[i].Value] = x
		}
		v = m
	default:
		return nil, fmt.Errorf("line %d: unexpected YAML node", n.Line)
	}
	if tag := n.Tag; strings.HasPrefix(tag, "!") && !strings.HasPrefix(tag, "!!") {
		return shortForm(tag[1:], v, n)
	}
	return v, nil
}

// shortForm expands !Name value into its long form.
func shortForm(name string, v any, n *yaml.Node) (any, error) {
	switch name {
	case "Ref", "Condition":
		return map[string]any{name: v}, nil
	case "GetAtt":
		if s, ok := v.(string); ok {
			res, attr, found := strings.Cut(s, ".")
			if !found {
				return nil, fmt.Errorf("line %d: !GetAtt %q needs Resource.Attribute", n.Line, s)
			}
			return map[string]any{"Fn::GetAtt": []any{res, attr}}, nil
		}
	}
	return map[string]any{"Fn::" + name: v}, nil
}

// keyOrder records, for each top-level section, the order of its keys.
func keyOrder(root *yaml.Node) map[string][]string {
	out := map[string][]string{}
	if root.Kind != yaml.MappingNode {
		return out
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		section, body := root.Content[i].Value, root.Content[i+1]
		if body.Kind != yaml.MappingNode {
			continue
		}
		for j := 0; j+1 < len(body.Content); j += 2 {
			out[section] = append(out[section], body.Content[j].Value)
		}
	}
	return out
}

// scalar renders a scalar value as CloudFormation passes it.
func scalar(v any) string {
	switch s := v.(type) {
	case string:
		return s
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

func intOf(v any) *int {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		return nil
	}
	return &n
}

func floatOf(v any) *float64 {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	var f float64
	if _, err := fmt.Sscan(s, &f); err != nil {
		return nil
	}
	return &f
}
