package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/hpctl/hpctl/internal/emulator"
	"github.com/hpctl/hpctl/internal/plan"
	"github.com/hpctl/hpctl/internal/spec"
	"github.com/hpctl/hpctl/templates"
)

const (
	bucket   = "hpctl-bench-templates"
	mainKey  = "templates/main-stack-eks-based-template.yaml"
	example  = "examples/eks-quickstart.yaml"
	failedID = "PrivateSubnet2"
	reason   = "InvalidSubnet.Range: The CIDR '10.99.9.0/24' is invalid."
)

// tool is one deployer under test.
type tool struct {
	name string
	// command is the deployment's command line.
	command func(stack string) []string
	env     []string
}

// inputs are what every tool deploys: the same template, parameters and tags.
type inputs struct {
	plan     *plan.Plan
	spec     string // hpctl's spec
	template string // the main template as a file (rain, the AWS CLI)
	body     []byte
	config   string // rain's parameter file
}

// prepareInputs plans the example with the bench bucket, and writes the
// main stand-in without its parameter descriptions (as compact JSON it
// then fits a TemplateBody, which the AWS CLI needs: its S3 upload would
// give a loopback URL CloudFormation on the emulator cannot read).
func prepareInputs(dir string) (*inputs, error) {
	data, err := os.ReadFile(example)
	if err != nil {
		return nil, err
	}
	text := strings.Replace(string(data), "  stage: prod\n", "  bucket: "+bucket+"\n", 1)
	in := &inputs{spec: filepath.Join(dir, "cluster.yaml")}
	if err := os.WriteFile(in.spec, []byte(text), 0o644); err != nil {
		return nil, err
	}
	c, ds := spec.Load(in.spec, []byte(text))
	if ds.HasErrors() {
		return nil, fmt.Errorf("%s: %v", example, ds.Errors())
	}
	main, err := templates.Main("eks")
	if err != nil {
		return nil, err
	}
	p, pd := plan.Resolve(c, plan.Options{Region: emulator.Region, Main: main})
	if pd.HasErrors() {
		return nil, fmt.Errorf("plan: %v", pd.Errors())
	}
	in.plan = p
	raw, err := templates.Read("eks", filepath.Base(mainKey))
	if err != nil {
		return nil, err
	}
	var tpl map[string]any
	if err := yaml.Unmarshal(raw, &tpl); err != nil {
		return nil, err
	}
	for _, decl := range tpl["Parameters"].(map[string]any) {
		delete(decl.(map[string]any), "Description")
	}
	if in.body, err = json.Marshal(tpl); err != nil {
		return nil, err
	}
	in.template = filepath.Join(dir, "main.json")
	if err := os.WriteFile(in.template, in.body, 0o644); err != nil {
		return nil, err
	}
	cfg := map[string]any{"Parameters": params(p), "Tags": tags(p)}
	b, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	in.config = filepath.Join(dir, "rain-config.json")
	return in, os.WriteFile(in.config, b, 0o644)
}

func params(p *plan.Plan) map[string]string {
	out := map[string]string{}
	for _, x := range p.Sent() {
		out[x.Name] = x.Value
	}
	return out
}

func tags(p *plan.Plan) map[string]string {
	out := map[string]string{}
	for _, t := range p.Tags {
		out[t.Key] = t.Value
	}
	return out
}

// prepareTools builds hpctl, installs rain, finds the AWS CLI.
func prepareTools(ctx context.Context, c config) ([]*tool, *inputs, error) {
	in, err := prepareInputs(c.work)
	if err != nil {
		return nil, nil, err
	}
	hpctl, err := goBuild(ctx, c.work, "hpctl", "./cmd/hpctl")
	if err != nil {
		return nil, nil, err
	}
	rain, err := installRain(ctx, c.work, c.rainVersion)
	if err != nil {
		return nil, nil, err
	}
	py, err := emulator.FindPythonWith("awscli")
	if err != nil {
		return nil, nil, fmt.Errorf("the AWS CLI: %w", err)
	}
	var overrides, tagArgs []string
	for k, v := range params(in.plan) {
		overrides = append(overrides, k+"="+v)
	}
	for k, v := range tags(in.plan) {
		tagArgs = append(tagArgs, k+"="+v)
	}
	caps := in.plan.Capabilities
	return []*tool{
		{name: "hpctl", command: func(string) []string {
			// NDJSON, so that when each event was shown can be read off.
			return []string{hpctl, "deploy", "eks", "-f", in.spec, "--yes", "--output", "json"}
		}},
		{name: "rain deploy", command: func(stack string) []string {
			return []string{rain, "deploy", in.template, stack, "--config", in.config, "--yes", "--no-colour"}
		}},
		{name: "aws cloudformation deploy", command: func(stack string) []string {
			args := []string{py, "-m", "awscli", "cloudformation", "deploy", "--template-file", in.template, "--stack-name", stack,
				"--capabilities"}
			args = append(args, caps...)
			args = append(append(args, "--parameter-overrides"), overrides...)
			return append(append(args, "--tags"), tagArgs...)
		}},
	}, in, nil
}

// command makes the process of one run, pointed at the proxy.
func command(ctx context.Context, t *tool, stack, endpoint string) *exec.Cmd {
	args := t.command(stack)
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	env := []string{}
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); !unset(k) {
			env = append(env, kv)
		}
	}
	cmd.Env = append(append(env, emulatorEnv(endpoint)...), t.env...)
	return cmd
}

func unset(k string) bool {
	return slices.Contains(emulator.Unset, k) || strings.HasPrefix(k, "AWS_ENDPOINT_URL")
}

// emulatorEnv points a process at endpoint with the emulator's dummy credentials.
func emulatorEnv(endpoint string) []string {
	e := &emulator.Emulator{URL: endpoint}
	return e.Env()
}
