package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hpctl/hpctl/internal/deploy"
	"github.com/hpctl/hpctl/internal/plan"
	"github.com/hpctl/hpctl/internal/render"
	"github.com/hpctl/hpctl/internal/spec"
	"github.com/spf13/cobra"
)

// maxSpecBytes bounds what hpctl reads as a spec; a real one is a few KiB.
const maxSpecBytes = 1 << 20

// loaded is a spec file and everything hpctl made of it.
type loaded struct {
	file  string
	c     *spec.Cluster
	plan  *plan.Plan
	diags spec.Diagnostics
	// files are what a deploy uploads to the custom bucket first
	// (templates.dir, or the stand-ins); the plan was made from them.
	files []deploy.File
	// scripts are the user's own lifecycle scripts a deploy uploads to the
	// lifecycle bucket (plan.Scripts' folders, read beside the spec).
	scripts []deploy.File
}

// loadOptions say how a command reads a spec and its template.
type loadOptions struct {
	// want is the orchestrator the command is for ("" for any).
	want    spec.Orchestrator
	command string
	read    readMode
	// standIns plans from (and uploads) hpctl's stand-ins.
	standIns bool
	over     []func(*spec.Cluster)
}

// addFileFlag adds -f, which every spec-reading command takes.
func addFileFlag(cmd *cobra.Command, file *string) {
	*file = "cluster.yaml"
	cmd.Flags().VarP(&fileFlag{p: file}, "file", "f", "spec file, or - for standard input")
	_ = cmd.MarkFlagFilename("file", "yaml", "yml")
}

// fileFlag is -f: one spec per command, so a second -f is a mistake (the
// last one would silently win), and an empty name is no file.
type fileFlag struct {
	p   *string
	set bool
}

func (f *fileFlag) String() string { return *f.p }
func (f *fileFlag) Type() string   { return "file" }
func (f *fileFlag) Set(v string) error {
	switch {
	case f.set:
		return fmt.Errorf("is given twice (%s and %s); a command reads one spec", *f.p, v)
	case v == "":
		return errors.New("needs a file name, or - for standard input")
	}
	*f.p, f.set = v, true
	return nil
}

func readSpec(ios *IO, file string) (string, []byte, error) {
	var r io.Reader
	name := file
	if file == "-" {
		r, name = ios.In, spec.StdinName
	} else {
		f, err := os.Open(file)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return "", nil, usageErr("%s: no such file; `hpctl init eks -o %s` writes a starter", file, file)
		case err != nil:
			return "", nil, usageErr("%v", err)
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.IsDir() {
			return "", nil, usageErr("%s is a directory; give the spec file, such as %s", file, filepath.Join(file, "cluster.yaml"))
		}
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxSpecBytes+1))
	switch {
	case err != nil:
		return "", nil, usageErr("read %s: %v", name, err)
	case len(data) > maxSpecBytes:
		return "", nil, usageErr("%s is larger than %d KiB; a spec is a few hundred lines", name, maxSpecBytes>>10)
	}
	return name, data, nil
}

// loadAndPlan reads, validates and plans a spec against its main template,
// gathering every finding.
func loadAndPlan(ctx context.Context, ios *IO, g *Globals, file string, o loadOptions) (*loaded, error) {
	want, command := o.want, o.command
	name, data, err := readSpec(ios, file)
	if err != nil {
		return nil, err
	}
	c, diags := spec.Load(name, data)
	l := &loaded{file: name, c: c, diags: diags}
	if c == nil {
		return l, nil
	}
	if want != "" && c.Orchestrator != want && (c.Orchestrator == spec.EKS || c.Orchestrator == spec.Slurm) {
		l.diags = append(l.diags, c.Diag(spec.Error, "orchestrator",
			"is %s, but this is `hpctl %s %s`; run `hpctl %s %s -f %s`, or leave the orchestrator out to take the spec's", c.Orchestrator, command, want, command, c.Orchestrator, file))
		return l, nil
	}
	region, err := resolveRegion(ios, g, c)
	if err != nil {
		l.diags = append(l.diags, c.Diag(spec.Error, "metadata.region", "%v", err))
		return l, nil
	}
	if msg := spec.CheckRegion(region); region != "" && msg != "" {
		// Nothing region-bound (zones, template URLs) is planned on a
		// region that does not exist; the spec's own is reported already.
		if c.Metadata.Region == "" {
			l.diags = append(l.diags, c.Diag(spec.Error, "metadata.region", "the region from --region or the environment: %s", msg))
		}
		return l, nil
	}
	for _, f := range o.over {
		f(c)
	}
	if c.Orchestrator != spec.EKS && c.Orchestrator != spec.Slurm {
		return l, nil // validation reports it; there is no template to read
	}
	loc := plan.Locate(c, region)
	if o.standIns && loc.Source != "custom" {
		return nil, usageErr("--stand-ins needs a template bucket: set templates.bucket or pass --templates-bucket")
	}
	if l.files, err = templateFiles(l.file, loc, o.standIns); err != nil {
		return nil, err
	}
	read := o.read
	if diags.HasErrors() || region == "" {
		read = readCached // the command ends with the spec's errors: read nothing for them
	}
	main, err := mainTemplate(ctx, ios, g, c, region, loc, l.files, read)
	if err != nil {
		return nil, err
	}
	p, pd := plan.Resolve(c, plan.Options{Region: region, Main: main})
	l.plan = p
	if p != nil && p.Scripts != nil {
		base := filepath.Dir(l.file)
		if l.file == spec.StdinName {
			base = "."
		}
		var problems []deploy.ScriptProblem
		l.scripts, problems = deploy.ScriptFiles(base, p)
		for _, x := range problems {
			pd = append(pd, c.Diag(map[bool]spec.Severity{false: spec.Error, true: spec.Warning}[x.Warning], x.Path, "%s", x.Message))
		}
	}
	if !pd.HasErrors() && (read != readCached || l.files != nil) {
		checkCtx, cancel := context.WithTimeout(ctx, 2*fetchTimeout)
		pd = append(pd, plan.Consistent(checkCtx, c, p, main)...)
		cancel()
	}
	// A value the spec already reports as wrong is not planned on top of.
	bad := map[string]bool{}
	for _, d := range diags.Errors() {
		bad[d.Path] = true
	}
	for _, d := range pd {
		if !underBad(d.Path, bad) {
			l.diags = append(l.diags, d)
		}
	}
	l.diags = l.diags.Sorted()
	return l, nil
}

func underBad(path string, bad map[string]bool) bool {
	for b := range bad {
		if b != "" && spec.Under(path, b) {
			return true
		}
	}
	return false
}

// resolveRegion picks the region: the spec's, else --region, else the
// environment. A spec that names a region deploys there; a flag that says
// otherwise is a mistake, not an override.
func resolveRegion(ios *IO, g *Globals, c *spec.Cluster) (string, error) {
	specRegion := c.Metadata.Region
	if g.Region != "" && specRegion != "" && g.Region != specRegion {
		return "", fmt.Errorf("is %s, but --region is %s; a spec deploys where it says", specRegion, g.Region)
	}
	for _, r := range []string{specRegion, g.Region, ios.Getenv("AWS_REGION"), ios.Getenv("AWS_DEFAULT_REGION")} {
		if r != "" {
			return r, nil
		}
	}
	return "", nil
}

// validation summarises findings and decisions for `validate` and for a
// plan that cannot be made.
func (l *loaded) validation() render.Validation {
	v := render.NewValidation(l.file, l.diags)
	if l.c != nil {
		v.Orchestrator = string(l.c.Orchestrator)
	}
	if l.plan != nil && v.Valid {
		v.Create, v.Skip = l.plan.NestedStacks()
	}
	return v
}
