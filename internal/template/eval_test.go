package template

import (
	"slices"
	"strings"
	"testing"
)

// A small main stack in the hosted templates' shape, short forms and long
// forms mixed, with the language extension's FindInMap default.
const sample = `
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::LanguageExtensions
Parameters:
  CreateVPCStack: {Type: String, Default: 'true', AllowedValues: ['true', 'false']}
  VpcId: {Type: String, Default: vpc-1234567890abcdef0}
  Zones: {Type: CommaDelimitedList, Default: 'a,b'}
  Feature: {Type: String, Default: 'false'}
  Prefix: {Type: String}
  Size: {Type: Number, Default: 1200, MinValue: 1200}
Mappings:
  Regions:
    us-west-2: {isAllowed: 'true'}
    eu-west-1: {isAllowed: 'true'}
    ca-central-1: {isAllowed: 'false'}
Conditions:
  CreateVPC: !Equals [!Ref CreateVPCStack, 'true']
  FeatureOn:
    Fn::And:
      - Fn::Equals: [{Ref: Feature}, 'true']
      - Fn::Equals:
          - Fn::FindInMap: [Regions, {Ref: AWS::Region}, isAllowed, {DefaultValue: 'false'}]
          - 'true'
  Either: !Or [!Condition CreateVPC, !Condition FeatureOn]
  NotEmpty: !Not [!Equals [!Ref Prefix, '']]
Resources:
  VPCStack:
    Type: AWS::CloudFormation::Stack
    Condition: CreateVPC
    Properties:
      TemplateURL: !Sub https://b.s3.${AWS::Region}.amazonaws.com/templates/vpc.yaml
      Parameters:
        Zones: !Join [',', [!Join [',', !Ref Zones], ',,,']]
        First: !Select [0, !Ref Zones]
        Name: !Sub '${Prefix}-vpc'
  SGStack:
    Type: AWS::CloudFormation::Stack
    DependsOn: [VPCStack]
    Properties:
      TemplateURL: https://b.s3.amazonaws.com/templates/sg.yaml
      Parameters:
        VpcId: !If [CreateVPC, !GetAtt VPCStack.Outputs.VpcId, !Ref VpcId]
        Arn: !Sub '${VPCStack.Outputs.VpcId}/x'
        Parts: !Split [',', 'x,y']
        Dropped: !If [FeatureOn, 'on', !Ref AWS::NoValue]
  Feature:
    Type: AWS::SSM::Parameter
    Condition: FeatureOn
    Properties: {Value: x}
Outputs:
  Vpc:
    Condition: CreateVPC
    Value: !GetAtt VPCStack.Outputs.VpcId
`

func mustParse(t *testing.T, body string) *Template {
	t.Helper()
	tpl, err := Parse([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

func TestParse(t *testing.T) {
	tpl := mustParse(t, sample)
	var names []string
	for _, p := range tpl.Parameters {
		names = append(names, p.Name)
	}
	if want := []string{"CreateVPCStack", "VpcId", "Zones", "Feature", "Prefix", "Size"}; !slices.Equal(names, want) {
		t.Errorf("parameters %v, want %v in template order", names, want)
	}
	size, _ := tpl.Parameter("Size")
	if *size.Default != "1200" || *size.MinValue != 1200 || size.Type != "Number" {
		t.Errorf("Size: %+v", size)
	}
	if p, _ := tpl.Parameter("Prefix"); p.Default != nil {
		t.Errorf("Prefix has no default, got %q", *p.Default)
	}
	var ids []string
	for _, r := range tpl.NestedStacks() {
		ids = append(ids, r.ID)
	}
	if !slices.Equal(ids, []string{"VPCStack", "SGStack"}) || !slices.Equal(tpl.Transforms, []string{"AWS::LanguageExtensions"}) {
		t.Errorf("nested %v, transforms %v", ids, tpl.Transforms)
	}
	if sg, _ := tpl.Resource("SGStack"); !slices.Equal(sg.DependsOn, []string{"VPCStack"}) {
		t.Errorf("DependsOn %v", sg.DependsOn)
	}
}

func TestParseJSONAndErrors(t *testing.T) {
	tpl := mustParse(t, `{"Parameters": {"A": {"Type": "String", "Default": "x"}}, "Resources": {"R": {"Type": "AWS::SNS::Topic"}}}`)
	if a, _ := tpl.Parameter("A"); *a.Default != "x" {
		t.Errorf("JSON parameter %+v", a)
	}
	for _, tc := range []struct{ body, want string }{
		{"", "empty"},
		{"[1, 2]", "not a mapping"},
		{"Parameters: {}", "no Resources"},
		{"Resources: {R: {Properties: {}}}", "resource R has no Type"},
		{"Parameters: {P: {Default: x}}\nResources: {R: {Type: T}}", "parameter P has no Type"},
		{"Resources: {R: {Type: T, Properties: {A: !GetAtt nodot}}}", "needs Resource.Attribute"},
		{"Resources: [", "not a template"},
	} {
		if _, err := Parse([]byte(tc.body)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want %q", tc.body, err, tc.want)
		}
	}
}

func TestConditions(t *testing.T) {
	tpl := mustParse(t, sample)
	for _, tc := range []struct {
		params map[string]string
		region string
		want   map[string]bool
	}{
		{nil, "us-west-2", map[string]bool{"CreateVPC": true, "FeatureOn": false, "Either": true, "NotEmpty": false}},
		{map[string]string{"CreateVPCStack": "false", "Feature": "true", "Prefix": "p"}, "eu-west-1",
			map[string]bool{"CreateVPC": false, "FeatureOn": true, "Either": true, "NotEmpty": true}},
		// ca-central-1 maps to 'false'; af-south-1 is absent and takes the DefaultValue.
		{map[string]string{"Feature": "true"}, "ca-central-1", map[string]bool{"FeatureOn": false}},
		{map[string]string{"Feature": "true", "CreateVPCStack": "false"}, "af-south-1", map[string]bool{"FeatureOn": false, "Either": false}},
	} {
		e := tpl.Evaluate(Env{Params: tc.params, Region: tc.region})
		for name, want := range tc.want {
			if got, err := e.Condition(name); err != nil || got != want {
				t.Errorf("%v in %s: %s = %v (%v), want %v", tc.params, tc.region, name, got, err, want)
			}
		}
	}
	e := tpl.Evaluate(Env{Region: "us-west-2"})
	if created, _ := e.Created("Feature"); created {
		t.Error("Feature is created with its condition false")
	}
	if _, err := e.Condition("Nope"); err == nil {
		t.Error("an undeclared condition evaluates")
	}
}

func TestResolve(t *testing.T) {
	tpl := mustParse(t, sample)
	e := tpl.Evaluate(Env{Params: map[string]string{"Prefix": "hp", "Zones": "usw2-az1,usw2-az2"}, Region: "us-west-2"})
	vpc, refs, err := e.ResolveProperties("VPCStack")
	if err != nil {
		t.Fatal(err)
	}
	params := vpc["Parameters"].v.(map[string]any)
	for k, want := range map[string]string{"Zones": "usw2-az1,usw2-az2,,,,", "First": "usw2-az1", "Name": "hp-vpc"} {
		if got := render(params[k]); got != want {
			t.Errorf("VPCStack %s = %q, want %q", k, got, want)
		}
	}
	if got := vpc["TemplateURL"].String(); got != "https://b.s3.us-west-2.amazonaws.com/templates/vpc.yaml" {
		t.Errorf("TemplateURL %s", got)
	}
	if !slices.Equal(slices.Sorted(slices.Values(refs.Params)), []string{"Prefix", "Zones"}) || len(refs.Resources) != 0 {
		t.Errorf("VPCStack reads %+v", refs)
	}

	sg, refs, err := e.ResolveProperties("SGStack")
	if err != nil {
		t.Fatal(err)
	}
	p := sg["Parameters"].v.(map[string]any)
	if got := render(p["VpcId"]); got != "{VPCStack.Outputs.VpcId}" {
		t.Errorf("VpcId = %s", got)
	}
	if got := render(p["Arn"]); got != "{VPCStack.Outputs.VpcId/x}" {
		t.Errorf("Arn = %s", got)
	}
	if _, ok := p["Dropped"]; ok || render(p["Parts"]) != "x,y" {
		t.Errorf("AWS::NoValue kept or Split wrong: %v", p)
	}
	if deps, _ := e.Deps("SGStack"); !slices.Equal(deps, []string{"VPCStack"}) {
		t.Errorf("deps %v", deps)
	}
	if len(refs.StandIns) != 0 {
		t.Errorf("stand-ins with the VPC created: %+v", refs.StandIns)
	}

	// With the VPC brought, VpcId stands in for the VPC stack's output.
	e = tpl.Evaluate(Env{Params: map[string]string{"CreateVPCStack": "false", "VpcId": "vpc-0abc", "Prefix": "hp"}, Region: "us-west-2"})
	sg, refs, err = e.ResolveProperties("SGStack")
	if err != nil {
		t.Fatal(err)
	}
	if got := render(sg["Parameters"].v.(map[string]any)["VpcId"]); got != "vpc-0abc" {
		t.Errorf("VpcId = %s", got)
	}
	want := StandIn{Param: "VpcId", For: []Ref{{ID: "VPCStack", Attr: "Outputs.VpcId"}}}
	if len(refs.StandIns) != 1 || refs.StandIns[0].Param != want.Param || !slices.Equal(refs.StandIns[0].For, want.For) {
		t.Errorf("stand-ins %+v, want %+v", refs.StandIns, want)
	}
	// The Sub still reads the VPC stack: CloudFormation would reject it.
	if !slices.Contains(refs.Resources, Ref{ID: "VPCStack", Attr: "Outputs.VpcId"}) {
		t.Errorf("reads %+v", refs.Resources)
	}
}

func TestResolveErrors(t *testing.T) {
	for _, tc := range []struct{ value, want string }{
		{"!Ref Nope", "Ref Nope: no parameter or resource"},
		{"!GetAtt Nope.Arn", "not a resource of the template"},
		{"!FindInMap [Missing, a, b]", "no mapping Missing"},
		{"!Select [5, [a, b]]", "outside a list of 2"},
		{"!Sub '${Unclosed'", "unclosed"},
		{"!Bogus x", "Fn::Bogus is not an intrinsic function"},
		{"!If [Nope, a, b]", "condition Nope is not declared"},
	} {
		body := "Conditions: {C: !Equals [a, a]}\nResources:\n  R:\n    Type: T\n    Properties:\n      V: " + tc.value + "\n"
		e := mustParse(t, body).Evaluate(Env{Region: "us-west-2"})
		if _, _, err := e.ResolveProperties("R"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.value, err, tc.want)
		}
	}
}

func TestDescribeAndRegions(t *testing.T) {
	tpl := mustParse(t, sample)
	for name, want := range map[string]string{
		"CreateVPC": "CreateVPCStack = true",
		"FeatureOn": "Feature = true and the region is in Regions",
		"Either":    "CreateVPCStack = true or (Feature = true and the region is in Regions)",
		"NotEmpty":  "Prefix != ''",
		"":          "always",
	} {
		if got := tpl.Describe(name); got != want {
			t.Errorf("Describe(%s) = %q, want %q", name, got, want)
		}
	}
	if got := tpl.Regions("Either"); !slices.Equal(got, []string{"eu-west-1", "us-west-2"}) {
		t.Errorf("Regions = %v", got)
	}
	if got := tpl.Regions("CreateVPC"); got != nil {
		t.Errorf("Regions of a condition without a lookup = %v", got)
	}
}
