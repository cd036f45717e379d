package cli

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/hpctl/hpctl/internal/emulator"
)

// The CI example runs: every hpctl command of examples/ci/github-actions.yml,
// job after job in the file's order, against the emulator; each exits 0
// and what it writes as JSON parses (NDJSON line by line).
func TestGitHubActionsExampleRuns(t *testing.T) {
	data, err := os.ReadFile("../../examples/ci/github-actions.yml")
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		Env  map[string]string `yaml:"env"`
		Jobs yaml.Node         `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatal(err)
	}
	e := onEmulator(t, emulator.Settings{})
	wf.Env["SPEC"] = specFile(t, "eks-quickstart.yaml", "  stage: prod\n", "  bucket: "+standIns+"\n")

	var ran []string
	for i := 0; i+1 < len(wf.Jobs.Content); i += 2 {
		job := wf.Jobs.Content[i].Value
		var body struct {
			Steps []struct {
				Run string `yaml:"run"`
			} `yaml:"steps"`
		}
		if err := wf.Jobs.Content[i+1].Decode(&body); err != nil {
			t.Fatal(err)
		}
		for _, step := range body.Steps {
			args := commandLine(step.Run, wf.Env)
			if len(args) == 0 || args[0] != "hpctl" {
				continue
			}
			ran = append(ran, job+": "+strings.Join(args[:2], " "))
			code, out, errOut := e.hpctl(args[1:]...)
			if code != 0 {
				t.Fatalf("%s: hpctl %s: exit %d\n%s%s", job, strings.Join(args[1:], " "), code, out, errOut)
			}
			if !strings.Contains(step.Run, "--output json") {
				continue
			}
			if args[1] == "plan" {
				if !json.Valid([]byte(out)) {
					t.Errorf("%s: the plan is not JSON", job)
				}
				continue
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			for _, l := range lines {
				if !json.Valid([]byte(l)) {
					t.Errorf("%s: not a JSON line: %q", job, l)
				}
			}
			if !strings.Contains(lines[len(lines)-1], `"type":"summary"`) || !strings.Contains(lines[len(lines)-1], `"succeeded":true`) {
				t.Errorf("%s: the last line is not a successful summary: %s", job, lines[len(lines)-1])
			}
		}
	}
	want := []string{"plan: hpctl validate", "plan: hpctl plan", "deploy: hpctl validate", "deploy: hpctl plan",
		"deploy: hpctl deploy", "destroy: hpctl destroy"}
	if strings.Join(ran, "\n") != strings.Join(want, "\n") {
		t.Errorf("ran\n  %s\nwant\n  %s", strings.Join(ran, "\n  "), strings.Join(want, "\n  "))
	}
	if inv := e.inventory(); len(inv["stacks"]) != 0 || len(inv["clusters"]) != 0 {
		t.Errorf("left: %v", inv)
	}
}

// commandLine reads the command of a run step: its words, with $VAR and
// "$VAR" expanded from env, up to a pipe or a redirection.
func commandLine(run string, env map[string]string) []string {
	run, _, _ = strings.Cut(run, "|")
	run, _, _ = strings.Cut(run, ">")
	var words []string
	for _, w := range strings.Fields(run) {
		words = append(words, os.Expand(strings.Trim(w, `"`), func(k string) string { return env[k] }))
	}
	return words
}
