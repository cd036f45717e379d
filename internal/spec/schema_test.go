package spec

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	text, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(SchemaID, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(SchemaID)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// instance reads YAML the way an editor's schema plugin does: as plain data.
func instance(t *testing.T, text string) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal([]byte(text), &v); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

func TestSchemaAcceptsExamples(t *testing.T) {
	s := compileSchema(t)
	files, _ := filepath.Glob("../../examples/*.yaml")
	for _, f := range files {
		data, _ := os.ReadFile(f)
		if err := s.Validate(instance(t, string(data))); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	for _, o := range Orchestrators {
		text, _ := Starter(o, StarterOptions{Name: "demo", Region: "us-west-2", File: "cluster.yaml"})
		if err := s.Validate(instance(t, string(text))); err != nil {
			t.Errorf("%s starter: %v", o, err)
		}
	}
	for _, text := range []string{baseEKS, baseSlurm, edit(baseEKS, "", "kubernetes: {cluster: {version: 1.30}}\nstorage: {fsx: false}\n")} {
		if err := s.Validate(instance(t, text)); err != nil {
			t.Errorf("%v\n%s", err, text)
		}
	}
}

// What Load refuses for its type or its enum, the schema refuses too.
func TestSchemaRejectsWhatLoadRejects(t *testing.T) {
	s := compileSchema(t)
	for name, text := range map[string]string{
		"unknown key":        edit(baseEKS, "orchestrator: eks", "orchestrater: eks"),
		"unknown nested key": edit(baseEKS, "  name: ml\n", "  name: ml\n  labels: {a: b}\n"),
		"string count":       edit(baseEKS, "count: 2", `count: "2"`),
		"number name":        edit(baseEKS, "name: ml", "name: 123"),
		"list as mapping":    edit(baseEKS, "[usw2-az1, usw2-az2]", "{a: b}"),
		"apiVersion":         edit(baseEKS, "hpctl/v1alpha1", "hpctl/v1"),
		"kind":               edit(baseEKS, "kind: Cluster", "kind: Deployment"),
		"missing kind":       edit(baseEKS, "kind: Cluster\n", ""),
		"orchestrator":       edit(baseEKS, "orchestrator: eks", "orchestrator: ekss"),
		"stage":              edit(baseEKS, "", "templates: {stage: production}\n"),
		"node recovery":      edit(baseEKS, "cluster:\n", "cluster:\n  nodeRecovery: automatic\n"),
		"provisioning mode":  edit(baseEKS, "cluster:\n", "cluster:\n  nodeProvisioningMode: OnDemand\n"),
		"autoscaler":         edit(baseEKS, "cluster:\n", "cluster:\n  autoScaler: ClusterAutoscaler\n"),
		"deployment type":    edit(baseEKS, "", "storage: {fsx: {deploymentType: PERSISTENT2}}\n"),
		"compression":        edit(baseEKS, "", "storage: {fsx: {compression: GZIP}}\n"),
		"fsx as a word":      edit(baseEKS, "", "storage: {fsx: none}\n"),
		"threads per core":   edit(baseEKS, "", "      threadsPerCore: 4\n"),
		"group type":         edit(baseSlurm, "type: Compute", "type: Worker"),
		"bool as string":     edit(baseEKS, "", "features: {inferenceOperator: \"no\"}\n"),
		"tag value number":   edit(baseEKS, "  name: ml\n", "  name: ml\n  tags: {cost: 1234}\n"),
		"missing count":      edit(baseEKS, "      count: 2\n", ""),
		"21 groups":          edit(baseEKS, baseEKS[bytes.Index([]byte(baseEKS), []byte("cluster:")):], groups(21)),
		"negative count":     edit(baseEKS, "count: 2", "count: -1"),
		"no such type":       edit(baseEKS, "ml.g5.8xlarge", "ml.g5.9xlarge"),
		"a VPC ID":           edit(baseEKS, "network:\n", "network:\n  vpc: {id: vpc-xyz}\n"),
		"a zone ID":          edit(baseEKS, "[usw2-az1, usw2-az2]", "[us-west-2a]"),
		"a training plan":    edit(baseEKS, "      count: 2\n", "      count: 2\n      trainingPlanArn: my-plan\n"),
	} {
		t.Run(name, func(t *testing.T) {
			if _, ds := Load("t.yaml", []byte(text)); !ds.HasErrors() {
				t.Fatalf("Load accepts it")
			}
			if err := s.Validate(instance(t, text)); err == nil {
				t.Errorf("the schema accepts what Load refuses:\n%s", text)
			}
		})
	}
}

// Every field of the schema says what it is, and the instance types are the
// SageMaker SDK's.
func TestSchemaDescribesEveryField(t *testing.T) {
	b, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(node map[string]any, path string)
	fields := 0
	walk = func(node map[string]any, path string) {
		for _, k := range []string{"oneOf", "anyOf"} {
			subs, _ := node[k].([]any)
			for _, sub := range subs {
				if m, ok := sub.(map[string]any); ok {
					walk(m, path)
				}
			}
		}
		if items, ok := node["items"].(map[string]any); ok {
			walk(items, path+"[]")
		}
		props, _ := node["properties"].(map[string]any)
		for name, p := range props {
			fields++
			q := strings.TrimPrefix(path+"."+name, ".")
			m := p.(map[string]any)
			if d, _ := m["description"].(string); d == "" {
				t.Errorf("%s has no description", q)
			}
			if strings.HasSuffix(q, "[].instanceType") {
				enum, _ := m["enum"].([]any)
				if len(enum) != len(instanceTypes()) || enum[0] != instanceTypes()[0] {
					t.Errorf("%s: %d types, the SDK has %d", q, len(enum), len(instanceTypes()))
				}
			}
			walk(m, q)
		}
	}
	walk(doc, "")
	if fields < 90 {
		t.Errorf("only %d fields", fields)
	}
}
