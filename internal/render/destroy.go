package render

import (
	"bytes"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/hpctl/hpctl/internal/deploy"
)

// DestroyPlanText shows what a destroy will take down, in order, and what
// it will not touch or cannot remove.
func DestroyPlanText(w io.Writer, t *deploy.Target) error {
	var b bytes.Buffer
	if t.Gone() {
		names := t.StackName
		for _, a := range t.Also {
			names += " (nor " + a + ")"
		}
		fmt.Fprintf(&b, "Nothing to destroy: no stack %s in %s.\n", names, t.Region)
		if t.Near != "" {
			fmt.Fprintf(&b, "Did you mean %s? It is the nearest name of hpctl's deployments there: hpctl destroy %s --region %s\n", t.Near, t.Near, t.Region)
		}
		_, err := w.Write(b.Bytes())
		return err
	}
	orch := Orchestrator(t.Orchestrator)
	if t.Stack != nil {
		fmt.Fprintf(&b, "Destroy: %s deployment %s in %s (%s)\n", orch, t.StackName, t.Region, t.Status)
	} else {
		fmt.Fprintf(&b, "Destroy: what is left of %s in %s (the main stack is gone)\n", t.StackName, t.Region)
	}
	if t.Owner != "" {
		fmt.Fprintf(&b, "  ! %s\n", t.Owner)
	}
	if t.Protected {
		fmt.Fprintf(&b, "  ! termination protection is on\n")
	}
	step := 0
	next := func(format string, args ...any) {
		step++
		fmt.Fprintf(&b, "  %d. "+format+"\n", append([]any{step}, args...)...)
	}
	if t.ClusterState != nil {
		next("HyperPod cluster %s (%s), first; hpctl waits until it is gone", t.Cluster, clusterState(*t.ClusterState))
	}
	if u := t.Uploads; u != nil {
		next("the %s hpctl uploaded to s3://%s/%s (and nothing else of the bucket)", deploy.Objects(len(u.Keys)), u.Bucket, path.Dir(u.Manifest)+"/")
	}
	if len(t.Buckets) > 0 {
		next("empty the buckets the stacks made (every version and delete marker): %s", strings.Join(t.Buckets, ", "))
	}
	if t.Stack != nil {
		if len(t.Nested) == 0 {
			next("stack %s (no nested stacks)", t.StackName)
		} else {
			next("stack %s; CloudFormation deletes its %d nested stacks in this order:", t.StackName, len(t.Nested))
			fmt.Fprintf(&b, "       %s\n", strings.Join(t.Nested, " → "))
			for _, u := range t.Unknown {
				fmt.Fprintf(&b, "       ? %s is not known to hpctl (a newer template's; created when %s)\n", u.LogicalID, u.Condition)
			}
		}
	}
	for _, c := range t.Companions {
		next("companion stack %s (%s)", c.StackName, c.Name)
	}
	if u := t.Uploads; u != nil && u.MadeBucket {
		next("the lifecycle bucket %s, which hpctl made (kept if it holds anything else)", u.Bucket)
	}
	for _, h := range t.Hazards {
		fmt.Fprintf(&b, "  ! %s\n", h.Message)
	}
	if len(t.Leftovers) > 0 {
		fmt.Fprintln(&b, "Known to outlive the stacks (hpctl lists them afterwards):")
		for _, l := range t.Leftovers {
			fmt.Fprintf(&b, "  - %s: %s\n", l.What, l.Name)
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// destroyedText ends a destroy: what went and what is left, or the root
// cause and the command that retries.
func destroyedText(w io.Writer, r deploy.Destroyed, color bool) {
	if r.AlreadyGone {
		fmt.Fprintf(w, "Nothing to destroy: %s is already gone.\n", r.Stack)
		return
	}
	if !r.Succeeded {
		mark := "✗"
		if color {
			mark = ansiRed + mark + ansiReset
		}
		fmt.Fprintf(w, "\n%s %s %s after %s\n", mark, r.Stack, r.Status, r.Elapsed)
		if r.RootCause != nil {
			label := "Root cause:"
			if color {
				label = ansiBold + ansiRed + label + ansiReset
			}
			fmt.Fprintf(w, "%s %s\n", label, r.RootCause)
		}
		if r.Retry != "" {
			fmt.Fprintf(w, "Retry: %s\n", r.Retry)
		}
		return
	}
	mark := "✓"
	if color {
		mark = ansiGreen + mark + ansiReset
	}
	fmt.Fprintf(w, "\n%s destroyed %s in %s:\n", mark, r.Stack, r.Elapsed)
	for _, d := range r.Deleted {
		fmt.Fprintf(w, "  - %s\n", d)
	}
	if len(r.Leftovers) == 0 {
		fmt.Fprintln(w, "Nothing of the deployment is left.")
		return
	}
	for _, verified := range []bool{true, false} {
		head := "Left behind, to remove by hand:"
		if !verified {
			head = "Probably left behind (the templates leave them where hpctl does not look):"
		}
		for i, l := range filter(r.Leftovers, verified) {
			if i == 0 {
				fmt.Fprintln(w, head)
			}
			fmt.Fprintf(w, "  - %s: %s\n      %s\n", l.What, l.Name, l.Remove)
		}
	}
}

func filter(ls []deploy.Leftover, verified bool) []deploy.Leftover {
	var out []deploy.Leftover
	for _, l := range ls {
		if l.Verified == verified {
			out = append(out, l)
		}
	}
	return out
}
