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
)

//go:embed eks/*.yaml slurm/*.yaml
var files embed.FS

// Object is one stand-in under the key the hosted bucket layout gives it.
type Object struct {
	Key  string
	Body []byte
}

// Objects returns every stand-in of both orchestrators, keyed like the
// hosted bucket: templates/<file> for EKS, templates-slurm/<file> for Slurm.
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
	return out, nil
}

// Read returns one stand-in by orchestrator and file name.
func Read(orchestrator, file string) ([]byte, error) {
	return files.ReadFile(orchestrator + "/" + file)
}
