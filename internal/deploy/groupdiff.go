package deploy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// GroupChange is what an update does to one instance group, field by field
// (the groups travel as JSON in the InstanceGroupSettingsN and RigSettingsN
// parameters, which a parameter diff shows only as two long strings).
type GroupChange struct {
	Group string `json:"group"`
	// Restricted is set for a restricted instance group (RigSettingsN).
	Restricted bool `json:"restricted,omitempty"`
	// Action is add, remove or modify.
	Action string        `json:"action"`
	Fields []FieldChange `json:"fields,omitempty"`
	// Replaces says the change cannot be made in place: the group's nodes
	// are replaced, and Lost says what goes with them.
	Replaces bool   `json:"replaces,omitempty"`
	Lost     string `json:"lost,omitempty"`
}

// FieldChange is one field of a group whose value changes ("" when absent).
type FieldChange struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// groupParam names the parameters that carry instance groups.
var groupParam = regexp.MustCompile(`^(InstanceGroupSettings|RigSettings)\d+$`)

// inPlaceNever are the group fields UpdateCluster cannot change on a group
// that exists (the AWS::SageMaker::Cluster resource schema and the SageMaker
// API reference, ClusterInstanceGroupSpecification): a change replaces the
// group, as a new name does.
var inPlaceNever = []string{"InstanceType", "ExecutionRole", "ThreadsPerCore", "OverrideVpcConfig"}

// IsGroupParam reports whether a parameter carries instance groups, shown
// by GroupChanges rather than as a value.
func IsGroupParam(name string) bool { return groupParam.MatchString(name) }

// GroupChanges turns the changed group parameters into group changes: a
// group only in the old values is removed, only in the new is added, in
// both is modified field by field. Groups are matched by name across slots,
// so a group that moved to another slot and did not change is no change.
func GroupChanges(params []ParamChange) []GroupChange {
	type side map[string]map[string]json.RawMessage
	old, now := side{}, side{}
	restricted := map[string]bool{}
	var order []string
	read := func(s side, param, value string) {
		var groups []map[string]json.RawMessage
		if json.Unmarshal([]byte(value), &groups) != nil {
			return
		}
		for _, g := range groups {
			name := text(g["InstanceGroupName"])
			if name == "" {
				continue
			}
			s[name] = g
			restricted[name] = strings.HasPrefix(param, "RigSettings")
			if !slices.Contains(order, name) {
				order = append(order, name)
			}
		}
	}
	for _, p := range params {
		if IsGroupParam(p.Name) {
			read(old, p.Name, p.Old)
			read(now, p.Name, p.New)
		}
	}
	var out []GroupChange
	for _, name := range order {
		o, wasThere := old[name]
		n, isThere := now[name]
		c := GroupChange{Group: name, Restricted: restricted[name]}
		switch {
		case !wasThere:
			c.Action = "add"
			c.Fields = fields(nil, n)
		case !isThere:
			c.Action, c.Lost = "remove", lost(o)
		default:
			c.Action = "modify"
			c.Fields = fields(o, n)
			if len(c.Fields) == 0 {
				continue
			}
			for _, f := range c.Fields {
				if slices.Contains(inPlaceNever, f.Field) {
					c.Replaces, c.Lost = true, lost(o)
				}
			}
		}
		out = append(out, c)
	}
	return out
}

// fields are the fields whose values differ, InstanceCount first, the
// others by name.
func fields(old, now map[string]json.RawMessage) []FieldChange {
	var keys []string
	for _, m := range []map[string]json.RawMessage{old, now} {
		for k := range m {
			if k != "InstanceGroupName" && !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	slices.SortFunc(keys, func(a, b string) int {
		switch {
		case a == b:
			return 0
		case a == "InstanceCount":
			return -1
		case b == "InstanceCount":
			return 1
		}
		return strings.Compare(a, b)
	})
	var out []FieldChange
	for _, k := range keys {
		if o, n := text(old[k]), text(now[k]); o != n {
			out = append(out, FieldChange{Field: k, Old: o, New: n})
		}
	}
	return out
}

// lost says what replacing or removing a group loses.
func lost(g map[string]json.RawMessage) string {
	switch n := text(g["InstanceCount"]); n {
	case "", "0":
	case "1":
		return "its node and its local data (instance storage, EBS volumes)"
	default:
		return "its " + n + " nodes and their local data (instance storage, EBS volumes)"
	}
	return "its nodes and their local data (instance storage, EBS volumes)"
}

// replacements lists, as sentences, what the change set replaces or removes
// with loss: groups, and the whole HyperPod cluster when its name changes
// or CloudFormation says it will replace the cluster resource.
func (cs *ChangeSet) replacements() []string {
	var out []string
	for _, p := range cs.Params {
		if p.Name == "HyperPodClusterName" {
			out = append(out, fmt.Sprintf("the HyperPod cluster %s is replaced by %s: every node and its local data are lost", p.Old, p.New))
		}
	}
	if len(out) == 0 && replacesCluster(cs.Changes) {
		out = append(out, "the HyperPod cluster is replaced: every node and its local data are lost")
	}
	for _, g := range cs.Groups {
		switch {
		case g.Replaces:
			out = append(out, fmt.Sprintf("group %s is replaced: %s are lost", g.Group, g.Lost))
		case g.Action == "remove":
			out = append(out, fmt.Sprintf("group %s is removed: %s are lost", g.Group, g.Lost))
		}
	}
	return out
}

func replacesCluster(changes []Change) bool {
	return slices.ContainsFunc(changes, func(c Change) bool {
		return c.Type == "AWS::SageMaker::Cluster" && c.Replacement == "True" || replacesCluster(c.Nested)
	})
}

// text is a JSON value as a person reads it: a string without its quotes,
// anything else as compact JSON; "" for none.
func text(v json.RawMessage) string {
	if len(v) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	var b bytes.Buffer
	if json.Compact(&b, v) == nil {
		return b.String()
	}
	return string(v)
}
