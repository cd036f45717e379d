package template

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Env is what a template is evaluated with: the parameter values given (the
// declared defaults fill in the rest) and the pseudo parameters.
type Env struct {
	Params map[string]string
	Region string
	// StackName and AccountID are unknown until the stack exists when empty.
	StackName string
	AccountID string
}

// Evaluation is a template evaluated on one Env. It resolves values lazily
// and remembers each condition.
type Evaluation struct {
	t      *Template
	env    Env
	values map[string]string
	conds  map[string]bool
	busy   map[string]bool
	// inIf counts the Fn::If branches being resolved.
	inIf  int
	props map[string]resolved
}

type resolved struct {
	values map[string]Value
	refs   Refs
	err    error
}

// Evaluate prepares the evaluation of t on env.
func (t *Template) Evaluate(env Env) *Evaluation {
	e := &Evaluation{t: t, env: env, values: map[string]string{}, conds: map[string]bool{}, busy: map[string]bool{}}
	for _, p := range t.Parameters {
		if v, ok := env.Params[p.Name]; ok {
			e.values[p.Name] = v
		} else if p.Default != nil {
			e.values[p.Name] = *p.Default
		}
	}
	return e
}

// Template is the template being evaluated.
func (e *Evaluation) Template() *Template { return e.t }

// Param is a parameter's effective value: given, else its default. ok is
// false when the template does not declare it or it has no value at all.
func (e *Evaluation) Param(name string) (string, bool) {
	v, ok := e.values[name]
	return v, ok
}

// Ref is one resource attribute a value reads: Attr is "" for a Ref.
type Ref struct {
	ID   string `json:"id"`
	Attr string `json:"attr,omitempty"`
}

func (r Ref) String() string {
	if r.Attr == "" {
		return r.ID
	}
	return r.ID + "." + r.Attr
}

// StandIn is a parameter that a value reads in place of a resource
// attribute, because the Fn::If that picks between them picks the
// parameter: the resource is not created, and the parameter must then be
// right on its own.
type StandIn struct {
	Param string `json:"param"`
	For   []Ref  `json:"for"`
}

// Refs are what a resolved value read.
type Refs struct {
	Resources []Ref
	// Direct are the resources read outside any Fn::If: whatever the
	// parameters, the value needs them.
	Direct   []Ref
	Params   []string
	StandIns []StandIn
}

func (r *Refs) resource(ref Ref, direct bool) {
	if !slices.Contains(r.Resources, ref) {
		r.Resources = append(r.Resources, ref)
	}
	if direct && !slices.Contains(r.Direct, ref) {
		r.Direct = append(r.Direct, ref)
	}
}

func (r *Refs) param(name string) {
	if !slices.Contains(r.Params, name) {
		r.Params = append(r.Params, name)
	}
}

// Value is a resolved value. What is known only once the stack runs (an
// output of another resource, the account) is shown in braces:
// {VPCStack.Outputs.VpcId}.
type Value struct {
	v    any
	Refs Refs
}

// unknown is a value CloudFormation knows only while the stack runs.
type unknown struct{ text string }

// noValue is AWS::NoValue: the property or list entry drops out.
type noValue struct{}

// Known reports whether the value is fully known before the stack runs.
func (v Value) Known() bool { return known(v.v) }

// NoValue reports whether the value is AWS::NoValue.
func (v Value) NoValue() bool { _, ok := v.v.(noValue); return ok }

// String renders the value: a list joined by commas, an object as JSON.
func (v Value) String() string { return render(v.v) }

// JSON renders the value as JSON, lists and objects whole.
func (v Value) JSON() string {
	b, _ := json.Marshal(plain(v.v))
	return string(b)
}

// List returns the value as a list of strings (a string is split on commas
// when asked to be a list by a CommaDelimitedList; here it is one entry).
func (v Value) List() []string {
	switch x := v.v.(type) {
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			out = append(out, render(e))
		}
		return out
	}
	return []string{render(v.v)}
}

func known(x any) bool {
	switch v := x.(type) {
	case unknown:
		return false
	case []any:
		for _, e := range v {
			if !known(e) {
				return false
			}
		}
	case map[string]any:
		for _, e := range v {
			if !known(e) {
				return false
			}
		}
	}
	return true
}

func render(x any) string {
	switch v := x.(type) {
	case string:
		return v
	case unknown:
		return "{" + v.text + "}"
	case noValue:
		return ""
	case []any:
		parts := make([]string, 0, len(v))
		for _, e := range v {
			parts = append(parts, render(e))
		}
		return strings.Join(parts, ",")
	case map[string]any:
		b, _ := json.Marshal(plain(v))
		return string(b)
	}
	return fmt.Sprint(x)
}

// plain turns a resolved value into what encoding/json renders.
func plain(x any) any {
	switch v := x.(type) {
	case unknown, noValue:
		return render(v)
	case []any:
		out := make([]any, 0, len(v))
		for _, e := range v {
			out = append(out, plain(e))
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = plain(e)
		}
		return out
	}
	return x
}

// Condition evaluates a named condition of the template.
func (e *Evaluation) Condition(name string) (bool, error) {
	if v, ok := e.conds[name]; ok {
		return v, nil
	}
	body, ok := e.t.Conditions[name]
	if !ok {
		return false, fmt.Errorf("condition %s is not declared", name)
	}
	if e.busy[name] {
		return false, fmt.Errorf("condition %s refers to itself", name)
	}
	e.busy[name] = true
	defer delete(e.busy, name)
	v, err := e.cond(body)
	if err != nil {
		return false, fmt.Errorf("condition %s: %w", name, err)
	}
	e.conds[name] = v
	return v, nil
}

// Created reports whether a resource is created: it has no condition, or
// its condition holds.
func (e *Evaluation) Created(id string) (bool, error) {
	r, ok := e.t.Resource(id)
	if !ok {
		return false, fmt.Errorf("no resource %s", id)
	}
	if r.Condition == "" {
		return true, nil
	}
	return e.Condition(r.Condition)
}

func (e *Evaluation) cond(x any) (bool, error) {
	fn, arg, ok := intrinsic(x)
	if !ok {
		return false, fmt.Errorf("%s is not a condition function", render(x))
	}
	switch fn {
	case "Condition":
		name, _ := arg.(string)
		return e.Condition(name)
	case "Fn::Equals":
		args, _ := arg.([]any)
		if len(args) != 2 {
			return false, errors.New("Fn::Equals takes two values")
		}
		var refs Refs
		a, err := e.resolve(args[0], &refs)
		if err != nil {
			return false, err
		}
		b, err := e.resolve(args[1], &refs)
		if err != nil {
			return false, err
		}
		if !known(a) || !known(b) {
			return false, fmt.Errorf("Fn::Equals compares %s with %s, which is not known before the stack runs", render(a), render(b))
		}
		return render(a) == render(b), nil
	case "Fn::Not":
		args, _ := arg.([]any)
		if len(args) != 1 {
			return false, errors.New("Fn::Not takes one condition")
		}
		v, err := e.cond(args[0])
		return !v, err
	case "Fn::And", "Fn::Or":
		args, _ := arg.([]any)
		if len(args) < 2 || len(args) > 10 {
			return false, fmt.Errorf("%s takes 2 to 10 conditions", fn)
		}
		want := fn == "Fn::Or"
		for _, c := range args {
			v, err := e.cond(c)
			if err != nil {
				return false, err
			}
			if v == want {
				return want, nil
			}
		}
		return !want, nil
	}
	return false, fmt.Errorf("%s cannot be used in a condition", fn)
}

// Resolve evaluates a value the way CloudFormation would, recording what it
// reads; Fn::If takes only the branch its condition picks.
func (e *Evaluation) Resolve(x any) (Value, error) {
	var refs Refs
	v, err := e.resolve(x, &refs)
	return Value{v: v, Refs: refs}, err
}

// ResolveProperties resolves every property of a resource: what the
// resource would be created with, and what it reads.
func (e *Evaluation) ResolveProperties(id string) (map[string]Value, Refs, error) {
	if x, ok := e.props[id]; ok {
		return x.values, x.refs, x.err
	}
	values, refs, err := e.resolveProperties(id)
	if e.props == nil {
		e.props = map[string]resolved{}
	}
	e.props[id] = resolved{values, refs, err}
	return values, refs, err
}

func (e *Evaluation) resolveProperties(id string) (map[string]Value, Refs, error) {
	r, ok := e.t.Resource(id)
	if !ok {
		return nil, Refs{}, fmt.Errorf("no resource %s", id)
	}
	var all Refs
	out := map[string]Value{}
	for _, k := range sortedKeys(r.Properties) {
		var refs Refs
		v, err := e.resolve(r.Properties[k], &refs)
		if err != nil {
			return nil, all, fmt.Errorf("%s.%s: %w", id, k, err)
		}
		out[k] = Value{v: v, Refs: refs}
		merge(&all, refs)
	}
	return out, all, nil
}

func merge(into *Refs, r Refs) {
	for _, x := range r.Resources {
		into.resource(x, slices.Contains(r.Direct, x))
	}
	for _, p := range r.Params {
		into.param(p)
	}
	into.StandIns = append(into.StandIns, r.StandIns...)
}

// Deps are the resources a created resource waits for: its DependsOn and
// what its properties read.
func (e *Evaluation) Deps(id string) ([]string, error) {
	r, ok := e.t.Resource(id)
	if !ok {
		return nil, fmt.Errorf("no resource %s", id)
	}
	_, refs, err := e.ResolveProperties(id)
	if err != nil {
		return nil, err
	}
	out := append([]string(nil), r.DependsOn...)
	for _, x := range refs.Resources {
		if !slices.Contains(out, x.ID) {
			out = append(out, x.ID)
		}
	}
	return out, nil
}

func (e *Evaluation) resolve(x any, refs *Refs) (any, error) {
	fn, arg, ok := intrinsic(x)
	if !ok {
		switch v := x.(type) {
		case []any:
			out := make([]any, 0, len(v))
			for _, el := range v {
				r, err := e.resolve(el, refs)
				if err != nil {
					return nil, err
				}
				if _, drop := r.(noValue); !drop {
					out = append(out, r)
				}
			}
			return out, nil
		case map[string]any:
			out := make(map[string]any, len(v))
			for _, k := range sortedKeys(v) {
				r, err := e.resolve(v[k], refs)
				if err != nil {
					return nil, err
				}
				if _, drop := r.(noValue); !drop {
					out[k] = r
				}
			}
			return out, nil
		}
		return x, nil
	}
	switch fn {
	case "Ref":
		name, _ := arg.(string)
		return e.ref(name, refs)
	case "Fn::GetAtt":
		res, attr, err := getAtt(arg)
		if err != nil {
			return nil, err
		}
		if _, ok := e.t.Resource(res); !ok {
			return nil, fmt.Errorf("Fn::GetAtt reads %s, which is not a resource of the template", res)
		}
		ref := Ref{ID: res, Attr: attr}
		refs.resource(ref, e.inIf == 0)
		return unknown{ref.String()}, nil
	case "Fn::If":
		return e.fnIf(arg, refs)
	case "Fn::Sub":
		return e.sub(arg, refs)
	case "Fn::Join":
		args, _ := arg.([]any)
		if len(args) != 2 {
			return nil, errors.New("Fn::Join takes a delimiter and a list")
		}
		delim, _ := args[0].(string)
		list, err := e.resolve(args[1], refs)
		if err != nil {
			return nil, err
		}
		l, ok := list.([]any)
		if !ok {
			return nil, fmt.Errorf("Fn::Join needs a list, got %s", render(list))
		}
		parts := make([]string, 0, len(l))
		for _, el := range l {
			parts = append(parts, render(el))
		}
		s := strings.Join(parts, delim)
		if !known(l) {
			return unknown{strings.Trim(s, "{}")}, nil
		}
		return s, nil
	case "Fn::Select":
		args, _ := arg.([]any)
		if len(args) != 2 {
			return nil, errors.New("Fn::Select takes an index and a list")
		}
		idx, err := e.resolve(args[0], refs)
		if err != nil {
			return nil, err
		}
		list, err := e.resolve(args[1], refs)
		if err != nil {
			return nil, err
		}
		l, isList := list.([]any)
		i, convErr := strconv.Atoi(render(idx))
		switch {
		case !known(idx) || !known(list):
			return unknown{"Fn::Select " + render(idx) + " of " + render(list)}, nil
		case convErr != nil || !isList:
			return nil, fmt.Errorf("Fn::Select %s of %s", render(idx), render(list))
		case i < 0 || i >= len(l):
			return nil, fmt.Errorf("Fn::Select index %d is outside a list of %d", i, len(l))
		}
		return l[i], nil
	case "Fn::Split":
		args, _ := arg.([]any)
		if len(args) != 2 {
			return nil, errors.New("Fn::Split takes a delimiter and a string")
		}
		delim, _ := args[0].(string)
		s, err := e.resolve(args[1], refs)
		if err != nil {
			return nil, err
		}
		if !known(s) {
			return unknown{"Fn::Split " + render(s)}, nil
		}
		var out []any
		for _, p := range strings.Split(render(s), delim) {
			out = append(out, p)
		}
		return out, nil
	case "Fn::FindInMap":
		return e.findInMap(arg, refs)
	case "Fn::Base64":
		return e.resolve(arg, refs)
	case "Fn::ToJsonString":
		v, err := e.resolve(arg, refs)
		if err != nil {
			return nil, err
		}
		if !known(v) {
			return unknown{"Fn::ToJsonString"}, nil
		}
		b, _ := json.Marshal(plain(v))
		return string(b), nil
	case "Fn::Length":
		v, err := e.resolve(arg, refs)
		if err != nil {
			return nil, err
		}
		if l, ok := v.([]any); ok {
			return strconv.Itoa(len(l)), nil
		}
		return unknown{"Fn::Length"}, nil
	case "Fn::GetAZs", "Fn::ImportValue", "Fn::Cidr", "Fn::GetStackOutput":
		if _, err := e.resolve(arg, refs); err != nil {
			return nil, err
		}
		return unknown{fn}, nil
	case "Condition":
		name, _ := arg.(string)
		v, err := e.Condition(name)
		return strconv.FormatBool(v), err
	}
	return nil, fmt.Errorf("%s is not an intrinsic function hpctl can evaluate", fn)
}

func (e *Evaluation) ref(name string, refs *Refs) (any, error) {
	switch name {
	case "AWS::Region":
		return e.env.Region, nil
	case "AWS::Partition":
		return "aws", nil
	case "AWS::URLSuffix":
		return "amazonaws.com", nil
	case "AWS::NoValue":
		return noValue{}, nil
	case "AWS::AccountId":
		if e.env.AccountID != "" {
			return e.env.AccountID, nil
		}
		return unknown{name}, nil
	case "AWS::StackName":
		if e.env.StackName != "" {
			return e.env.StackName, nil
		}
		return unknown{name}, nil
	case "AWS::StackId", "AWS::NotificationARNs":
		return unknown{name}, nil
	}
	if p, ok := e.t.Parameter(name); ok {
		refs.param(name)
		v := e.values[name]
		if strings.HasPrefix(p.Type, "List<") || p.Type == "CommaDelimitedList" {
			var out []any
			for _, s := range strings.Split(v, ",") {
				out = append(out, strings.TrimSpace(s))
			}
			return out, nil
		}
		return v, nil
	}
	if _, ok := e.t.Resource(name); ok {
		refs.resource(Ref{ID: name}, e.inIf == 0)
		return unknown{name}, nil
	}
	return nil, fmt.Errorf("Ref %s: no parameter or resource of that name", name)
}

// fnIf takes the branch its condition picks. When it picks a bare
// parameter over a resource's attribute, the parameter stands in for it.
func (e *Evaluation) fnIf(arg any, refs *Refs) (any, error) {
	args, _ := arg.([]any)
	if len(args) != 3 {
		return nil, errors.New("Fn::If takes a condition and two values")
	}
	name, _ := args[0].(string)
	v, err := e.Condition(name)
	if err != nil {
		return nil, err
	}
	e.inIf++
	defer func() { e.inIf-- }()
	if v {
		return e.resolve(args[1], refs)
	}
	if p := e.leafParam(args[2]); p != "" {
		if read := resourcesRead(args[1]); len(read) > 0 {
			refs.StandIns = append(refs.StandIns, StandIn{Param: p, For: read})
		}
	}
	return e.resolve(args[2], refs)
}

// leafParam is the parameter a value is, following the branches that
// nested Fn::Ifs pick ("" when it is anything else).
func (e *Evaluation) leafParam(x any) string {
	fn, arg, ok := intrinsic(x)
	switch {
	case !ok:
		return ""
	case fn == "Ref":
		name, _ := arg.(string)
		if _, declared := e.t.Parameter(name); declared {
			return name
		}
	case fn == "Fn::If":
		args, _ := arg.([]any)
		if len(args) != 3 {
			return ""
		}
		name, _ := args[0].(string)
		if v, err := e.Condition(name); err == nil {
			if v {
				return e.leafParam(args[1])
			}
			return e.leafParam(args[2])
		}
	}
	return ""
}

// resourcesRead lists the resource attributes a value reads, in any branch.
func resourcesRead(x any) []Ref {
	var out []Ref
	var walk func(any)
	walk = func(x any) {
		fn, arg, ok := intrinsic(x)
		if ok && fn == "Fn::GetAtt" {
			if res, attr, err := getAtt(arg); err == nil {
				out = append(out, Ref{ID: res, Attr: attr})
			}
			return
		}
		switch v := x.(type) {
		case []any:
			for _, el := range v {
				walk(el)
			}
		case map[string]any:
			for _, k := range sortedKeys(v) {
				walk(v[k])
			}
		}
	}
	walk(x)
	return out
}

func (e *Evaluation) sub(arg any, refs *Refs) (any, error) {
	var text string
	vars := map[string]any{}
	switch a := arg.(type) {
	case string:
		text = a
	case []any:
		if len(a) != 2 {
			return nil, errors.New("Fn::Sub takes a string and a map of variables")
		}
		text, _ = a[0].(string)
		m, _ := a[1].(map[string]any)
		for k, x := range m {
			v, err := e.resolve(x, refs)
			if err != nil {
				return nil, err
			}
			vars[k] = v
		}
	default:
		return nil, errors.New("Fn::Sub takes a string")
	}
	var b strings.Builder
	isKnown := true
	for {
		i := strings.Index(text, "${")
		if i < 0 {
			b.WriteString(text)
			break
		}
		b.WriteString(text[:i])
		j := strings.Index(text[i:], "}")
		if j < 0 {
			return nil, fmt.Errorf("Fn::Sub: unclosed ${ in %q", text)
		}
		name := text[i+2 : i+j]
		text = text[i+j+1:]
		if strings.HasPrefix(name, "!") {
			b.WriteString("${" + name[1:] + "}")
			continue
		}
		var v any
		var err error
		if x, ok := vars[name]; ok {
			v = x
		} else if res, attr, dotted := strings.Cut(name, "."); dotted && !strings.HasPrefix(name, "AWS::") {
			v, err = e.resolve(map[string]any{"Fn::GetAtt": []any{res, attr}}, refs)
		} else {
			v, err = e.ref(name, refs)
		}
		if err != nil {
			return nil, fmt.Errorf("Fn::Sub: %w", err)
		}
		if !known(v) {
			isKnown = false
		}
		b.WriteString(render(v))
	}
	if !isKnown {
		return unknown{strings.ReplaceAll(strings.ReplaceAll(b.String(), "{", ""), "}", "")}, nil
	}
	return b.String(), nil
}

func (e *Evaluation) findInMap(arg any, refs *Refs) (any, error) {
	args, _ := arg.([]any)
	if len(args) != 3 && len(args) != 4 {
		return nil, errors.New("Fn::FindInMap takes a map, two keys and an optional DefaultValue")
	}
	keys := make([]string, 3)
	for i := range keys {
		v, err := e.resolve(args[i], refs)
		if err != nil {
			return nil, err
		}
		if !known(v) {
			return unknown{"Fn::FindInMap"}, nil
		}
		keys[i] = render(v)
	}
	if m, ok := e.t.Mappings[keys[0]]; ok {
		if second, ok := m[keys[1]]; ok {
			if v, ok := second[keys[2]]; ok {
				return e.resolve(v, refs)
			}
		}
	} else if len(args) == 3 {
		return nil, fmt.Errorf("Fn::FindInMap: no mapping %s", keys[0])
	}
	if len(args) == 4 {
		if d, ok := args[3].(map[string]any); ok {
			if v, ok := d["DefaultValue"]; ok {
				return e.resolve(v, refs)
			}
		}
	}
	return nil, fmt.Errorf("Fn::FindInMap: %s has no %s.%s", keys[0], keys[1], keys[2])
}

// intrinsic reports whether x is an intrinsic function: a mapping of one
// key that names one.
func intrinsic(x any) (fn string, arg any, ok bool) {
	m, isMap := x.(map[string]any)
	if !isMap || len(m) != 1 {
		return "", nil, false
	}
	for k, v := range m {
		if k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::") {
			return k, v, true
		}
	}
	return "", nil, false
}

// GetAtt reads a Fn::GetAtt's argument, long ([Res, Attr]) or short
// ("Res.Attr"), into its resource and attribute.
func GetAtt(arg any) (res, attr string, err error) { return getAtt(arg) }

func getAtt(arg any) (res, attr string, err error) {
	switch a := arg.(type) {
	case []any:
		if len(a) == 2 {
			res, _ = a[0].(string)
			attr, _ = a[1].(string)
		}
	case string:
		res, attr, _ = strings.Cut(a, ".")
	}
	if res == "" || attr == "" {
		return "", "", fmt.Errorf("Fn::GetAtt %s needs a resource and an attribute", render(arg))
	}
	return res, attr, nil
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
