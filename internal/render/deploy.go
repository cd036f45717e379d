package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hpctl/hpctl/internal/deploy"
)

// ChangeSetText shows what an update will do: the parameters that change
// and each resource change with + (add), > (modify), - (remove), nested
// stacks indented under their stack resource.
func ChangeSetText(w io.Writer, stack string, cs *deploy.ChangeSet) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Change set %s (%s of %s):\n", cs.Name, strings.ToLower(cs.Type), stack)
	var plain []deploy.ParamChange
	for _, p := range cs.Params {
		// A group parameter is shown group by group below, unless it is not
		// the JSON hpctl writes (then its value is all there is to show).
		if !deploy.IsGroupParam(p.Name) || !groupsJSON(p.Old) || !groupsJSON(p.New) {
			plain = append(plain, p)
		}
	}
	if len(plain) > 0 {
		fmt.Fprintln(&b, "\nParameters:")
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		for _, p := range plain {
			to := quoteEmpty(p.New)
			if p.Default {
				to += " (template default)"
			}
			if diff, ok := tagDiff(p.Old, p.New); ok {
				fmt.Fprintf(tw, "  %s\t%s\n", p.Name, diff)
				continue
			}
			fmt.Fprintf(tw, "  %s\t%s → %s\n", p.Name, clip(quoteEmpty(p.Old), 100), clip(to, 100))
		}
		tw.Flush()
	}
	if len(cs.Groups) > 0 {
		fmt.Fprintln(&b, "\nInstance groups:")
		for _, g := range cs.Groups {
			groupChange(&b, g)
		}
	}
	if len(cs.Changes) > 0 {
		fmt.Fprintln(&b, "\nResources:")
		changeTree(&b, cs.Changes, 1)
	}
	add, mod, rm := deploy.Counts(cs.Changes)
	fmt.Fprintf(&b, "\n%d to add, %d to change, %d to remove", add, mod, rm)
	if n := dynamicChanges(cs.Changes); n > 0 {
		fmt.Fprintf(&b, " (%d of the changes may come to nothing: CloudFormation knows them only as the update runs)", n)
	}
	fmt.Fprintln(&b, ".")
	if len(cs.Replaces) > 0 {
		fmt.Fprintln(&b, "\nThis update cannot be made in place:")
		for _, r := range cs.Replaces {
			fmt.Fprintf(&b, "  ! %s\n", r)
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// dynamicChanges counts the changes that depend on what others produce.
func dynamicChanges(changes []deploy.Change) int {
	n := 0
	for _, c := range changes {
		if len(c.DependsOn) > 0 {
			n++
		}
		n += dynamicChanges(c.Nested)
	}
	return n
}

// groupChange is one group's line: "workers: InstanceCount 2 → 3",
// "+ group gpu (…)", "- group old", "! workers: … (replaces the group)".
func groupChange(b *bytes.Buffer, g deploy.GroupChange) {
	kind := "group"
	if g.Restricted {
		kind = "restricted group"
	}
	var fs []string
	for _, f := range g.Fields {
		if g.Action == "add" {
			fs = append(fs, f.Field+" "+f.New)
		} else {
			fs = append(fs, fmt.Sprintf("%s %s → %s", f.Field, quoteEmpty(f.Old), quoteEmpty(f.New)))
		}
	}
	switch {
	case g.Action == "add":
		fmt.Fprintf(b, "  + %s %s: %s\n", kind, g.Group, strings.Join(fs, ", "))
	case g.Action == "remove":
		fmt.Fprintf(b, "  - %s %s: %s are lost\n", kind, g.Group, g.Lost)
	case g.Replaces:
		fmt.Fprintf(b, "  ! %s: %s (replaces the %s: %s are lost)\n", g.Group, strings.Join(fs, ", "), kind, g.Lost)
	default:
		fmt.Fprintf(b, "  %s: %s\n", g.Group, strings.Join(fs, ", "))
	}
}

// groupsJSON reports a value hpctl's group parameters hold: a JSON array.
// tagDiff shows a change of a tag list ([{"Key":…,"Value":…}], the Tags
// parameter) tag by tag: "+ team=ml, - owner=bob, env dev → prod".
func tagDiff(oldV, newV string) (string, bool) {
	read := func(v string) (map[string]string, bool) {
		var tags []struct{ Key, Value *string }
		if json.Unmarshal([]byte(v), &tags) != nil {
			return nil, false
		}
		out := map[string]string{}
		for _, t := range tags {
			if t.Key == nil || t.Value == nil {
				return nil, false
			}
			out[*t.Key] = *t.Value
		}
		return out, true
	}
	a, okA := read(oldV)
	b, okB := read(newV)
	if !okA || !okB {
		return "", false
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(b)) {
		switch old, had := a[k]; {
		case !had:
			parts = append(parts, "+ "+k+"="+b[k])
		case old != b[k]:
			parts = append(parts, fmt.Sprintf("%s %s → %s", k, quoteEmpty(old), quoteEmpty(b[k])))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(a)) {
		if _, kept := b[k]; !kept {
			parts = append(parts, "- "+k+"="+a[k])
		}
	}
	return strings.Join(parts, ", "), len(parts) > 0
}

func groupsJSON(v string) bool {
	var groups []map[string]any
	return json.Unmarshal([]byte(v), &groups) == nil
}

func changeTree(b *bytes.Buffer, changes []deploy.Change, depth int) {
	for _, c := range changes {
		sign := map[string]string{"Add": "+", "Remove": "-", "Modify": ">", "Import": "+", "Dynamic": ">"}[c.Action]
		if sign == "" {
			sign = "?"
		}
		line := fmt.Sprintf("%s%s %s (%s)", strings.Repeat("  ", depth), sign, c.LogicalID, c.Type)
		switch c.Replacement {
		case "True":
			line += " replaced"
		case "Conditional":
			line += " may be replaced"
		}
		if len(c.Properties) > 0 && c.Nested == nil {
			line += ": " + strings.Join(c.Properties, ", ")
		}
		if len(c.DependsOn) > 0 {
			line += " may change (reads " + strings.Join(c.DependsOn, ", ") + ", known only as the update runs)"
		}
		fmt.Fprintln(b, line)
		changeTree(b, c.Nested, depth+1)
	}
}

// StatusText shows a deployment: the stack tree, the cluster with its
// groups and nodes, and the outputs.
func StatusText(w io.Writer, s *deploy.Status, loc *time.Location) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Stack %s: %s (last change %s)\n", s.Stack, s.Status, s.Updated.In(loc).Format("2006-01-02 15:04:05 MST"))
	if s.Reason != "" {
		fmt.Fprintf(&b, "  %s\n", s.Reason)
	}
	if s.RootCause != nil {
		fmt.Fprintf(&b, "  Root cause: %s\n", s.RootCause)
	}
	if t := s.Template; t != nil {
		fmt.Fprintf(&b, "  Template %s (sha256 %.12s, %d parameters)\n", t.URL, t.SHA256, t.Parameters)
	}
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\nSTACK\tSTATUS\tRESOURCES")
	for _, st := range s.Stacks {
		depth := strings.Count(st.Path, "/")
		name := st.Path[strings.LastIndexByte(st.Path, '/')+1:]
		if st.Unknown {
			name += " (not known to hpctl)"
		}
		fmt.Fprintf(tw, "%s%s\t%s\t%d\n", strings.Repeat("  ", depth), name, st.Status, st.Resources)
	}
	tw.Flush()
	for _, st := range s.Stacks {
		for _, p := range st.Problems {
			fmt.Fprintf(&b, "  ✗ %s\n", p)
		}
	}
	if s.ClusterGone != "" {
		fmt.Fprintf(&b, "\nCluster %s: does not exist, though the stack made it (deleted outside the stack, or by an interrupted destroy); `hpctl destroy %s` finishes the job\n", s.ClusterGone, s.Stack)
	}
	if c := s.Cluster; c != nil {
		fmt.Fprintf(&b, "\nCluster %s: %s\n", c.Name, c.Status)
		if c.FailureMessage != "" {
			fmt.Fprintf(&b, "  %s\n", c.FailureMessage)
		}
		tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  GROUP\tTYPE\tCOUNT\tSTATUS")
		for _, g := range c.Groups {
			fmt.Fprintf(tw, "  %s\t%s\t%d/%d\t%s\n", g.Name, g.Type, g.Current, g.Target, g.Status)
		}
		tw.Flush()
		if len(s.Nodes) > 0 {
			tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "\n  NODE\tGROUP\tTYPE\tSTATUS\tLAUNCHED")
			for _, n := range s.Nodes {
				launched := "-" // a node HyperPod has not launched yet
				if !n.Launch.IsZero() {
					launched = n.Launch.In(loc).Format("2006-01-02 15:04")
				}
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", n.ID, n.Group, n.Type, n.Status, launched)
			}
			tw.Flush()
		}
	}
	if len(s.Outputs) > 0 {
		fmt.Fprintln(&b, "\nOutputs:")
		tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		for _, k := range slices.Sorted(maps.Keys(s.Outputs)) {
			fmt.Fprintf(tw, "  %s\t%s\n", k, s.Outputs[k])
		}
		tw.Flush()
	}
	_, err := w.Write(trimLines(b.Bytes()))
	return err
}

// ScriptsText shows what a deploy writes to the lifecycle bucket: the
// user's scripts that changed, and those the folders no longer hold.
func ScriptsText(w io.Writer, s *deploy.ScriptSync) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "\nLifecycle scripts in s3://%s: %d to upload, %d to remove, %d unchanged\n", s.Bucket, len(s.Upload), len(s.Delete), s.Unchanged)
	for _, k := range s.Upload {
		fmt.Fprintf(&b, "  > %s\n", k)
	}
	for _, k := range s.Delete {
		fmt.Fprintf(&b, "  - %s\n", k)
	}
	if len(s.Upload)+len(s.Delete) > 0 {
		fmt.Fprintln(&b, "  Running nodes keep what they ran; nodes that join later (scaling, recovery) run these.")
	}
	_, err := w.Write(b.Bytes())
	return err
}
