package deploy

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/hpctl/hpctl/internal/cloud"
)

// ChangeSet is a change set as a person reviews it: the parameters that
// change and the resource changes, nested stacks expanded.
type ChangeSet struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	StackID string `json:"stackId"`
	// Type is CREATE or UPDATE.
	Type string `json:"changeSetType"`
	// Empty is set when CloudFormation found nothing to change.
	Empty  bool          `json:"empty"`
	Reason string        `json:"reason,omitempty"`
	Params []ParamChange `json:"parameters,omitempty"`
	// Groups are the instance-group parameters' changes, group by group.
	Groups  []GroupChange `json:"groups,omitempty"`
	Changes []Change      `json:"changes,omitempty"`
	// Replaces says, a sentence each, what the change replaces or removes
	// and what is lost with it; such a change needs --yes or the cluster's
	// name typed.
	Replaces []string `json:"replaces,omitempty"`
}

// ParamChange is one main-stack parameter whose value changes.
type ParamChange struct {
	Name string `json:"name"`
	Old  string `json:"old"`
	New  string `json:"new"`
	// Default says the new value is the template default: hpctl no longer sends it.
	Default bool `json:"default,omitempty"`
}

// Change is one resource change; a nested stack's own changes are under it.
type Change struct {
	Action      string   `json:"action"`
	LogicalID   string   `json:"logicalId"`
	Type        string   `json:"resourceType"`
	PhysicalID  string   `json:"physicalId,omitempty"`
	Replacement string   `json:"replacement,omitempty"`
	Properties  []string `json:"properties,omitempty"`
	// DependsOn are the attributes of other changed resources this one
	// reads (CloudFormation's dynamic evaluation, ChangeSource
	// ResourceAttribute): it changes as they come out, known only then.
	DependsOn []string `json:"dependsOn,omitempty"`
	Nested    []Change `json:"nested,omitempty"`
}

// Counts returns how many resources the changes add, modify and remove,
// nested ones included (a nested stack itself is not counted when its own
// changes are known).
func Counts(changes []Change) (add, modify, remove int) {
	for _, c := range changes {
		if c.Nested != nil {
			a, m, r := Counts(c.Nested)
			add, modify, remove = add+a, modify+m, remove+r
			continue
		}
		switch c.Action {
		case "Add":
			add++
		case "Remove":
			remove++
		default:
			modify++
		}
	}
	return add, modify, remove
}

// noChanges reports CloudFormation's ways of saying a change set is empty.
func noChanges(reason string) bool {
	return strings.Contains(reason, "didn't contain changes") || strings.Contains(reason, "No updates are to be performed")
}

// createChangeSet creates the change set and waits until CloudFormation
// has worked it out.
func (d *Deployer) createChangeSet(ctx context.Context, in *cloudformation.CreateChangeSetInput) (*ChangeSet, error) {
	out, err := d.CFN.CreateChangeSet(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("create change set: %w", err)
	}
	cs := &ChangeSet{ID: aws.ToString(out.Id), Name: aws.ToString(in.ChangeSetName), StackID: aws.ToString(out.StackId),
		Type: string(in.ChangeSetType)}
	for {
		desc, err := d.CFN.DescribeChangeSet(ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: aws.String(cs.ID)})
		if err != nil {
			return cs, fmt.Errorf("describe change set: %w", err)
		}
		switch desc.Status {
		case cftypes.ChangeSetStatusCreateComplete:
			cs.Changes, err = d.changes(ctx, cs.ID, desc)
			return cs, err
		case cftypes.ChangeSetStatusFailed:
			cs.Reason = aws.ToString(desc.StatusReason)
			if noChanges(cs.Reason) {
				cs.Empty = true
				return cs, nil
			}
			return cs, fmt.Errorf("the change set failed: %s", cs.Reason)
		}
		if err := d.sleep(ctx, d.interval()); err != nil {
			return cs, err
		}
	}
}

// changes reads every page of a change set and the nested change sets it names.
func (d *Deployer) changes(ctx context.Context, id string, first *cloudformation.DescribeChangeSetOutput) ([]Change, error) {
	out := []Change{}
	page := first
	for {
		for _, c := range page.Changes {
			rc := c.ResourceChange
			if rc == nil {
				continue
			}
			ch := Change{Action: string(rc.Action), LogicalID: aws.ToString(rc.LogicalResourceId), Type: aws.ToString(rc.ResourceType),
				PhysicalID: aws.ToString(rc.PhysicalResourceId), Replacement: string(rc.Replacement)}
			for _, det := range rc.Details {
				if det.Target != nil && det.Target.Name != nil && !slices.Contains(ch.Properties, *det.Target.Name) {
					ch.Properties = append(ch.Properties, *det.Target.Name)
				}
				if cause := aws.ToString(det.CausingEntity); det.Evaluation == cftypes.EvaluationTypeDynamic &&
					det.ChangeSource == cftypes.ChangeSourceResourceAttribute && cause != "" && !slices.Contains(ch.DependsOn, cause) {
					ch.DependsOn = append(ch.DependsOn, cause)
				}
			}
			if nested := aws.ToString(rc.ChangeSetId); nested != "" && nested != id {
				n, err := d.CFN.DescribeChangeSet(ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: aws.String(nested)})
				if err != nil {
					return nil, fmt.Errorf("describe nested change set of %s: %w", ch.LogicalID, err)
				}
				if ch.Nested, err = d.changes(ctx, nested, n); err != nil {
					return nil, err
				}
			}
			out = append(out, ch)
		}
		if page.NextToken == nil {
			return out, nil
		}
		var err error
		page, err = d.CFN.DescribeChangeSet(ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: aws.String(id), NextToken: page.NextToken})
		if err != nil {
			return nil, fmt.Errorf("describe change set: %w", err)
		}
	}
}

// paramChanges compares the parameters a stack has with those an update
// gives it: sent values, and template defaults for what is not sent.
func paramChanges(st *cftypes.Stack, sent map[string]string, params []declared) []ParamChange {
	old := cloud.Parameters(st)
	var out []ParamChange
	for _, decl := range params {
		name := decl.key
		v, ok := sent[name]
		if !ok {
			v = aws.ToString(decl.def)
		}
		if was, had := old[name]; (had && was != v) || (!had && ok) {
			if decl.noEcho {
				was, v = "****", "****"
			}
			out = append(out, ParamChange{Name: name, Old: was, New: v, Default: !ok})
		}
	}
	return out
}
