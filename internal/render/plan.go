// Package render turns what hpctl decided or saw into text for people, plain
// lines for logs and CI, and JSON for programs. It makes no AWS calls.
package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/hpctl/hpctl/internal/catalog"
	"github.com/hpctl/hpctl/internal/plan"
)

// PlanText writes a plan a person reads in ten seconds: what is created and
// skipped and why first, the details after.
func PlanText(w io.Writer, p *plan.Plan) error {
	var buf bytes.Buffer
	if err := planText(&buf, p); err != nil {
		return err
	}
	_, err := w.Write(trimLines(buf.Bytes()))
	return err
}

// trimLines drops the padding tabwriter leaves after a row's last cell.
func trimLines(b []byte) []byte {
	lines := bytes.Split(b, []byte("\n"))
	for i, l := range lines {
		lines[i] = bytes.TrimRight(l, " ")
	}
	return bytes.Join(lines, []byte("\n"))
}

// Orchestrator is the orchestrator's name as a sentence says it.
func Orchestrator(o string) string {
	return map[string]string{"eks": "EKS", "slurm": "Slurm"}[o]
}

// DeployHeader is the deploy's first line: what, where, and the nested
// stacks counted as plan, status and destroy count them.
func DeployHeader(w io.Writer, p *plan.Plan) error {
	created, skipped := p.NestedStacks()
	_, err := fmt.Fprintf(w, "Deploying %s HyperPod cluster %s as stack %s in %s (%d nested stacks, %d skipped)\n",
		Orchestrator(p.Orchestrator), p.Cluster, p.StackName, p.Region, len(created), len(skipped))
	return err
}

func planText(w io.Writer, p *plan.Plan) error {
	ew := &errWriter{w: w}
	ew.printf("Plan: %s HyperPod cluster %s in %s\n\n", Orchestrator(p.Orchestrator), p.Cluster, p.Region)

	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  Main stack\t%s\n", p.StackName)
	fmt.Fprintf(tw, "  Template\t%s\n", p.Template.URL)
	src := "AWS-hosted, stage " + p.Template.Stage
	if p.Template.Version != "" {
		src += ", version " + p.Template.Version
	}
	if p.Template.Source == "custom" {
		src = "custom bucket " + p.Template.Bucket
		if p.Template.UploadDir != "" {
			src += ", uploaded from " + p.Template.UploadDir + " first"
		}
	}
	fmt.Fprintf(tw, "\t%s; %s\n", src, templateRead(p.Template))
	if p.Template.Note != "" {
		fmt.Fprintf(tw, "\t! %s\n", p.Template.Note)
	}
	fmt.Fprintf(tw, "  Drift\t%s\n", driftSummary(p.Drift))
	fmt.Fprintf(tw, "  Resource prefix\t%s\n", p.ResourcePrefix)
	fmt.Fprintf(tw, "  Capabilities\t%s\n", strings.Join(p.Capabilities, ", "))
	fmt.Fprintf(tw, "  Tags\t%s\n", tagList(p.Tags))
	ew.err = tw.Flush()

	var core, extra, idle []plan.Stack
	for _, s := range p.Stacks {
		switch {
		case s.Core:
			core = append(core, s)
		case s.Action == plan.Create || s.DecidedBy != "":
			extra = append(extra, s)
		default:
			idle = append(idle, s)
		}
	}
	create, skip := p.NestedStacks()
	ew.printf("\nStacks: %d nested stacks to create, %d to skip\n", len(create), len(skip))
	stackTable(ew, append(core, extra...))
	if len(idle) > 0 {
		names := make([]string, len(idle))
		for i, s := range idle {
			names[i] = s.Name
		}
		ew.printf("  Also in the template, off at its defaults: %s\n", strings.Join(names, ", "))
	}

	driftText(ew, p.Drift)

	if len(p.InstanceGroups) > 0 {
		ew.printf("\nInstance groups: %d\n", len(p.InstanceGroups))
		tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		for _, g := range p.InstanceGroups {
			fmt.Fprintf(tw, "  %s\t%s\t%s × %d\t%s\n", g.Slot, g.Name, g.InstanceType, g.Count, groupDetail(g))
		}
		ew.err = tw.Flush()
	}

	if s := p.Scripts; s != nil {
		made := map[bool]string{true: ", a bucket hpctl makes"}[s.MakeBucket]
		ew.printf("\nLifecycle scripts: yours, uploaded before the stacks run to s3://%s/%s%s\n", s.Bucket, plan.ScriptsPrefix(p.StackName), made)
		for _, f := range s.Folders {
			ew.printf("  %s → %s\n", f.Dir, strings.TrimPrefix(f.Prefix, plan.ScriptsPrefix(p.StackName)))
			for _, x := range f.Scripts {
				ew.printf("    %s runs on %s\n", x.Name, orDash(strings.Join(x.Groups, ", ")))
			}
		}
	}

	sent := p.Sent()
	ew.printf("\nParameters: %d sent, %d left at template defaults\n", len(sent), len(p.Parameters)-len(sent))
	tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	var blanked []string
	for _, x := range sent {
		switch {
		case isSlot(x.Name):
		case x.Source == plan.FromHpctl && x.Value == "" && strings.HasPrefix(x.From, "blanks "):
			blanked = append(blanked, x.Name)
		default:
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", x.Name, clip(quoteEmpty(x.Value), 56), source(x))
		}
	}
	ew.err = tw.Flush()
	for _, g := range p.InstanceGroups {
		ew.printf("  %s = %s\n", g.Slot, g.JSON)
	}
	if len(blanked) > 0 {
		ew.printf("  Sent empty, so no placeholder default reaches CloudFormation: %s\n", strings.Join(blanked, ", "))
	}

	ew.printf("\nCreate order: %s\n", strings.Join(p.CreateOrder, " → "))
	ew.printf("Destroy order: %s\n", destroyOrder(p))
	if len(p.Warnings) > 0 {
		ew.printf("\nWarnings:\n")
		for _, d := range p.Warnings {
			ew.printf("  %s\n", d.String())
		}
	}
	return ew.err
}

// templateRead says how the plan read its template and what it read.
func templateRead(t plan.Template) string {
	var how string
	switch t.Read {
	case "s3":
		how = "read from S3"
	case "s3, not modified since cached":
		how = "read from the cache (S3: not modified)"
	case "cache":
		how = "read from the cache"
	case "file":
		how = "read from templates.dir"
	case "embedded":
		how = "hpctl's embedded copy"
	default:
		how = "read from " + t.Read
	}
	if t.ETag != "" {
		how += ", ETag " + t.ETag
	}
	return fmt.Sprintf("%s, sha256 %.12s, %d parameters, %d nested stacks", how, t.SHA256, t.Parameters, t.NestedStacks)
}

func driftSummary(d plan.Drift) string {
	if d.Empty() {
		return "none: hpctl knows every parameter and nested stack of this template"
	}
	n := len(d.UnknownParameters) + len(d.MissingParameters) + len(d.NotSent) + len(d.ChangedDefaults) +
		len(d.UnknownStacks) + len(d.MissingStacks) + len(d.ChangedConditions)
	return fmt.Sprintf("%d difference(s) from what hpctl knows of this template, below", n)
}

// driftText lists where the template and hpctl's knowledge of it part.
func driftText(ew *errWriter, d plan.Drift) {
	if d.Empty() {
		return
	}
	ew.printf("\nDrift: the plan follows the template where hpctl's knowledge of it differs\n")
	for _, s := range d.UnknownStacks {
		file := ""
		if s.Template != "" {
			file = ", " + s.Template
		}
		ew.printf("  ? nested stack %s is not known to hpctl: %s (%s%s)\n", s.LogicalID, map[plan.Action]string{plan.Create: "created", plan.Skip: "skipped"}[s.Action], s.Condition, file)
	}
	for _, s := range d.MissingStacks {
		ew.printf("  ? %s, which hpctl knows, is not in this template\n", s)
	}
	for _, c := range d.ChangedConditions {
		ew.printf("  ? %s: the template %s it (%s); hpctl knows its condition as %s\n", c.Stack,
			map[plan.Action]string{plan.Create: "creates", plan.Skip: "skips"}[c.Action], c.Template, c.Known)
	}
	for _, x := range d.UnknownParameters {
		if x.Required {
			ew.printf("  ? parameter %s (%s) is not known to hpctl and has no default\n", x.Name, x.Type)
			continue
		}
		ew.printf("  ? parameter %s (%s) is not known to hpctl: left at its default %s\n", x.Name, x.Type, clip(quoteEmpty(x.Default), 60))
	}
	for _, x := range d.ChangedDefaults {
		ew.printf("  ? %s defaults to %s here, not %s as hpctl knows it; the plan uses %s\n", x.Name, quoteEmpty(x.Template), quoteEmpty(x.Known), quoteEmpty(x.Template))
	}
	for _, x := range d.NotSent {
		ew.printf("  ? %s is not declared: hpctl would have set it to %s (%s)\n", x.Name, clip(quoteEmpty(x.Value), 40), x.From)
	}
	if len(d.MissingParameters) > 0 {
		ew.printf("  ? parameters hpctl knows that this template does not declare: %s\n", strings.Join(d.MissingParameters, ", "))
	}
}

func isSlot(name string) bool {
	return strings.HasPrefix(name, "InstanceGroupSettings") || strings.HasPrefix(name, "RigSettings")
}

func stackTable(ew *errWriter, stacks []plan.Stack) {
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	for _, s := range stacks {
		mark := "-"
		if s.Action == plan.Create {
			mark = "+"
		}
		fmt.Fprintf(tw, "  %s %s\t%s%s\t%s\n", mark, s.Name, s.Reason, stackAside(s), s.DecidedBy)
	}
	ew.err = tw.Flush()
}

// stackAside says what stands in for a skipped stack's outputs, and where a
// stack's name and the template's disagree.
func stackAside(s plan.Stack) string {
	if len(s.SuppliedBy) > 0 {
		return "; the stacks read " + strings.Join(s.SuppliedBy, ", ") + " instead"
	}
	switch {
	case s.Kind == catalog.Companion:
		return " (companion stack " + s.TopLevelName + ")"
	case s.Kind == catalog.CustomResource:
		return " (top-level stack " + s.TopLevelName + ")"
	case s.Kind == catalog.Inside:
		return " (inside LifeCycleScriptStack)"
	case len(s.LogicalIDs) > 1:
		return " (" + strings.Join(s.LogicalIDs, " + ") + ")"
	case len(s.LogicalIDs) == 1 && s.LogicalIDs[0] != s.Name:
		return " (" + s.LogicalIDs[0] + ")"
	}
	return ""
}

func groupDetail(g plan.Group) string {
	var parts []string
	if g.Restricted {
		parts = append(parts, "restricted")
	}
	if g.Type != "" {
		parts = append(parts, g.Type)
	}
	if g.Zone != "" {
		parts = append(parts, g.Zone)
	}
	if g.EBSVolumeGiB > 0 {
		parts = append(parts, fmt.Sprintf("EBS %d GiB", g.EBSVolumeGiB))
	}
	return strings.Join(parts, ", ")
}

func source(x plan.Param) string {
	if x.Source == plan.FromSpec {
		return x.From
	}
	return "hpctl: " + x.From
}

func destroyOrder(p *plan.Plan) string {
	order := strings.Join(p.DestroyOrder, " → ")
	if s, ok := p.Stack("HyperPodClusterStack"); ok && s.Action == plan.Create {
		return "the HyperPod cluster " + p.Cluster + " first, then " + order
	}
	return order
}

// tagList shows the tags a person sets or reads; the two that record the
// template repeat the Template line, and are left to the JSON.
func tagList(tags []plan.Tag) string {
	var parts []string
	for _, t := range tags {
		if t.Key != plan.TagTemplate && t.Key != plan.TagTemplateID {
			parts = append(parts, t.Key+"="+t.Value)
		}
	}
	return strings.Join(parts, ", ") + " (and the template's URL and sha256)"
}

func quoteEmpty(s string) string {
	if s == "" {
		return `""`
	}
	return s
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// PlanJSON writes the plan as one JSON document, on one line, with the same
// content as the text.
func PlanJSON(w io.Writer, p *plan.Plan) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(p)
}

// errWriter keeps the first write error so the layout code stays readable.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(b []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(b)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) {
	fmt.Fprintf(e, format, args...)
}
