// Package templates holds hpctl's stand-ins of the hosted HyperPod templates:
// the same main-stack parameters, conditions, nested stacks and outputs,
// over resources the local emulator can create. They are embedded in the
// binary so that the demo can fill an emulated bucket with them; they are
// not meant for AWS.
package templates

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"

	"github.com/hpctl/hpctl/internal/catalog"
	"github.com/hpctl/hpctl/internal/template"
)

//go:embed eks/*.yaml slurm/*.yaml
var files embed.FS

// Object is one stand-in under the key the hosted bucket layout gives it.
type Object struct {
	Key  string
	Body []byte
}

// Objects returns every stand-in of both orchestrators, keyed like the
// hosted bucket: templates/<file> for EKS, templates-slurm/<file> for Slurm,
// and the Lambda code they load under resources/artifacts/.
func Objects() ([]Object, error) {
	var out []Object
	for _, o := range []*catalog.Orchestration{catalog.EKS(), catalog.Slurm()} {
		names, err := fs.Glob(files, o.Name+"/*.yaml")
		if err != nil {
			return nil, err
		}
		sort.Strings(names)
		for _, name := range names {
			body, err := files.ReadFile(name)
			if err != nil {
				return nil, err
			}
			out = append(out, Object{Key: o.Prefix + "/" + path.Base(name), Body: body})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no stand-in templates are embedded")
	}
	code, err := artifacts()
	return append(out, code...), err
}

// Read returns one stand-in by orchestrator and file name.
func Read(orchestrator, file string) ([]byte, error) {
	return files.ReadFile(orchestrator + "/" + file)
}

// Main is hpctl's embedded copy of the newest hosted main stack of an
// orchestrator, parsed: its stand-in declares exactly the hosted parameters,
// conditions, nested stacks and their wiring, so a plan made from it is the
// plan of the hosted template hpctl knows. It stands in when the live
// template cannot be read.
func Main(orchestrator string) (*template.Main, error) {
	f, err := Fallback(orchestrator)
	if err != nil {
		return nil, err
	}
	return f.Main()
}

// Fallback is the embedded copy of an orchestrator's main stack, for a plan
// whose live template cannot be read.
func Fallback(orchestrator string) (*template.Fallback, error) {
	cat, err := catalog.For(orchestrator)
	if err != nil {
		return nil, err
	}
	body, err := Read(orchestrator, cat.MainTemplate)
	if err != nil {
		return nil, err
	}
	return &template.Fallback{Body: body, Label: EmbeddedLabel(cat)}, nil
}

// EmbeddedLabel names hpctl's embedded copy of a main stack for people.
func EmbeddedLabel(cat *catalog.Orchestration) string {
	return "hpctl's embedded copy of " + cat.MainTemplate + " (" + cat.Version + ")"
}

// Store is every stand-in as a template store, keyed like the hosted bucket.
func Store() *template.Files {
	objs, _ := Objects() // embedded at build time: it cannot fail once a test has read it
	files := &template.Files{Label: "hpctl's stand-ins", ReadAs: "embedded", Objects: map[string][]byte{}}
	for _, o := range objs {
		files.Objects[o.Key] = o.Body
	}
	return files
}
