// Package catalog is what only hpctl knows about the hosted HyperPod main
// stacks, as data: each nested stack as users speak of it (its name, what it
// makes, its quirks, the buckets it creates or empties), hpctl's knowledge of
// its condition (held against the live template's own on every plan), and
// every parameter of the newest main stacks hpctl knows, with what hpctl
// must never let through (placeholder defaults). Which stacks a template
// creates, in which order, and what they read, the plan takes from the
// template itself. It does no I/O.
package catalog

import (
	"fmt"
	"slices"
	"strings"
)

// Kind says how a catalog stack exists relative to the main stack.
type Kind string

const (
	// Nested is an AWS::CloudFormation::Stack resource of the main stack.
	Nested Kind = "nested"
	// Inside is a set of resources inside another nested stack (Host).
	Inside Kind = "inside"
	// Companion is a standalone template hpctl deploys as its own top-level
	// stack beside the main stack, because the main stack does not nest it.
	Companion Kind = "companion"
	// CustomResource is a top-level stack that a custom resource of the main
	// stack creates; CloudFormation does not list it as a nested stack.
	CustomResource Kind = "custom-resource"
)

// Stack is one entry of the catalog: a nested stack as users speak of it.
type Stack struct {
	Name string
	// LogicalIDs are the main-template resources this entry stands for.
	LogicalIDs []string
	Kind       Kind
	// Host holds an Inside stack's resources, and HostParam is the host's
	// parameter that switches them on ('true').
	Host      string
	HostParam string
	// Template is the file under the template prefix ("" when generated).
	Template string
	// Switch is the main-stack parameter that turns the stack on ("" when the
	// condition is not a single switch).
	Switch string
	// When is the template's condition for creating the stack.
	When Cond
	// Core stacks are the ones the plan always lists; the others are
	// declared by newer templates and mostly off.
	Core bool
	// Since is the template version that added it ("" for Aug/Dec), and
	// Retired says what replaced it in the newest template: a template
	// without a retired stack is no drift.
	Since   string
	Retired string
	// SingleValued are parameters the nested template takes as one String
	// and wraps in a one-element list: a comma-separated value there is one
	// invalid ID, found only when the resource is created.
	SingleValued []SingleValue
	// Creates says in a few words what the stack makes.
	Creates string
	// Note is where the real template differs from the usual description.
	Note string
	// TopLevelName is the name pattern of a Companion or CustomResource stack.
	TopLevelName string
	// Buckets are the names (with <prefix>) of the S3 buckets the stack
	// creates: a bucket of that name that already exists fails it.
	Buckets []string
	// EmptiesOnDelete is the main-stack parameter naming a bucket whose
	// every object the stack deletes when it is deleted ("" for none).
	EmptiesOnDelete string
}

// SingleValue is a value-shape trap of a nested template: Param (the nested
// parameter, fed by the main one of that name or by its stack's output) must
// hold one value, unless the main-stack condition Unless holds (the resource
// that wraps it is then not created).
type SingleValue struct {
	Param  string
	Unless Cond
	Why    string
}

// Param is one parameter the main template declares.
type Param struct {
	Name    string   `json:"name"`
	Type    string   `json:"type"`
	Default string   `json:"default"`
	Allowed []string `json:"allowedValues,omitempty"`
	// Placeholder marks a default that is an example value (vpc-1234567890abcdef0,
	// use2-az1, …): hpctl never lets it reach CloudFormation and sends Blank
	// where the spec supplies nothing.
	Placeholder bool   `json:"placeholder,omitempty"`
	Blank       string `json:"-"`
	// Since is the template version that added it: Aug, Dec, idx or 2026.
	Since string `json:"since"`
	About string `json:"about"`
}

// Orchestration is one hosted main stack.
type Orchestration struct {
	// Name is the orchestrator: eks or slurm.
	Name string
	// MainTemplate is the file name of the main stack.
	MainTemplate string
	// Prefix is the key prefix of the templates in a bucket.
	Prefix string
	// Version says which hosted version the data follows.
	Version      string
	Capabilities []string
	Stacks       []Stack
	Params       []Param
	// Outputs are the main stack's outputs.
	Outputs []string
}

// Stack returns the catalog stack of that name.
func (o *Orchestration) Stack(name string) (Stack, bool) {
	i := slices.IndexFunc(o.Stacks, func(s Stack) bool { return s.Name == name })
	if i < 0 {
		return Stack{}, false
	}
	return o.Stacks[i], true
}

// ByLogicalID returns the catalog stack a main-template resource belongs to.
func (o *Orchestration) ByLogicalID(id string) (Stack, bool) {
	i := slices.IndexFunc(o.Stacks, func(s Stack) bool { return slices.Contains(s.LogicalIDs, id) })
	if i < 0 {
		return Stack{}, false
	}
	return o.Stacks[i], true
}

// Param returns the parameter declaration of that name.
func (o *Orchestration) Param(name string) (Param, bool) {
	i := slices.IndexFunc(o.Params, func(p Param) bool { return p.Name == name })
	if i < 0 {
		return Param{}, false
	}
	return o.Params[i], true
}

// Core returns the stacks the plan always lists, in catalog order.
func (o *Orchestration) Core() []Stack {
	var out []Stack
	for _, s := range o.Stacks {
		if s.Core {
			out = append(out, s)
		}
	}
	return out
}

// Cond is a template condition over main-stack parameter values: a leaf
// (Param equals Value, or the region is one of Regions) or a combination.
type Cond struct {
	Param   string   `json:"param,omitempty"`
	Value   string   `json:"value,omitempty"`
	Regions []string `json:"regions,omitempty"`
	Not     *Cond    `json:"not,omitempty"`
	And     []Cond   `json:"and,omitempty"`
	Or      []Cond   `json:"or,omitempty"`
}

// Always reports whether the condition is the zero Cond, which always holds.
func (c Cond) Always() bool {
	return c.Param == "" && c.Regions == nil && c.Not == nil && c.And == nil && c.Or == nil
}

// Eval evaluates the condition with value giving each parameter's effective
// value (sent, or the template default).
func (c Cond) Eval(value func(param string) string, region string) bool {
	switch {
	case c.Not != nil:
		return !c.Not.Eval(value, region)
	case c.And != nil:
		for _, x := range c.And {
			if !x.Eval(value, region) {
				return false
			}
		}
		return true
	case c.Or != nil:
		for _, x := range c.Or {
			if x.Eval(value, region) {
				return true
			}
		}
		return false
	case c.Regions != nil:
		return slices.Contains(c.Regions, region)
	case c.Param != "":
		return value(c.Param) == c.Value
	}
	return true
}

// Params lists the parameters the condition reads.
func (c Cond) Params() []string {
	var out []string
	if c.Param != "" {
		out = append(out, c.Param)
	}
	if c.Not != nil {
		out = append(out, c.Not.Params()...)
	}
	for _, x := range append(append([]Cond(nil), c.And...), c.Or...) {
		out = append(out, x.Params()...)
	}
	return out
}

// String renders the condition the way the plan explains it.
func (c Cond) String() string {
	switch {
	case c.Not != nil:
		if c.Not.Param != "" {
			return fmt.Sprintf("%s != %s", c.Not.Param, quote(c.Not.Value))
		}
		return "not (" + c.Not.String() + ")"
	case c.And != nil:
		return joinConds(c.And, " and ")
	case c.Or != nil:
		return joinConds(c.Or, " or ")
	case c.Regions != nil:
		return "the region allows it"
	case c.Param != "":
		return fmt.Sprintf("%s = %s", c.Param, quote(c.Value))
	}
	return "always"
}

func joinConds(cs []Cond, sep string) string {
	parts := make([]string, len(cs))
	for i, x := range cs {
		parts[i] = x.String()
		if x.And != nil || x.Or != nil {
			parts[i] = "(" + parts[i] + ")"
		}
	}
	return strings.Join(parts, sep)
}

func quote(v string) string {
	if v == "" || strings.ContainsAny(v, " []") {
		return "'" + v + "'"
	}
	return v
}

// Condition constructors, named as the template writes them.

func isTrue(p string) Cond       { return Cond{Param: p, Value: "true"} }
func isFalse(p string) Cond      { return Cond{Param: p, Value: "false"} }
func ne(p, v string) Cond        { return Cond{Not: &Cond{Param: p, Value: v}} }
func not(c Cond) Cond            { return Cond{Not: &c} }
func and(cs ...Cond) Cond        { return Cond{And: cs} }
func or(cs ...Cond) Cond         { return Cond{Or: cs} }
func inRegions(r ...string) Cond { return Cond{Regions: r} }

// For names each orchestration by its orchestrator.
func For(orchestrator string) (*Orchestration, error) {
	switch orchestrator {
	case "eks":
		return EKS(), nil
	case "slurm":
		return Slurm(), nil
	}
	return nil, fmt.Errorf("no catalog for orchestrator %q (eks or slurm)", orchestrator)
}
