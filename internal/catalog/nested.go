package catalog

import (
	_ "embed"
	"fmt"
	"regexp"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// Interface is what a newest real nested template declares: hpctl's record
// of it, which the stand-ins are held to (nested.yaml says where each was
// read).
type Interface struct {
	Commit     string                 `yaml:"commit"`
	Parameters map[string]NestedParam `yaml:"parameters"`
	Outputs    []string               `yaml:"outputs"`
}

// NestedParam is one parameter of a nested template.
type NestedParam struct {
	Type string `yaml:"type"`
	// Default is nil when the parameter must be passed.
	Default *string `yaml:"default"`
}

//go:embed nested.yaml
var nestedYAML []byte

// slots expands Name1..N and Name1..NSuffix into the N parameters.
var slots = regexp.MustCompile(`^(\w*?)1\.\.(\d+)(\w*)$`)

// Interfaces returns the recorded interface of every nested template of an
// orchestrator, by file name.
func Interfaces(orchestrator string) (map[string]Interface, error) {
	var all map[string]map[string]Interface
	if err := yaml.Unmarshal(nestedYAML, &all); err != nil {
		return nil, fmt.Errorf("nested.yaml: %w", err)
	}
	out := all[orchestrator]
	for file, in := range out {
		params := map[string]NestedParam{}
		for name, p := range in.Parameters {
			m := slots.FindStringSubmatch(name)
			if m == nil {
				params[name] = p
				continue
			}
			n, _ := strconv.Atoi(m[2])
			for i := 1; i <= n; i++ {
				params[m[1]+strconv.Itoa(i)+m[3]] = p
			}
		}
		in.Parameters = params
		out[file] = in
	}
	return out, nil
}
