package cli

import (
	"bytes"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/hpctl/hpctl/internal/emulator"
	"github.com/hpctl/hpctl/internal/plan"
)

const userStack = `Resources:
  Topic: {Type: AWS::SNS::Topic}
`

// mainID is the ID of the deployment's main stack ("" when there is none).
func (e *e2e) mainID(name string) string {
	out, err := e.c.CloudFormation.DescribeStacks(e.ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
	if err != nil || len(out.Stacks) == 0 {
		return ""
	}
	return aws.ToString(out.Stacks[0].StackId)
}

// A REVIEW_IN_PROGRESS stack of hpctl's (a deploy stopped while its change
// set was being made) holds nothing, and destroy takes it: by its tags, or
// by hpctl's name for it when it has none.
func TestDestroyTakesAReviewInProgressStack(t *testing.T) {
	e := onEmulator(t, emulator.Settings{})
	for _, tc := range []struct {
		stack string
		tags  []cftypes.Tag
	}{
		{"hpctl-tagged", []cftypes.Tag{{Key: aws.String(plan.TagCluster), Value: aws.String("slurm-cluster")}}},
		{"hpctl-untagged", nil},
	} {
		if _, err := e.c.CloudFormation.CreateChangeSet(e.ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String(tc.stack),
			ChangeSetName: aws.String("hpctl-1"), ChangeSetType: cftypes.ChangeSetTypeCreate, TemplateBody: aws.String(userStack), Tags: tc.tags}); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := e.hpctl("destroy", tc.stack, "--yes")
		if code != 0 || e.mainID(tc.stack) != "" && !slices.Contains([]string{"", "DELETE_COMPLETE"}, e.status(tc.stack)) {
			t.Errorf("%s: exit %d, left %s\n%s%s", tc.stack, code, e.status(tc.stack), out, errOut)
		}
	}
}

func (e *e2e) status(stack string) string {
	out, err := e.c.CloudFormation.DescribeStacks(e.ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(stack)})
	if err != nil || len(out.Stacks) == 0 {
		return ""
	}
	return string(out.Stacks[0].StackStatus)
}

// Two deploys of one spec started together (two CI runs), and a second one
// with --replace-failed 50 ms after the first: both end cleanly, the second
// following the first (or saying why not), never deleting it, never with a
// raw SDK error; one main stack, one cluster.
func TestTwoDeploysAtOnce(t *testing.T) {
	e := onEmulator(t, emulator.Settings{ResourceSeconds: 0.02, ClusterSeconds: 0.3})
	for _, tc := range []struct {
		name   string
		second []string
		delay  time.Duration
	}{
		{"the same deploy twice", nil, 0},
		{"then --replace-failed --yes", []string{"--replace-failed", "--yes"}, 50 * time.Millisecond},
		{"updates of a deployed stack", []string{"--yes"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.mainID("hpctl-slurm-cluster")
			args := []string{"deploy", "slurm", "-f", "../../examples/slurm-quickstart.yaml", "--templates-bucket", standIns, "--yes"}
			if tc.name == "updates of a deployed stack" {
				args = append(args, "--timeout", "5m")
			}
			done := make(chan struct{}, 2)
			results := make([]struct {
				code     int
				out, err string
			}, 2)
			for i := range 2 {
				cmd := e.process(args...)
				if i == 1 {
					cmd = e.process(append(args, tc.second...)...)
				}
				var stdout, stderr bytes.Buffer
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				go func(i int, cmd *exec.Cmd) {
					defer func() { done <- struct{}{} }()
					_ = cmd.Run()
					results[i].code, results[i].out, results[i].err = cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
				}(i, cmd)
				if i == 0 {
					time.Sleep(tc.delay)
				}
			}
			<-done
			<-done
			for i, r := range results {
				if (r.code != 0 && r.code != ExitUsage) || strings.Contains(r.out+r.err, "operation error") ||
					strings.Contains(r.out+r.err, "deleting stack hpctl-slurm-cluster") {
					t.Errorf("deploy %d: exit %d\n%s%s", i, r.code, r.out, r.err)
				}
			}
			if results[0].code != 0 && results[1].code != 0 {
				t.Errorf("neither deploy succeeded:\n%s%s\n%s%s", results[0].out, results[0].err, results[1].out, results[1].err)
			}
			inv := e.inventory()
			mains := slices.DeleteFunc(slices.Clone(inv["stacks"]), func(s string) bool { return !strings.HasPrefix(s, "hpctl-slurm-cluster ") })
			if len(mains) != 1 || len(inv["clusters"]) != 1 {
				t.Errorf("main stacks %v, clusters %v", mains, inv["clusters"])
			}
			if before != "" && e.mainID("hpctl-slurm-cluster") != before {
				t.Errorf("the deployed stack was replaced")
			}
		})
	}
}
