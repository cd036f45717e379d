package templates

import (
	"fmt"
	"math/rand/v2"
	"path"
	"slices"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/hpctl/hpctl/internal/catalog"
)

type rawTemplate struct {
	Parameters map[string]map[string]any            `yaml:"Parameters"`
	Mappings   map[string]map[string]map[string]any `yaml:"Mappings"`
	Conditions map[string]any                       `yaml:"Conditions"`
	Resources  map[string]map[string]any            `yaml:"Resources"`
	Outputs    map[string]map[string]any            `yaml:"Outputs"`
}

func load(t *testing.T, orchestrator, file string) rawTemplate {
	t.Helper()
	body, err := Read(orchestrator, file)
	if err != nil {
		t.Fatal(err)
	}
	var tpl rawTemplate
	if err := yaml.Unmarshal(body, &tpl); err != nil {
		t.Fatalf("%s/%s: %v", orchestrator, file, err)
	}
	return tpl
}

func orchestrations() []*catalog.Orchestration {
	return []*catalog.Orchestration{catalog.EKS(), catalog.Slurm()}
}

// The stand-in main stacks declare exactly the hosted parameters: names,
// types, defaults and allowed values.
func TestMainStacksDeclareTheHostedParameters(t *testing.T) {
	for _, cat := range orchestrations() {
		tpl := load(t, cat.Name, cat.MainTemplate)
		if len(tpl.Parameters) != len(cat.Params) {
			t.Errorf("%s: %d parameters, the hosted stack has %d", cat.Name, len(tpl.Parameters), len(cat.Params))
		}
		for _, p := range cat.Params {
			d, ok := tpl.Parameters[p.Name]
			if !ok {
				t.Errorf("%s: %s is not declared", cat.Name, p.Name)
				continue
			}
			if d["Type"] != p.Type || fmt.Sprint(d["Default"]) != p.Default {
				t.Errorf("%s: %s is %v default %q, want %s default %q", cat.Name, p.Name, d["Type"], fmt.Sprint(d["Default"]), p.Type, p.Default)
			}
			var allowed []string
			for _, v := range asList(d["AllowedValues"]) {
				allowed = append(allowed, fmt.Sprint(v))
			}
			if !slices.Equal(allowed, p.Allowed) {
				t.Errorf("%s: %s allows %v, want %v", cat.Name, p.Name, allowed, p.Allowed)
			}
		}
	}
}

func TestMainStacksHaveTheHostedOutputs(t *testing.T) {
	for _, cat := range orchestrations() {
		var got []string
		for k := range load(t, cat.Name, cat.MainTemplate).Outputs {
			got = append(got, k)
		}
		want := slices.Clone(cat.Outputs)
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s outputs %v, want %v", cat.Name, got, want)
		}
	}
}

// The nested stacks are the catalog's, under the same logical IDs, each
// read from the file the hosted stack reads, at the URL it composes, with
// parameters the nested stand-in declares and none it requires left out.
func TestNestedStacksAreWiredLikeTheHostedOnes(t *testing.T) {
	for _, cat := range orchestrations() {
		main := load(t, cat.Name, cat.MainTemplate)
		want := map[string]string{} // logical ID → template file
		for _, s := range cat.Stacks {
			if s.Kind != catalog.Nested || s.Retired != "" {
				continue
			}
			for _, id := range s.LogicalIDs {
				want[id] = s.Template
			}
		}
		for id, r := range main.Resources {
			if r["Type"] == "AWS::CloudFormation::Stack" {
				if _, ok := want[id]; !ok {
					t.Errorf("%s: nested stack %s is not in the catalog", cat.Name, id)
				}
			}
		}
		for id, file := range want {
			r, ok := main.Resources[id]
			switch {
			case !ok:
				t.Errorf("%s: %s is missing", cat.Name, id)
				continue
			case r["Type"] != "AWS::CloudFormation::Stack" || r["Condition"] == nil:
				t.Errorf("%s: %s is not a conditional nested stack", cat.Name, id)
				continue
			}
			props := r["Properties"].(map[string]any)
			if id == "HyperPodClusterStack" {
				continue // its URL is the output of HyperPodParamClusterStack, as in the hosted stack
			}
			checkURL(t, cat, id, props["TemplateURL"], file)
			nested := load(t, cat.Name, file)
			checkPassed(t, cat.Name+"/"+id, asMap(props["Parameters"]), nested.Parameters)
		}
		for _, s := range cat.Stacks {
			if s.Kind == catalog.CustomResource {
				obs := main.Resources["ObservabilityCustomResource"]["Properties"].(map[string]any)
				checkURL(t, cat, s.Name, obs["StackTemplateUrl"], s.Template)
				checkPassed(t, cat.Name+"/"+s.Name, asMap(obs["StackParameters"]), load(t, cat.Name, s.Template).Parameters)
			}
			if s.Kind == catalog.Companion {
				if _, err := Read(cat.Name, s.Template); err != nil {
					t.Errorf("%s: companion %s: %v", cat.Name, s.Name, err)
				}
			}
		}
	}
}

// Every stand-in nested template declares the parameters of the newest
// real one, with their types and whether they have a default, and at least
// its outputs, as the catalog records them: a String the real template
// wraps into a list stays a String here, so the trap shows in hpctl's tests.
func TestStandInsKeepTheRealInterfaces(t *testing.T) {
	for _, cat := range orchestrations() {
		ifs, err := catalog.Interfaces(cat.Name)
		if err != nil {
			t.Fatal(err)
		}
		for file, in := range ifs {
			tpl := load(t, cat.Name, file)
			for name, p := range in.Parameters {
				d, ok := tpl.Parameters[name]
				_, hasDefault := d["Default"]
				switch {
				case !ok:
					t.Errorf("%s: %s is not declared", file, name)
				case d["Type"] != p.Type:
					t.Errorf("%s: %s is %v, the hosted template declares %s", file, name, d["Type"], p.Type)
				case hasDefault != (p.Default != nil):
					t.Errorf("%s: %s has a default: %v; the hosted one: %v", file, name, hasDefault, p.Default != nil)
				}
			}
			for name := range tpl.Parameters {
				if _, ok := in.Parameters[name]; !ok {
					t.Errorf("%s declares %s, which the hosted template does not", file, name)
				}
			}
			for _, o := range in.Outputs {
				if _, ok := tpl.Outputs[o]; !ok {
					t.Errorf("%s lacks the output %s", file, o)
				}
			}
		}
		for _, s := range cat.Stacks {
			if _, ok := ifs[s.Template]; s.Template != "" && s.Retired == "" && s.Kind != catalog.Companion && !ok {
				t.Errorf("%s: no recorded interface for %s", cat.Name, s.Template)
			}
		}
	}
}

func checkURL(t *testing.T, cat *catalog.Orchestration, id string, url any, file string) {
	t.Helper()
	want := map[string]any{"Fn::If": []any{"CustomBucketCondition",
		map[string]any{"Fn::Sub": "https://${CustomBucketName}.s3.${AWS::Region}.amazonaws.com/" + cat.Prefix + "/" + file},
		map[string]any{"Fn::Sub": "https://aws-sagemaker-hyperpod-cluster-setup-${AWS::Region}-${Stage}.s3.${AWS::Region}.amazonaws.com/" + cat.Prefix + "/" + file}}}
	if fmt.Sprint(url) != fmt.Sprint(want) {
		t.Errorf("%s: %s TemplateURL %v, want %v", cat.Name, id, url, want)
	}
	if _, err := Read(cat.Name, path.Base(file)); err != nil {
		t.Errorf("%s: %s reads %s, which has no stand-in", cat.Name, id, file)
	}
}

func checkPassed(t *testing.T, where string, passed map[string]any, declared map[string]map[string]any) {
	t.Helper()
	for k := range passed {
		if _, ok := declared[k]; !ok {
			t.Errorf("%s passes %s, which the nested stand-in does not declare", where, k)
		}
	}
	for k, d := range declared {
		if _, hasDefault := d["Default"]; !hasDefault && passed[k] == nil {
			t.Errorf("%s does not pass %s, which the nested stand-in requires", where, k)
		}
	}
}

// The stand-ins' conditions decide every nested stack exactly as the
// catalog's do, over many combinations of the switches and two regions (one
// where observability exists, one where it does not).
func TestConditionsAgreeWithTheCatalog(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, cat := range orchestrations() {
		main := load(t, cat.Name, cat.MainTemplate)
		switches := map[string][]string{
			"RigSettings1": {"[]", `[{"InstanceGroupName":"r"}]`}, "TieredKVCacheConfig": {"", "{}"},
			"DataScientistRole3": {"", "role"}, "CustomBucketName": {"", "bucket"},
		}
		for _, p := range cat.Params {
			if len(p.Allowed) > 0 {
				switches[p.Name] = p.Allowed
			}
		}
		for n := 0; n < 400; n++ {
			values, chosen := map[string]string{}, map[string]string{}
			for _, p := range cat.Params {
				values[p.Name] = p.Default
			}
			for name, choices := range switches {
				if _, declared := cat.Param(name); declared {
					values[name] = choices[rng.IntN(len(choices))]
					chosen[name] = values[name]
				}
			}
			region := []string{"us-west-2", "af-south-1"}[n%2]
			get := func(p string) string { return values[p] }
			for _, s := range cat.Stacks {
				if s.Kind == catalog.Companion || s.Kind == catalog.Inside || s.Retired != "" {
					continue
				}
				want := s.When.Eval(get, region)
				for _, id := range s.LogicalIDs {
					name, _ := main.Resources[id]["Condition"].(string)
					if got := evalCondition(main, name, get, region); got != want {
						t.Fatalf("%s: %s (%s) is %v under %v in %s; the catalog says %v", cat.Name, id, name, got, chosen, region, want)
					}
				}
			}
		}
	}
}

// evalCondition evaluates a template condition the way CloudFormation does,
// for the intrinsic functions conditions may use.
func evalCondition(tpl rawTemplate, name string, param func(string) string, region string) bool {
	var value func(any) string
	value = func(x any) string {
		switch v := x.(type) {
		case string:
			return v
		case map[string]any:
			if r, ok := v["Ref"].(string); ok {
				if r == "AWS::Region" {
					return region
				}
				return param(r)
			}
			if args := asList(v["Fn::FindInMap"]); args != nil {
				if m, ok := tpl.Mappings[args[0].(string)][value(args[1])]; ok {
					return fmt.Sprint(m[args[2].(string)])
				}
				return fmt.Sprint(asMap(args[3])["DefaultValue"])
			}
		}
		panic(fmt.Sprintf("condition value %v", x))
	}
	var eval func(any) bool
	eval = func(x any) bool {
		m := asMap(x)
		switch {
		case m["Condition"] != nil:
			return eval(tpl.Conditions[m["Condition"].(string)])
		case m["Fn::Equals"] != nil:
			args := asList(m["Fn::Equals"])
			return value(args[0]) == value(args[1])
		case m["Fn::Not"] != nil:
			return !eval(asList(m["Fn::Not"])[0])
		case m["Fn::And"] != nil:
			for _, c := range asList(m["Fn::And"]) {
				if !eval(c) {
					return false
				}
			}
			return true
		case m["Fn::Or"] != nil:
			for _, c := range asList(m["Fn::Or"]) {
				if eval(c) {
					return true
				}
			}
			return false
		}
		panic(fmt.Sprintf("condition %v", x))
	}
	if name == "" {
		return true
	}
	return eval(tpl.Conditions[name])
}

func asList(x any) []any {
	l, _ := x.([]any)
	return l
}

func asMap(x any) map[string]any {
	m, _ := x.(map[string]any)
	return m
}

func TestObjectsUseTheHostedLayout(t *testing.T) {
	objs, err := Objects()
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, o := range objs {
		keys[o.Key] = true
		if !strings.HasPrefix(o.Key, "templates/") && !strings.HasPrefix(o.Key, "templates-slurm/") && !strings.HasPrefix(o.Key, "resources/artifacts/") {
			t.Errorf("key %s is outside the hosted layout", o.Key)
		}
	}
	for _, k := range []string{"templates/main-stack-eks-based-template.yaml", "templates/vpc-template.yaml",
		"templates-slurm/main-stack-slurm-based-template.yaml", "templates-slurm/slurm-ssm-template.yaml", "resources/artifacts/hp-lambda-function.zip"} {
		if !keys[k] {
			t.Errorf("%s is missing", k)
		}
	}
}
