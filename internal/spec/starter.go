package spec

import (
	"bytes"
	"embed"
	"fmt"
	"text/template"
)

//go:embed starter/*.yaml
var starters embed.FS

// StarterOptions fill in a starter spec.
type StarterOptions struct {
	Name   string
	Region string
	// File is the name the starter's comments tell the user to pass to -f.
	File string
}

// Starter returns a commented starter spec for the orchestrator.
func Starter(o Orchestrator, opts StarterOptions) ([]byte, error) {
	if o != EKS && o != Slurm {
		return nil, fmt.Errorf("no starter for %q: eks or slurm", o)
	}
	if !reHyperPodName.MatchString(opts.Name) {
		return nil, fmt.Errorf("%q is not a HyperPod cluster name: 1 to 63 letters, digits and hyphens", opts.Name)
	}
	prefix := AZIDPrefix(opts.Region)
	if !reRegion.MatchString(opts.Region) || prefix == "" {
		return nil, fmt.Errorf("%q is not a region hpctl can name zones for (like us-west-2)", opts.Region)
	}
	text, err := starters.ReadFile("starter/" + string(o) + ".yaml")
	if err != nil {
		return nil, err
	}
	t, err := template.New(string(o)).Option("missingkey=error").Parse(string(text))
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	err = t.Execute(&b, map[string]string{
		"Name": opts.Name, "Region": opts.Region, "File": opts.File,
		"Zone1": prefix + "-az1", "Zone2": prefix + "-az2",
	})
	return b.Bytes(), err
}
