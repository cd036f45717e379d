// Package plan turns a spec into what CloudFormation will be asked to do:
// which nested stacks are created or skipped and why, every main-stack
// parameter and where its value comes from, the instance-group slots, the
// template URL, stack name, tags, capabilities and the destroy order. It is
// pure and deterministic: the same spec and region give the same plan.
package plan

import (
	"fmt"

	"github.com/hpctl/hpctl/internal/catalog"
	"github.com/hpctl/hpctl/internal/spec"
	"github.com/hpctl/hpctl/internal/template"
)

// Action is what happens to a stack.
type Action string

const (
	Create Action = "create"
	Skip   Action = "skip"
)

// Where a parameter's value comes from.
const (
	FromSpec     = "spec"     // the user wrote it
	FromHpctl    = "hpctl"    // hpctl chose it (a default of its own, or a value the spec implies)
	FromTemplate = "template" // not sent: the template's default applies
)

// Ownership tags mark what hpctl made, so that destroy never takes what it
// did not make.
const (
	TagCluster      = "hpctl:cluster"
	TagOrchestrator = "hpctl:orchestrator"
	// TagTemplate and TagTemplateID record which main template a deployment
	// runs, so that it can be reproduced: its URL, and its sha256 and size.
	TagTemplate   = "hpctl:template"
	TagTemplateID = "hpctl:template-id"
)

// TemplateID is the value of TagTemplateID.
func TemplateID(sha256 string, parameters int) string {
	return fmt.Sprintf("sha256=%s parameters=%d", sha256, parameters)
}

// Plan is everything a deploy will do, decided before any AWS call.
type Plan struct {
	Orchestrator   string   `json:"orchestrator"`
	Cluster        string   `json:"cluster"`
	Region         string   `json:"region"`
	StackName      string   `json:"stackName"`
	ResourcePrefix string   `json:"resourcePrefix"`
	Template       Template `json:"template"`
	Capabilities   []string `json:"capabilities"`
	Tags           []Tag    `json:"tags"`
	Stacks         []Stack  `json:"stacks"`
	InstanceGroups []Group  `json:"instanceGroups"`
	// Scripts are the user's own lifecycle folders the deploy uploads (nil: none).
	Scripts      *Scripts `json:"lifecycleScripts,omitempty"`
	Parameters   []Param  `json:"parameters"`
	CreateOrder  []string `json:"createOrder"`
	DestroyOrder []string `json:"destroyOrder"`
	// Drift is what the template has that hpctl does not know, and the reverse.
	Drift    Drift             `json:"drift"`
	Warnings []spec.Diagnostic `json:"warnings"`
}

// Template is where the main template comes from.
type Template struct {
	// Source is "hosted" (the AWS bucket) or "custom" (templates.bucket).
	Source  string `json:"source"`
	Bucket  string `json:"bucket"`
	Key     string `json:"key"`
	URL     string `json:"url"`
	Stage   string `json:"stage,omitempty"`
	Version string `json:"version,omitempty"`
	// UploadDir is the local folder deploy uploads to the custom bucket first.
	UploadDir string `json:"uploadDir,omitempty"`
	// Origin is what the plan read and how (Read, ETag, SHA256, counts,
	// Note). Its URL, where it was read, gives way to the deploy's URL
	// above, in Go and in JSON; Read says when they differ.
	template.Origin
}

// Tag is a stack tag.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// Stack is one catalog stack with the plan's decision about it.
type Stack struct {
	Name       string       `json:"name"`
	LogicalIDs []string     `json:"logicalIds,omitempty"`
	Kind       catalog.Kind `json:"kind"`
	Core       bool         `json:"core"`
	Action     Action       `json:"action"`
	// Reason says why, in terms of the spec; DecidedBy is the spec path.
	Reason    string `json:"reason"`
	DecidedBy string `json:"decidedBy,omitempty"`
	// Condition is the template's condition for the stack, in words.
	Condition string `json:"condition"`
	// Known is false for a nested stack of the template that hpctl's
	// catalog does not know: it is planned from the template alone.
	Known        bool   `json:"known"`
	Creates      string `json:"creates"`
	Note         string `json:"note,omitempty"`
	TopLevelName string `json:"topLevelName,omitempty"`
	// TemplateURL is where a companion stack's template is read from; with
	// OwnTemplate it is hpctl's own (the hosted one cannot be deployed as
	// published), and with a custom bucket the bucket's copy, when it has one.
	TemplateURL string `json:"templateUrl,omitempty"`
	OwnTemplate bool   `json:"ownTemplate,omitempty"`
	// SuppliedBy lists, for a skipped stack, the main-stack parameters its
	// created consumers read in place of its outputs.
	SuppliedBy []string `json:"suppliedBy,omitempty"`
	// Buckets are the S3 buckets a created stack makes, by name.
	Buckets []string `json:"buckets,omitempty"`
}

// Param is one main-stack parameter and its value.
type Param struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	// Sent is false when the template default applies.
	Sent   bool   `json:"sent"`
	Source string `json:"source"`
	// From is the spec path behind the value, or why hpctl set it.
	From string `json:"from,omitempty"`
}

// Group is one instance group and the slot that carries it.
type Group struct {
	Slot         string `json:"slot"`
	Name         string `json:"name"`
	InstanceType string `json:"instanceType"`
	Count        int    `json:"count"`
	Restricted   bool   `json:"restricted,omitempty"`
	Type         string `json:"type,omitempty"`
	Zone         string `json:"targetAvailabilityZoneId,omitempty"`
	EBSVolumeGiB int    `json:"ebsVolumeGiB,omitempty"`
	// JSON is the exact slot value the cluster Lambda reads.
	JSON string `json:"json"`
}

// NestedStacks names the main stack's nested CloudFormation stacks the
// plan creates and those it skips, by logical ID, as CloudFormation, status
// and destroy count them: one catalog stack may be two
// (HyperPodParamClusterStack and HyperPodClusterStack), and what hpctl
// deploys beside the main stack, or a stack's resources inside another, is
// none.
func (p *Plan) NestedStacks() (create, skip []string) {
	for _, s := range p.Stacks {
		if s.Kind != catalog.Nested {
			continue
		}
		ids := s.LogicalIDs
		if len(ids) == 0 {
			ids = []string{s.Name} // a stack the template does not name yet is one
		}
		switch {
		case s.Action == Create:
			create = append(create, ids...)
		case s.Core:
			skip = append(skip, ids...)
		}
	}
	return create, skip
}

// Created returns the stacks the plan creates, in catalog order.
func (p *Plan) Created() []Stack {
	var out []Stack
	for _, s := range p.Stacks {
		if s.Action == Create {
			out = append(out, s)
		}
	}
	return out
}

// NewBuckets are the S3 buckets the created stacks make.
func (p *Plan) NewBuckets() []string {
	var out []string
	for _, s := range p.Created() {
		out = append(out, s.Buckets...)
	}
	return out
}

// Creates reports whether the plan creates a catalog stack.
func (p *Plan) Creates(name string) bool {
	s, ok := p.Stack(name)
	return ok && s.Action == Create
}

// Stack returns the plan's entry for a catalog stack.
func (p *Plan) Stack(name string) (Stack, bool) {
	for _, s := range p.Stacks {
		if s.Name == name {
			return s, true
		}
	}
	return Stack{}, false
}

// Sent returns the parameters hpctl sends, in template order.
func (p *Plan) Sent() []Param {
	var out []Param
	for _, x := range p.Parameters {
		if x.Sent {
			out = append(out, x)
		}
	}
	return out
}

// Value returns a parameter's effective value (sent, or the template default).
func (p *Plan) Value(name string) string {
	for _, x := range p.Parameters {
		if x.Name == name {
			return x.Value
		}
	}
	return ""
}

// Options are the inputs of a plan besides the spec.
type Options struct {
	// Region is where the stacks go; the CLI resolves it from the spec, the
	// flags and the environment.
	Region string
	// Main is the main template the deploy will send (or, when it cannot be
	// read, hpctl's embedded copy of the newest hosted one).
	Main *template.Main
}

// Drift is where the template and hpctl's knowledge of it part: what the
// plan follows the template in without hpctl knowing what it means.
type Drift struct {
	// UnknownParameters are declared by the template and unknown to hpctl:
	// they stay at the template's defaults.
	UnknownParameters []DriftParam `json:"unknownParameters,omitempty"`
	// MissingParameters are known to hpctl and not declared by the template.
	MissingParameters []string `json:"missingParameters,omitempty"`
	// NotSent are values hpctl would have set on its own, dropped because
	// the template does not declare their parameters.
	NotSent []Param `json:"notSent,omitempty"`
	// ChangedDefaults are defaults the plan relies on that differ from
	// what hpctl knows.
	ChangedDefaults []DriftDefault `json:"changedDefaults,omitempty"`
	// UnknownStacks are nested stacks of the template hpctl does not know.
	UnknownStacks []DriftStack `json:"unknownStacks,omitempty"`
	// MissingStacks are stacks hpctl knows that the template does not have.
	MissingStacks []string `json:"missingStacks,omitempty"`
	// ChangedConditions are stacks the template decides otherwise than
	// hpctl's knowledge of its condition would, for this plan's values.
	ChangedConditions []DriftCondition `json:"changedConditions,omitempty"`
}

// Empty reports whether the template is exactly what hpctl knows.
func (d Drift) Empty() bool {
	return len(d.UnknownParameters)+len(d.MissingParameters)+len(d.NotSent)+len(d.ChangedDefaults)+
		len(d.UnknownStacks)+len(d.MissingStacks)+len(d.ChangedConditions) == 0
}

// DriftParam is a parameter hpctl does not know.
type DriftParam struct {
	Name    string `json:"name"`
	Type    string `json:"type"`
	Default string `json:"default"`
	// Required is true when it has no default.
	Required bool `json:"required,omitempty"`
}

// DriftDefault is a default that moved.
type DriftDefault struct {
	Name     string `json:"name"`
	Known    string `json:"known"`
	Template string `json:"template"`
}

// DriftStack is a nested stack hpctl does not know.
type DriftStack struct {
	LogicalID string `json:"logicalId"`
	Condition string `json:"condition"`
	Action    Action `json:"action"`
	Template  string `json:"template,omitempty"`
}

// DriftCondition is a stack decided otherwise than hpctl's knowledge says.
type DriftCondition struct {
	Stack    string `json:"stack"`
	Known    string `json:"known"`
	Template string `json:"template"`
	Action   Action `json:"action"`
}
