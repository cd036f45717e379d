package plan

import (
	"context"
	"strings"
	"testing"

	"github.com/hpctl/hpctl/internal/spec"
	"github.com/hpctl/hpctl/templates"
)

func TestConsistentBucket(t *testing.T) {
	const fsx = "templates/fsx-k8s-integration-template.yaml"
	const zip = "resources/artifacts/hp-lambda-function.zip"
	inBucket := edit(fullEKS, "orchestrator: eks\n", "orchestrator: eks\ntemplates: {bucket: my-templates}\n")
	inDir := edit(fullEKS, "orchestrator: eks\n", "orchestrator: eks\ntemplates: {bucket: my-templates, dir: ./tpl}\n")
	for _, tc := range []struct {
		name  string
		spec  string
		spoil func(objects map[string][]byte)
		want  []string
	}{
		{"one sync", inBucket, func(map[string][]byte) {}, nil},
		{"the hosted bucket is not checked", fullEKS, func(o map[string][]byte) { delete(o, fsx) }, nil},
		{"a parameter passed and not declared", inBucket, func(o map[string][]byte) {
			body := strings.Replace(string(o[fsx]), "  EKSClusterName:\n", "  OldClusterName:\n", 1)
			o[fsx] = []byte(strings.Replace(body, "Parameters:\n", "Parameters:\n  NewRequired:\n    Type: String\n", 1))
		}, []string{"templates.bucket: the templates in s3://my-templates are out of step: " + fsx +
			" does not declare EKSClusterName, which FsxK8sIntegrationStack is passed (CloudFormation: \"Parameters: [EKSClusterName] do not exist in the template\")",
			"templates.bucket: the templates in s3://my-templates are out of step: " + fsx +
				" requires NewRequired, which FsxK8sIntegrationStack is not passed (CloudFormation: \"Parameters: [NewRequired] must have values\")"}},
		{"a nested template missing", inBucket, func(o map[string][]byte) { delete(o, fsx) },
			[]string{"templates.bucket: the templates in s3://my-templates are out of step: " + fsx + " is not there; the template of FsxK8sIntegrationStack"}},
		{"not a template", inBucket, func(o map[string][]byte) { o[fsx] = []byte("<Error>AccessDenied</Error>") },
			[]string{"templates.bucket: the templates in s3://my-templates are out of step: " + fsx + " is not a template"}},
		{"no Lambda code", inBucket, func(o map[string][]byte) { delete(o, zip) },
			[]string{"templates.bucket: s3://my-templates has no " + zip + ", the Lambda code of HyperPodParamClusterStack/HpLambdaFunction"}},
		{"templates.dir without a nested template or the code", inDir, func(o map[string][]byte) { delete(o, fsx); delete(o, zip) },
			[]string{"warning: templates.dir: templates.dir ./tpl has no " + fsx + ": the deploy uses the bucket's copy, which the plan does not check",
				"warning: templates.dir: templates.dir ./tpl has no " + zip + ", the Lambda code of HyperPodParamClusterStack/HpLambdaFunction: the bucket must hold it"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := load(t, tc.spec)
			main := embedded(t, "eks")
			store := templates.Store()
			tc.spoil(store.Objects)
			main.Store = store
			p, ds := Resolve(c, Options{Region: "us-west-2", Main: main})
			if ds.HasErrors() {
				t.Fatal(ds)
			}
			var got []string
			for _, d := range Consistent(context.Background(), c, p, main) {
				line := d.Path + ": " + d.Message
				if d.Severity == spec.Warning {
					line = "warning: " + line
				}
				got = append(got, line)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d findings, want %d:\n%s", len(got), len(tc.want), strings.Join(got, "\n"))
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("finding %d:\n got %s\nwant %s", i, got[i], w)
				}
			}
		})
	}
}
