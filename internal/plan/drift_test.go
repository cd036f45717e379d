package plan

import (
	"slices"
	"strings"
	"testing"

	"github.com/hpctl/hpctl/internal/catalog"
	"github.com/hpctl/hpctl/internal/spec"
	"github.com/hpctl/hpctl/internal/template"
	"github.com/hpctl/hpctl/templates"
)

func TestPlanFollowsTheTemplateAndReportsDrift(t *testing.T) {
	body, err := templates.Variant()
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := template.Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	c := load(t, fullEKS)
	p, ds := Resolve(c, Options{Region: "us-west-2", Main: &template.Main{Template: tpl, Origin: template.Origin{URL: "variant"}}})
	if ds.HasErrors() {
		t.Fatalf("errors: %v", ds.Errors())
	}
	for name, want := range map[string]bool{"S3GatewayEndpointStack": false, "ExtraAuditStack": false, "VPCStack": true} {
		s, ok := p.Stack(name)
		if !ok || s.Action != Create || s.Known != want {
			t.Errorf("%s: %+v, want created, known %v", name, s, want)
		}
	}
	if _, ok := p.Stack("S3EndpointStack"); ok {
		t.Error("the renamed S3EndpointStack is still planned")
	}
	if got := p.Value("KubernetesVersion"); got != "1.99" {
		t.Errorf("KubernetesVersion %s, want the template's default 1.99", got)
	}
	if s, _ := p.Stack("EKSClusterStack"); !strings.Contains(s.Reason, "Kubernetes 1.99, the template default") {
		t.Errorf("EKS reason %q", s.Reason)
	}
	if i, j := slices.Index(p.CreateOrder, "VPCStack"), slices.Index(p.CreateOrder, "ExtraAuditStack"); i < 0 || j < i {
		t.Errorf("ExtraAuditStack reads VPCStack, so it comes after it: %v", p.CreateOrder)
	}
	if p.DestroyOrder[len(p.DestroyOrder)-1] != "VPCStack" {
		t.Errorf("destroy order %v", p.DestroyOrder)
	}
	d := p.Drift
	var unknown []string
	for _, s := range d.UnknownStacks {
		unknown = append(unknown, s.LogicalID+"="+string(s.Action)+"@"+s.Template)
	}
	if !slices.Equal(unknown, []string{"ExtraAuditStack=create@audit-template.yaml", "S3GatewayEndpointStack=create@s3-endpoint-template.yaml"}) {
		t.Errorf("unknown stacks %v", unknown)
	}
	if !slices.Equal(d.MissingStacks, []string{"S3EndpointStack"}) {
		t.Errorf("missing stacks %v", d.MissingStacks)
	}
	if len(d.UnknownParameters) != 1 || d.UnknownParameters[0] != (DriftParam{Name: "AuditLevel", Type: "String", Default: "basic"}) {
		t.Errorf("unknown parameters %+v", d.UnknownParameters)
	}
	known, _ := catalog.EKS().Param("KubernetesVersion")
	if len(d.ChangedDefaults) != 1 || d.ChangedDefaults[0] != (DriftDefault{Name: "KubernetesVersion", Known: known.Default, Template: "1.99"}) {
		t.Errorf("changed defaults %+v", d.ChangedDefaults)
	}
	if len(d.MissingParameters)+len(d.NotSent)+len(d.ChangedConditions) != 0 {
		t.Errorf("more drift than the variant has: %+v", d)
	}

	// The same spec on the template hpctl knows has no drift at all.
	if p := mustPlan(t, fullEKS); !p.Drift.Empty() {
		t.Errorf("drift on the embedded template: %+v", p.Drift)
	}
}

// A template older than hpctl's knowledge: a parameter hpctl sets on its
// own is dropped and reported; one the user asked for is refused.
func TestUndeclaredParameters(t *testing.T) {
	old := embeddedText(t, "eks",
		"- Ref: EnableObservabilityFeature\n", "- 'false'\n",
		"  EnableObservabilityFeature:\n    Type: String\n    Default: 'false'\n", "  Unused:\n    Type: String\n    Default: 'false'\n")
	main := &template.Main{Template: old, Origin: template.Origin{URL: "old"}}
	_, ds := Resolve(load(t, fullEKS), Options{Region: "us-west-2", Main: main})
	assertDiags(t, ds, []string{"features.observability: the main template (old) does not declare EnableObservabilityFeature, which this setting needs"})
	p, ds := Resolve(load(t, edit(fullEKS, "  observability: true\n", "")), Options{Region: "us-west-2", Main: main})
	if ds.HasErrors() {
		t.Fatalf("errors: %v", ds.Errors())
	}
	if len(p.Drift.NotSent) != 1 || p.Drift.NotSent[0].Name != "EnableObservabilityFeature" || p.Drift.NotSent[0].Sent {
		t.Errorf("not sent %+v", p.Drift.NotSent)
	}
	if !slices.Equal(p.Drift.MissingParameters, []string{"EnableObservabilityFeature"}) || len(p.Drift.UnknownParameters) != 1 {
		t.Errorf("missing %v, unknown %+v", p.Drift.MissingParameters, p.Drift.UnknownParameters)
	}
	if x := p.Sent(); slices.ContainsFunc(x, func(x Param) bool { return x.Name == "EnableObservabilityFeature" }) {
		t.Error("an undeclared parameter is sent")
	}
}

// embeddedText is the embedded main stack with text replaced, parsed.
func embeddedText(t *testing.T, orchestrator string, pairs ...string) *template.Template {
	t.Helper()
	body, err := templates.Read(orchestrator, map[string]string{"eks": "main-stack-eks-based-template.yaml", "slurm": "main-stack-slurm-based-template.yaml"}[orchestrator])
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := template.Parse([]byte(edit(string(body), pairs...)))
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

func TestValuesAreHeldToTheirDeclarations(t *testing.T) {
	for _, tc := range []struct {
		decl template.Parameter
		v    string
		want string
	}{
		{template.Parameter{Type: "String", AllowedValues: []string{"a", "b"}}, "c", `allows only "a", "b"`},
		{template.Parameter{Type: "String", AllowedPattern: "[a-z]+"}, "Abc", "does not match"},
		{template.Parameter{Type: "CommaDelimitedList", AllowedPattern: "sg-[0-9a-f]+"}, "sg-1,sg-x", "does not match"},
		{template.Parameter{Type: "String", MaxLength: ptr(3)}, "abcd", "maximum of 3"},
		{template.Parameter{Type: "Number"}, "12x", "declares a Number"},
		{template.Parameter{Type: "Number", MinValue: ptr(1200.0)}, "100", "minimum of 1200"},
		{template.Parameter{Type: "List<AWS::EC2::Subnet::Id>"}, "subnet-1,vpc-2", "IDs start with subnet-"},
		{template.Parameter{Type: "String", AllowedValues: []string{"a"}}, "a", ""},
		{template.Parameter{Type: "Number", MinValue: ptr(1.0), MaxValue: ptr(5.0)}, "3", ""},
	} {
		if got := valueProblem(tc.decl, tc.v); (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%+v %q: %q, want %q", tc.decl, tc.v, got, tc.want)
		}
	}
	narrow := embeddedText(t, "eks", "    Default: LZ4\n    AllowedValues:\n    - NONE\n    - LZ4\n", "    Default: NONE\n    AllowedValues:\n    - NONE\n")
	_, ds := Resolve(load(t, edit(fullEKS, "fsx: {capacityGiB: 1200}", "fsx: {capacityGiB: 1200, compression: LZ4}")),
		Options{Region: "us-west-2", Main: &template.Main{Template: narrow, Origin: template.Origin{URL: "narrow"}}})
	assertDiags(t, ds, []string{`storage.fsx.compression: "LZ4" for DataCompressionType: the template allows only "NONE"`})
}

func ptr[T any](v T) *T { return &v }

func load(t *testing.T, text string) *spec.Cluster {
	t.Helper()
	c, ds := spec.Load("t.yaml", []byte(text))
	if ds.HasErrors() {
		t.Fatalf("spec errors:\n%v", ds)
	}
	return c
}
