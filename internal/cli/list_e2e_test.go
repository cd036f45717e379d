package cli

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"

	"github.com/hpctl/hpctl/internal/emulator"
)

// Through the real SDK: list shows the deployments hpctl made, with their
// clusters, and not a stack without hpctl's tags; status -f finds a
// deployment by its spec.
func TestListShowsHpctlsDeploymentsOnly(t *testing.T) {
	e := onEmulator(t, emulator.Settings{ResourceSeconds: 0.01, ClusterSeconds: 0.1})
	for _, d := range [][2]string{{"eks", "../../examples/eks-quickstart.yaml"}, {"slurm", "../../examples/slurm-quickstart.yaml"}} {
		if code, out, errOut := e.deploy(d[0], d[1], "--yes"); code != 0 {
			t.Fatalf("%s: exit %d\n%s%s", d[1], code, out, errOut)
		}
	}
	if _, err := e.c.CloudFormation.CreateStack(e.ctx, &cloudformation.CreateStackInput{StackName: aws.String("not-hpctls"),
		TemplateBody: aws.String("Resources:\n  Topic: {Type: AWS::SNS::Topic}\n")}); err != nil {
		t.Fatal(err)
	}

	code, out, errOut := e.hpctl("list")
	rows := regexp.MustCompile(`(?m)^(ml-cluster|slurm-cluster) +us-west-2 +(eks|slurm) +hpctl-\S+ +CREATE_COMPLETE +InService +(workers 2/2|controller 1/1, login 1/1, workers 2/2) +bucket \S+ @[0-9a-f]{8} +\d+s$`).FindAllString(out, -1)
	if code != 0 || !strings.HasPrefix(out, "NAME ") || len(rows) != 2 || strings.Contains(out, "not-hpctls") {
		t.Fatalf("list: exit %d, %d rows\n%s%s", code, len(rows), out, errOut)
	}
	code, out, _ = e.hpctl("list", "--all-regions", "--output", "json")
	var l struct {
		Regions     []string
		Deployments []struct{ Name, Region, Orchestrator, StackStatus, ClusterStatus string }
	}
	if err := json.Unmarshal([]byte(out), &l); code != 0 || err != nil || len(l.Regions) < 10 || len(l.Deployments) != 2 ||
		l.Deployments[0].Name != "ml-cluster" || l.Deployments[1].Orchestrator != "slurm" || l.Deployments[1].ClusterStatus != "InService" {
		t.Fatalf("list --all-regions: exit %d, %v\n%s", code, err, out)
	}

	code, out, errOut = e.hpctl("status", "-f", "../../examples/slurm-quickstart.yaml")
	if code != 0 || !strings.Contains(out, "hpctl-slurm-cluster") || !strings.Contains(out, "slurm-cluster") {
		t.Fatalf("status -f: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := e.hpctl("status", "ml-cluster", "-f", "../../examples/slurm-quickstart.yaml"); code != ExitUsage || !strings.Contains(errOut, "a NAME or -f FILE, not both") {
		t.Errorf("both: exit %d\n%s", code, errOut)
	}
	// The shell completes a NAME with the deployments.
	// (Run as the shell runs it: with no flag after the word to complete.)
	ios, _, stdout, _ := TestIO(map[string]string{"AWS_REGION": emulator.Region})
	code, out = Run(e.ctx, []string{"__complete", "status", ""}, ios, "test"), stdout.String()
	if code != 0 || !strings.Contains(out, "ml-cluster\teks, CREATE_COMPLETE") || !strings.Contains(out, "slurm-cluster\tslurm, CREATE_COMPLETE") || strings.Contains(out, "not-hpctls") {
		t.Errorf("completion: exit %d\n%s", code, out)
	}
}
