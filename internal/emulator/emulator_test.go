package emulator

// Each behaviour of the patch layer has its own smoke test through the real
// SDK over HTTP, so an upgrade of moto that breaks one is caught by name.

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	smtypes "github.com/aws/aws-sdk-go-v2/service/sagemaker/types"

	"github.com/hpctl/hpctl/internal/cloud"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

const netTemplate = `AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Cidr: {Type: String}
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: !Ref Cidr}
  SubnetA:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.9.1.0/24, AvailabilityZoneId: usw2-az1}
Outputs:
  VpcId: {Value: !Ref Vpc}
  SubnetId: {Value: !Ref SubnetA}
`

const sgTemplate = `AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  VpcId: {Type: String}
Resources:
  Group:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: cluster, VpcId: !Ref VpcId}
Outputs:
  GroupId: {Value: !GetAtt Group.GroupId}
`

// mainTemplate nests both, wiring them with Fn::GetAtt Child.Outputs.X in a
// property and in the outputs, in long and short form.
const mainTemplate = `AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Cidr: {Type: String, Default: 10.9.0.0/16}
Resources:
  NetStack:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: https://tpl.s3.us-west-2.amazonaws.com/net.yaml
      Parameters: {Cidr: !Ref Cidr}
  SgStack:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: https://tpl.s3.us-west-2.amazonaws.com/sg.yaml
      Parameters:
        VpcId: {"Fn::GetAtt": [NetStack, Outputs.VpcId]}
Outputs:
  Vpc: {Value: !GetAtt NetStack.Outputs.VpcId}
  Group: {Value: {"Fn::GetAtt": [SgStack, Outputs.GroupId]}}
`

type fixture struct {
	t   *testing.T
	ctx context.Context
	emu *Emulator
	c   *cloud.Clients
}

func setup(t *testing.T, s Settings) *fixture {
	t.Helper()
	emu := ForTest(t)
	ctx := context.Background()
	if err := emu.Configure(ctx, s); err != nil {
		t.Fatal(err)
	}
	c, err := emu.Clients(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, ctx: ctx, emu: emu, c: c}
	f.put("tpl", "net.yaml", netTemplate)
	f.put("tpl", "sg.yaml", sgTemplate)
	return f
}

func (f *fixture) put(bucket, key, body string) {
	f.t.Helper()
	if err := Bucket(f.ctx, f.c, bucket, map[string]string{key: body}); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) create(name, body string, params ...cftypes.Parameter) string {
	f.t.Helper()
	out, err := f.c.CloudFormation.CreateStack(f.ctx, &cloudformation.CreateStackInput{
		StackName: aws.String(name), TemplateBody: aws.String(body), Parameters: params,
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return aws.ToString(out.StackId)
}

func (f *fixture) stack(nameOrID string) cftypes.Stack {
	f.t.Helper()
	out, err := f.c.CloudFormation.DescribeStacks(f.ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(nameOrID)})
	if err != nil {
		f.t.Fatal(err)
	}
	return out.Stacks[0]
}

// settle waits until the stack is no longer in progress.
func (f *fixture) settle(nameOrID string) cftypes.Stack {
	f.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s := f.stack(nameOrID)
		if !strings.HasSuffix(string(s.StackStatus), "_IN_PROGRESS") {
			return s
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("%s still %s", nameOrID, s.StackStatus)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// events returns a stack's events oldest first, as "LogicalId STATUS reason".
func (f *fixture) events(nameOrID string) []string {
	f.t.Helper()
	var out []string
	p := cloudformation.NewDescribeStackEventsPaginator(f.c.CloudFormation, &cloudformation.DescribeStackEventsInput{StackName: aws.String(nameOrID)})
	for p.HasMorePages() {
		page, err := p.NextPage(f.ctx)
		if err != nil {
			f.t.Fatal(err)
		}
		for _, e := range page.StackEvents {
			line := aws.ToString(e.LogicalResourceId) + " " + string(e.ResourceStatus)
			if r := aws.ToString(e.ResourceStatusReason); r != "" {
				line += " " + r
			}
			out = append(out, line)
		}
	}
	slices.Reverse(out)
	return out
}

func (f *fixture) resources(nameOrID string) map[string]cftypes.StackResourceSummary {
	f.t.Helper()
	out, err := f.c.CloudFormation.ListStackResources(f.ctx, &cloudformation.ListStackResourcesInput{StackName: aws.String(nameOrID)})
	if err != nil {
		f.t.Fatal(err)
	}
	m := map[string]cftypes.StackResourceSummary{}
	for _, r := range out.StackResourceSummaries {
		m[aws.ToString(r.LogicalResourceId)] = r
	}
	return m
}

func outputs(s cftypes.Stack) map[string]string {
	m := map[string]string{}
	for _, o := range s.Outputs {
		m[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	return m
}

// contains checks that want appear in got in this order (other lines between).
func inOrder(t *testing.T, got []string, want ...string) {
	t.Helper()
	i := 0
	for _, line := range got {
		if i < len(want) && strings.Contains(line, want[i]) {
			i++
		}
	}
	if i < len(want) {
		t.Errorf("missing %q (in order) from events:\n  %s", want[i], strings.Join(got, "\n  "))
	}
}

func TestNestedOutputsInPropertiesAndOutputs(t *testing.T) {
	f := setup(t, Settings{})
	f.create("wired", mainTemplate)
	s := f.settle("wired")
	if s.StackStatus != cftypes.StackStatusCreateComplete {
		t.Fatalf("%s: %s", s.StackStatus, aws.ToString(s.StackStatusReason))
	}
	out := outputs(s)
	if !strings.HasPrefix(out["Vpc"], "vpc-") || !strings.HasPrefix(out["Group"], "sg-") {
		t.Errorf("outputs %v", out)
	}
	sg := f.resources("wired")["SgStack"]
	child := f.stack(aws.ToString(sg.PhysicalResourceId))
	for _, p := range child.Parameters {
		if aws.ToString(p.ParameterKey) == "VpcId" && aws.ToString(p.ParameterValue) != out["Vpc"] {
			t.Errorf("child got VpcId %s, want %s", aws.ToString(p.ParameterValue), out["Vpc"])
		}
	}
}

func TestPerResourceEventsIncludingNestedStacks(t *testing.T) {
	f := setup(t, Settings{})
	f.create("events", mainTemplate)
	f.settle("events")
	got := f.events("events")
	inOrder(t, got,
		"events CREATE_IN_PROGRESS User Initiated",
		"NetStack CREATE_IN_PROGRESS",
		"NetStack CREATE_IN_PROGRESS Resource creation Initiated",
		"NetStack CREATE_COMPLETE",
		"SgStack CREATE_IN_PROGRESS Resource creation Initiated",
		"SgStack CREATE_COMPLETE",
		"events CREATE_COMPLETE")
	net := f.resources("events")["NetStack"]
	inOrder(t, f.events(aws.ToString(net.PhysicalResourceId)), "Vpc CREATE_IN_PROGRESS", "Vpc CREATE_COMPLETE",
		"SubnetA CREATE_IN_PROGRESS", "SubnetA CREATE_COMPLETE")
}

func TestNestedStackResourceShowsChildARNAtOnce(t *testing.T) {
	f := setup(t, Settings{StackSeconds: []StackDelay{{Stack: "*-NetStack-*", Seconds: 1}}})
	f.create("arn", mainTemplate)
	deadline := time.Now().Add(5 * time.Second)
	for {
		r, ok := f.resources("arn")["NetStack"]
		if ok && r.ResourceStatus == cftypes.ResourceStatusCreateInProgress && strings.Contains(aws.ToString(r.PhysicalResourceId), ":stack/arn-NetStack-") {
			if child := f.stack(aws.ToString(r.PhysicalResourceId)); aws.ToString(child.ParentId) == "" || aws.ToString(child.RootId) == "" {
				t.Error("a nested stack carries ParentId and RootId")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("NetStack never showed its child's ARN while in progress: %+v", r)
		}
		time.Sleep(20 * time.Millisecond)
	}
	f.settle("arn")
}

func TestStackStaysInProgress(t *testing.T) {
	f := setup(t, Settings{ResourceSeconds: 0.05, StackSeconds: []StackDelay{{Stack: "slow", Seconds: 0.5}}})
	f.create("slow", mainTemplate)
	if s := f.stack("slow"); s.StackStatus != cftypes.StackStatusCreateInProgress {
		t.Errorf("just after CreateStack: %s, want CREATE_IN_PROGRESS", s.StackStatus)
	}
	start := time.Now()
	if s := f.settle("slow"); s.StackStatus != cftypes.StackStatusCreateComplete || time.Since(start) < 400*time.Millisecond {
		t.Errorf("%s after %v", s.StackStatus, time.Since(start))
	}
}

func TestFailureDeepInANestedStackRollsBackBoth(t *testing.T) {
	reason := "InvalidSubnet.Range: The CIDR '10.99.9.0/24' is invalid."
	f := setup(t, Settings{Failures: []Failure{{Stack: "*-NetStack-*", LogicalID: "SubnetA", Reason: reason}}})
	f.create("bad", mainTemplate)
	if s := f.settle("bad"); s.StackStatus != cftypes.StackStatusRollbackComplete {
		t.Fatalf("parent %s", s.StackStatus)
	}
	parent := f.events("bad")
	inOrder(t, parent, "NetStack CREATE_IN_PROGRESS Resource creation Initiated",
		"NetStack CREATE_FAILED Embedded stack arn:aws:cloudformation:us-west-2:123456789012:stack/bad-NetStack-",
		"bad ROLLBACK_IN_PROGRESS The following resource(s) failed to create: [NetStack]. Rollback requested by user.",
		"NetStack DELETE_COMPLETE", "bad ROLLBACK_COMPLETE")
	if !slices.ContainsFunc(parent, func(l string) bool {
		return strings.HasSuffix(l, "was not successfully created: The following resource(s) failed to create: [SubnetA]. ")
	}) {
		t.Errorf("the parent's reason must name the child's failed resources:\n%s", strings.Join(parent, "\n"))
	}
	if slices.ContainsFunc(parent, func(l string) bool { return strings.HasPrefix(l, "SgStack") }) {
		t.Error("SgStack depends on NetStack and must never start")
	}
	var childID string
	out, _ := f.c.CloudFormation.ListStacks(f.ctx, &cloudformation.ListStacksInput{})
	for _, s := range out.StackSummaries {
		if strings.HasPrefix(aws.ToString(s.StackName), "bad-NetStack-") {
			childID = aws.ToString(s.StackId)
		}
	}
	inOrder(t, f.events(childID), "Vpc CREATE_COMPLETE", "SubnetA CREATE_FAILED "+reason,
		"ROLLBACK_IN_PROGRESS The following resource(s) failed to create: [SubnetA]. Rollback requested by user.",
		"Vpc DELETE_IN_PROGRESS", "Vpc DELETE_COMPLETE", "ROLLBACK_COMPLETE")
}

func TestRealErrorsBecomeResourceFailures(t *testing.T) {
	f := setup(t, Settings{})
	f.create("cidr", strings.Replace(netTemplate, "10.9.1.0/24", "10.99.9.0/24", 1), cftypes.Parameter{ParameterKey: aws.String("Cidr"), ParameterValue: aws.String("10.9.0.0/16")})
	if s := f.settle("cidr"); s.StackStatus != cftypes.StackStatusRollbackComplete {
		t.Fatalf("%s", s.StackStatus)
	}
	inOrder(t, f.events("cidr"), "SubnetA CREATE_FAILED InvalidSubnet.Range: The CIDR '10.99.9.0/24' is invalid.")
}

func TestListingsCarryEachResourcesOwnStatus(t *testing.T) {
	f := setup(t, Settings{Failures: []Failure{{Stack: "list", LogicalID: "SubnetA", Reason: "InternalFailure: boom"}}})
	out, err := f.c.CloudFormation.CreateStack(f.ctx, &cloudformation.CreateStackInput{StackName: aws.String("list"),
		TemplateBody: aws.String(netTemplate), DisableRollback: aws.Bool(true),
		Parameters: []cftypes.Parameter{{ParameterKey: aws.String("Cidr"), ParameterValue: aws.String("10.9.0.0/16")}}})
	if err != nil {
		t.Fatal(err)
	}
	if s := f.settle(aws.ToString(out.StackId)); s.StackStatus != cftypes.StackStatusCreateFailed {
		t.Fatalf("with rollback disabled: %s", s.StackStatus)
	}
	rs := f.resources("list")
	if rs["Vpc"].ResourceStatus != cftypes.ResourceStatusCreateComplete || rs["SubnetA"].ResourceStatus != cftypes.ResourceStatusCreateFailed ||
		aws.ToString(rs["SubnetA"].ResourceStatusReason) != "InternalFailure: boom" {
		t.Errorf("listing %+v", rs)
	}
	d, err := f.c.CloudFormation.DescribeStackResources(f.ctx, &cloudformation.DescribeStackResourcesInput{StackName: aws.String("list")})
	if err != nil || len(d.StackResources) != 2 {
		t.Fatalf("%v %v", err, d)
	}
}

func TestExecuteChangeSetCreatesInTheBackground(t *testing.T) {
	f := setup(t, Settings{ResourceSeconds: 0.05})
	cs, err := f.c.CloudFormation.CreateChangeSet(f.ctx, &cloudformation.CreateChangeSetInput{
		StackName: aws.String("cs"), ChangeSetName: aws.String("create-1"), ChangeSetType: cftypes.ChangeSetTypeCreate,
		TemplateBody: aws.String(mainTemplate)})
	if err != nil {
		t.Fatal(err)
	}
	if s := f.stack("cs"); s.StackStatus != cftypes.StackStatusReviewInProgress {
		t.Errorf("before execution: %s", s.StackStatus)
	}
	if _, err := f.c.CloudFormation.ExecuteChangeSet(f.ctx, &cloudformation.ExecuteChangeSetInput{ChangeSetName: cs.Id}); err != nil {
		t.Fatal(err)
	}
	if s := f.stack("cs"); s.StackStatus != cftypes.StackStatusCreateInProgress || aws.ToString(s.ChangeSetId) != aws.ToString(cs.Id) {
		t.Errorf("after ExecuteChangeSet: %s (change set %s)", s.StackStatus, aws.ToString(s.ChangeSetId))
	}
	if s := f.settle("cs"); s.StackStatus != cftypes.StackStatusCreateComplete {
		t.Errorf("%s", s.StackStatus)
	}
	inOrder(t, f.events("cs"), "cs REVIEW_IN_PROGRESS", "cs CREATE_IN_PROGRESS", "NetStack CREATE_COMPLETE", "cs CREATE_COMPLETE")
}

func TestDeleteInReverseOrderLeavesNoOrphan(t *testing.T) {
	f := setup(t, Settings{})
	id := f.create("gone", mainTemplate)
	f.settle("gone")
	if _, err := f.c.CloudFormation.DeleteStack(f.ctx, &cloudformation.DeleteStackInput{StackName: aws.String("gone")}); err != nil {
		t.Fatal(err)
	}
	if s := f.settle(id); s.StackStatus != cftypes.StackStatusDeleteComplete {
		t.Fatalf("%s", s.StackStatus)
	}
	inOrder(t, f.events(id), "gone DELETE_IN_PROGRESS", "SgStack DELETE_IN_PROGRESS", "SgStack DELETE_COMPLETE",
		"NetStack DELETE_IN_PROGRESS", "NetStack DELETE_COMPLETE", "gone DELETE_COMPLETE")
	// Reading the deleted parent by ARN must not bring a child back.
	for range 3 {
		f.stack(id)
	}
	out, err := f.c.CloudFormation.ListStacks(f.ctx, &cloudformation.ListStacksInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range out.StackSummaries {
		if s.StackStatus != cftypes.StackStatusDeleteComplete {
			t.Errorf("%s is %s after the delete", aws.ToString(s.StackName), s.StackStatus)
		}
	}
	if _, err := f.c.CloudFormation.DescribeStacks(f.ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("gone")}); err == nil ||
		!strings.Contains(err.Error(), "does not exist") {
		t.Errorf("by name a deleted stack does not exist: %v", err)
	}
}

func TestDeleteFailureThenRetainResources(t *testing.T) {
	f := setup(t, Settings{Failures: []Failure{{Stack: "*-SgStack-*", LogicalID: "Group", Operation: "delete",
		Reason: "DependencyViolation: resource sg-1 has a dependent object"}}})
	id := f.create("stuck", mainTemplate)
	f.settle(id)
	_, _ = f.c.CloudFormation.DeleteStack(f.ctx, &cloudformation.DeleteStackInput{StackName: aws.String(id)})
	if s := f.settle(id); s.StackStatus != cftypes.StackStatusDeleteFailed ||
		aws.ToString(s.StackStatusReason) != "The following resource(s) failed to delete: [SgStack]. " {
		t.Fatalf("%s: %q", s.StackStatus, aws.ToString(s.StackStatusReason))
	}
	inOrder(t, f.events(id), "SgStack DELETE_FAILED Embedded stack", "stuck DELETE_FAILED")
	if _, err := f.c.CloudFormation.DeleteStack(f.ctx, &cloudformation.DeleteStackInput{StackName: aws.String(id),
		RetainResources: []string{"SgStack"}}); err != nil {
		t.Fatal(err)
	}
	if s := f.settle(id); s.StackStatus != cftypes.StackStatusDeleteComplete {
		t.Fatalf("retrying with RetainResources: %s", s.StackStatus)
	}
	inOrder(t, f.events(id), "SgStack DELETE_SKIPPED", "stuck DELETE_COMPLETE")

	// RetainResources is refused outside DELETE_FAILED, as in AWS.
	f.create("fine", mainTemplate)
	f.settle("fine")
	_, err := f.c.CloudFormation.DeleteStack(f.ctx, &cloudformation.DeleteStackInput{StackName: aws.String("fine"), RetainResources: []string{"NetStack"}})
	if err == nil || !strings.Contains(err.Error(), "DELETE_FAILED") {
		t.Errorf("RetainResources outside DELETE_FAILED: %v", err)
	}
}

func TestTemplateParametersAndCapabilitiesAreChecked(t *testing.T) {
	f := setup(t, Settings{})
	_, err := f.c.CloudFormation.CreateStack(f.ctx, &cloudformation.CreateStackInput{StackName: aws.String("p"), TemplateBody: aws.String(mainTemplate),
		Parameters: []cftypes.Parameter{{ParameterKey: aws.String("Nope"), ParameterValue: aws.String("x")}}})
	if err == nil || !strings.Contains(err.Error(), "Parameters: [Nope] do not exist in the template") {
		t.Errorf("undeclared parameter: %v", err)
	}
	_, err = f.c.CloudFormation.CreateStack(f.ctx, &cloudformation.CreateStackInput{StackName: aws.String("p"), TemplateBody: aws.String(netTemplate)})
	if err == nil || !strings.Contains(err.Error(), "Parameters: [Cidr] must have values") {
		t.Errorf("missing parameter: %v", err)
	}
	role := `Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: named
      AssumeRolePolicyDocument: {Version: "2012-10-17", Statement: []}
`
	_, err = f.c.CloudFormation.CreateStack(f.ctx, &cloudformation.CreateStackInput{StackName: aws.String("iam"), TemplateBody: aws.String(role),
		Capabilities: []cftypes.Capability{cftypes.CapabilityCapabilityIam}})
	var insufficient *cftypes.InsufficientCapabilitiesException
	if !errors.As(err, &insufficient) || !strings.Contains(err.Error(), "Requires capabilities : [CAPABILITY_NAMED_IAM]") {
		t.Errorf("missing capability: %v", err)
	}
}

func TestRetriedCreateWithTheSameTokenMakesOneStack(t *testing.T) {
	f := setup(t, Settings{})
	in := &cloudformation.CreateStackInput{StackName: aws.String("once"), TemplateBody: aws.String(mainTemplate), ClientRequestToken: aws.String("tok-1")}
	a, err := f.c.CloudFormation.CreateStack(f.ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.c.CloudFormation.CreateStack(f.ctx, in)
	if err != nil || aws.ToString(a.StackId) != aws.ToString(b.StackId) {
		t.Errorf("retry: %v, %s vs %s", err, aws.ToString(a.StackId), aws.ToString(b.StackId))
	}
	in.ClientRequestToken = aws.String("tok-2")
	var exists *cftypes.AlreadyExistsException
	if _, err := f.c.CloudFormation.CreateStack(f.ctx, in); !errors.As(err, &exists) {
		t.Errorf("another token: %v", err)
	}
}

// The cluster template HyperPodClusterStack deploys, minimal.
const clusterTemplate = `Resources:
  NewHyperPodCluster:
    Type: AWS::SageMaker::Cluster
    Properties:
      ClusterName: hp-demo
      NodeRecovery: Automatic
      InstanceGroups:
        - InstanceGroupName: workers
          InstanceType: ml.g5.8xlarge
          InstanceCount: 2
          ExecutionRole: arn:aws:iam::123456789012:role/exec
          LifeCycleConfig: {SourceS3Uri: "s3://sagemaker-bucket", OnCreate: on_create.sh}
Outputs:
  HyperPodClusterArn: {Value: !GetAtt NewHyperPodCluster.ClusterArn}
  HyperPodClusterName: {Value: !Ref NewHyperPodCluster}
`

func (f *fixture) cluster(name string) (*sagemaker.DescribeClusterOutput, error) {
	return f.c.SageMaker.DescribeCluster(f.ctx, &sagemaker.DescribeClusterInput{ClusterName: aws.String(name)})
}

// A DescribeStacks answer is one moment of a stack, as CloudFormation's
// are: read as fast as possible while the stack finishes, no answer says
// CREATE_COMPLETE without the outputs (moto alone renders the outputs
// and the status at two moments; the patch renders them under the
// engine's lock).
func TestAStackAnswerIsOneMoment(t *testing.T) {
	f := setup(t, Settings{ClusterSeconds: 0.02, ResourceSeconds: 0.005})
	for n := range 6 {
		id := f.create(fmt.Sprintf("moment-%d", n), strings.Replace(clusterTemplate, "hp-demo", fmt.Sprintf("moment-%d", n), 1))
		var wg sync.WaitGroup
		var torn atomic.Int32
		for range 4 { // readers at once, as the engine finishes the stack
			wg.Add(1)
			go func() {
				defer wg.Done()
				deadline := time.Now().Add(20 * time.Second)
				for time.Now().Before(deadline) {
					out, err := f.c.CloudFormation.DescribeStacks(f.ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(id)})
					if err != nil || len(out.Stacks) == 0 {
						continue
					}
					s := out.Stacks[0]
					if s.StackStatus == cftypes.StackStatusCreateComplete {
						if outputs(s)["HyperPodClusterArn"] == "" {
							torn.Add(1)
						}
						return
					}
				}
			}()
		}
		wg.Wait()
		if torn.Load() > 0 {
			t.Fatalf("stack %d: %d answers said CREATE_COMPLETE without the outputs", n, torn.Load())
		}
		if s := f.stack(id); s.StackStatus != cftypes.StackStatusCreateComplete {
			t.Fatalf("stack %d: %s", n, s.StackStatus)
		}
	}
}

// A short group stays below its target once the cluster is InService, as
// with continuous provisioning: the stack completes, the count does not.
func TestAShortGroupStaysBelowItsTarget(t *testing.T) {
	f := setup(t, Settings{ShortGroups: []ShortGroup{{Cluster: "hp-*", Group: "workers", Count: 1}}})
	f.create("hp", clusterTemplate)
	if s := f.settle("hp"); s.StackStatus != cftypes.StackStatusCreateComplete {
		t.Fatalf("%s", s.StackStatus)
	}
	c, err := f.cluster("hp-demo")
	if err != nil || c.ClusterStatus != smtypes.ClusterStatusInservice || aws.ToInt32(c.InstanceGroups[0].CurrentCount) != 1 ||
		aws.ToInt32(c.InstanceGroups[0].TargetCount) != 2 {
		t.Fatalf("%v %+v", err, c)
	}
}

func TestHyperPodClusterCreatingThenInService(t *testing.T) {
	f := setup(t, Settings{ClusterSeconds: 0.4})
	f.create("hp", clusterTemplate)
	var seen []smtypes.ClusterStatus
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c, err := f.cluster("hp-demo")
		if err == nil {
			if len(seen) == 0 || seen[len(seen)-1] != c.ClusterStatus {
				seen = append(seen, c.ClusterStatus)
			}
			if c.ClusterStatus == smtypes.ClusterStatusCreating && aws.ToInt32(c.InstanceGroups[0].CurrentCount) != 0 {
				t.Error("a Creating cluster has no current instances yet")
			}
			if c.ClusterStatus == smtypes.ClusterStatusInservice {
				if aws.ToInt32(c.InstanceGroups[0].CurrentCount) != 2 {
					t.Errorf("InService with %d instances", aws.ToInt32(c.InstanceGroups[0].CurrentCount))
				}
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !slices.Equal(seen, []smtypes.ClusterStatus{smtypes.ClusterStatusCreating, smtypes.ClusterStatusInservice}) {
		t.Errorf("statuses %v", seen)
	}
	// The stack completes some time after the cluster is InService: wait
	// for that condition, not for a moment that a loaded machine may not
	// have reached yet.
	s := f.settle("hp")
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(outputs(s)["HyperPodClusterArn"], ":cluster/hp-demo"); s = f.settle("hp") {
		if s.StackStatus != cftypes.StackStatusCreateComplete || time.Now().After(deadline) {
			t.Fatalf("%s %v", s.StackStatus, outputs(s))
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Deleting, then gone: ResourceNotFound, as the API documents.
	if _, err := f.c.SageMaker.DeleteCluster(f.ctx, &sagemaker.DeleteClusterInput{ClusterName: aws.String("hp-demo")}); err != nil {
		t.Fatal(err)
	}
	if c, err := f.cluster("hp-demo"); err != nil || c.ClusterStatus != smtypes.ClusterStatusDeleting {
		t.Errorf("just after DeleteCluster: %v %v", err, c)
	}
	var notFound *smtypes.ResourceNotFound
	deadline = time.Now().Add(5 * time.Second)
	for {
		_, err := f.cluster("hp-demo")
		if errors.As(err, &notFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the cluster never went away: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The stack deletes a cluster that is already gone without complaint.
	_, _ = f.c.CloudFormation.DeleteStack(f.ctx, &cloudformation.DeleteStackInput{StackName: aws.String("hp")})
	if s := f.settle(aws.ToString(s.StackId)); s.StackStatus != cftypes.StackStatusDeleteComplete {
		t.Errorf("%s", s.StackStatus)
	}
}

func TestHyperPodClusterFailureFailsTheStack(t *testing.T) {
	f := setup(t, Settings{ClusterFailures: []ClusterFailure{{Name: "hp-*", Message: "Insufficient capacity for ml.g5.8xlarge in usw2-az2"}}})
	f.create("hpfail", clusterTemplate)
	if s := f.settle("hpfail"); s.StackStatus != cftypes.StackStatusRollbackComplete {
		t.Fatalf("%s", s.StackStatus)
	}
	inOrder(t, f.events("hpfail"), "NewHyperPodCluster CREATE_FAILED Resource handler returned message: \"Cluster hp-demo failed: Insufficient capacity",
		"NewHyperPodCluster DELETE_IN_PROGRESS", "NewHyperPodCluster DELETE_COMPLETE")
	var notFound *smtypes.ResourceNotFound
	if _, err := f.cluster("hp-demo"); !errors.As(err, &notFound) {
		t.Errorf("rollback deletes the failed cluster: %v", err)
	}
}

// network has every EC2 type moto's CloudFormation creates but cannot delete,
// a list holding AWS::NoValue, and rules added to a group the stack does not own.
const network = `AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Owned: {Type: String}
Conditions:
  Never: !Equals ["a", "b"]
Resources:
  Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.7.0.0/16}}
  Igw: {Type: AWS::EC2::InternetGateway}
  Attach: {Type: AWS::EC2::VPCGatewayAttachment, Properties: {VpcId: !Ref Vpc, InternetGatewayId: !Ref Igw}}
  Public: {Type: AWS::EC2::Subnet, Properties: {VpcId: !Ref Vpc, CidrBlock: 10.7.0.0/24, AvailabilityZoneId: usw2-az2}}
  Eip: {Type: AWS::EC2::EIP, DependsOn: Attach, Properties: {Domain: vpc}}
  Nat: {Type: AWS::EC2::NatGateway, Properties: {AllocationId: !GetAtt Eip.AllocationId, SubnetId: !Ref Public}}
  Table: {Type: AWS::EC2::RouteTable, Properties: {VpcId: !Ref Vpc}}
  Default: {Type: AWS::EC2::Route, Properties: {RouteTableId: !Ref Table, DestinationCidrBlock: 0.0.0.0/0, NatGatewayId: !Ref Nat}}
  Assoc: {Type: AWS::EC2::SubnetRouteTableAssociation, Properties: {RouteTableId: !Ref Table, SubnetId: !Ref Public}}
  Endpoint:
    Type: AWS::EC2::VPCEndpoint
    Properties:
      VpcId: !Ref Vpc
      ServiceName: !Sub "com.amazonaws.${AWS::Region}.s3"
      RouteTableIds: [!Ref Table, !If [Never, !Ref Table, !Ref "AWS::NoValue"]]
  Rule: {Type: AWS::EC2::SecurityGroupIngress, Properties: {GroupId: !Ref Owned, IpProtocol: tcp, FromPort: 988, ToPort: 988, SourceSecurityGroupId: !Ref Owned}}
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      PublicAccessBlockConfiguration: {BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true}
      VersioningConfiguration: {Status: Enabled}
  Document:
    Type: AWS::SSM::Document
    Properties: {DocumentType: Session, Content: {schemaVersion: "1.0", sessionType: Standard_Stream, inputs: {runAsEnabled: true}}}
Outputs:
  Subnets: {Value: !Join [",", [!Ref Public, !If [Never, !Ref Public, !Ref "AWS::NoValue"]]]}
  Bucket: {Value: !Ref Bucket}
`

const ownedGroup = `Resources:
  Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.8.0.0/16}}
  Group: {Type: AWS::EC2::SecurityGroup, Properties: {GroupDescription: the user's, VpcId: !Ref Vpc}}
Outputs:
  Group: {Value: !GetAtt Group.GroupId}
`

func TestPropertiesMotoIgnoresAreApplied(t *testing.T) {
	f := setup(t, Settings{})
	owner := f.create("owner", ownedGroup)
	group := outputs(f.settle(owner))["Group"]
	f.create("net", network, cftypes.Parameter{ParameterKey: aws.String("Owned"), ParameterValue: aws.String(group)})
	s := f.settle("net")
	if s.StackStatus != cftypes.StackStatusCreateComplete {
		t.Fatalf("%s", s.StackStatus)
	}
	out := outputs(s)
	if strings.Contains(out["Subnets"], "None") || strings.Count(out["Subnets"], ",") != 0 {
		t.Errorf("AWS::NoValue must drop out of Fn::Join: %q", out["Subnets"])
	}
	pab, err := f.c.S3.GetPublicAccessBlock(f.ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String(out["Bucket"])})
	if err != nil || !aws.ToBool(pab.PublicAccessBlockConfiguration.BlockPublicAcls) {
		t.Errorf("public-access block: %v", err)
	}
	v, err := f.c.S3.GetBucketVersioning(f.ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(out["Bucket"])})
	if err != nil || v.Status != s3types.BucketVersioningStatusEnabled {
		t.Errorf("versioning: %v %v", err, v)
	}
}

func TestDeletesWhatMotoLeaves(t *testing.T) {
	f := setup(t, Settings{})
	owner := f.create("owner", ownedGroup)
	group := outputs(f.settle(owner))["Group"]
	before, err := f.emu.Inventory(f.ctx, Region)
	if err != nil {
		t.Fatal(err)
	}
	id := f.create("net", network, cftypes.Parameter{ParameterKey: aws.String("Owned"), ParameterValue: aws.String(group)})
	f.settle(id)
	if _, err := f.c.CloudFormation.DeleteStack(f.ctx, &cloudformation.DeleteStackInput{StackName: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	if s := f.settle(id); s.StackStatus != cftypes.StackStatusDeleteComplete {
		t.Fatalf("%s: %s", s.StackStatus, strings.Join(f.events(id), "\n"))
	}
	after, err := f.emu.Inventory(f.ctx, Region)
	if err != nil {
		t.Fatal(err)
	}
	delete(before, "stacks")
	delete(after, "stacks")
	for kind, items := range after {
		if !slices.Equal(items, before[kind]) {
			t.Errorf("%s left behind: %v (before: %v)", kind, items, before[kind])
		}
	}
}

// moto answers an action it lacks with an HTML 500 that the SDK retries as
// a server fault; the patch layer answers InvalidAction, at once, like AWS.
func TestUnknownActionIsAClientError(t *testing.T) {
	f := setup(t, Settings{})
	_, err := f.c.CloudFormation.DescribeEvents(f.ctx, &cloudformation.DescribeEventsInput{StackName: aws.String("any")})
	if !cloud.Unsupported(err) || cloud.Code(err) != "InvalidAction" {
		t.Fatalf("DescribeEvents answered %v", err)
	}
	var re interface{ HTTPStatusCode() int }
	if !errors.As(err, &re) || re.HTTPStatusCode() != 400 {
		t.Errorf("status %v, want 400: a 5xx is retried as a server fault", err)
	}
}

// The counting proxy names each call by its operation, whatever the protocol.
func TestCounterCountsCallsByOperation(t *testing.T) {
	emu := ForTest(t)
	counter, err := NewCounter(emu.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer counter.Close()
	c, err := cloud.New(context.Background(), cloud.Options{Region: Region, Endpoint: counter.URL, MaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, _ = c.CloudFormation.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{})
	counter.Log()
	_, _ = c.CloudFormation.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("one")})
	_, _ = c.SageMaker.DescribeCluster(ctx, &sagemaker.DescribeClusterInput{ClusterName: aws.String("none")})
	_, _ = c.S3.ListBuckets(ctx, &s3.ListBucketsInput{})
	want := map[string]int{"DescribeStacks": 2, "DescribeCluster": 1, "S3 GET": 1}
	if got := counter.Counts(); !maps.Equal(got, want) || counter.Total() != 4 {
		t.Errorf("counts %v, want %v", got, want)
	}
	// From Log on, each call is kept with what it names, in order.
	var log []string
	for _, call := range counter.Calls() {
		log = append(log, call.Op+" "+call.Subject)
	}
	if want := []string{"DescribeStacks one", "DescribeCluster none", "S3 GET /"}; !slices.Equal(log, want) {
		t.Errorf("log %q, want %q", log, want)
	}
}

// A custom resource of the top-level-stack kind (the EKS observability
// Lambda) makes a stack of its own, waits for it, and deletes it on delete.
func TestCustomResourceMakesATopLevelStack(t *testing.T) {
	f := setup(t, Settings{ResourceSeconds: 0.01})
	const parent = `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Maker:
    Type: Custom::ObservabilityStack
    Properties:
      ServiceToken: !Sub arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:hpctl-emulator-top-level-stack
      StackName: made-by-maker
      StackTemplateUrl: https://tpl.s3.us-west-2.amazonaws.com/net.yaml
      StackParameters: {Cidr: 10.9.0.0/16}
Outputs:
  Made: {Value: !GetAtt Maker.StackId}
`
	for range 3 { // the made stack's thread may start late; neither side may take that for an end
		id := f.create("maker", parent)
		if s := f.settle(id); s.StackStatus != cftypes.StackStatusCreateComplete || !strings.Contains(outputs(s)["Made"], ":stack/made-by-maker/") {
			t.Fatalf("%s %v: %v", s.StackStatus, outputs(s), f.events(id))
		}
		if s := f.stack("made-by-maker"); s.StackStatus != cftypes.StackStatusCreateComplete {
			t.Fatalf("the made stack is %s", s.StackStatus)
		}
		if _, err := f.c.CloudFormation.DeleteStack(f.ctx, &cloudformation.DeleteStackInput{StackName: aws.String(id)}); err != nil {
			t.Fatal(err)
		}
		if s := f.settle(id); s.StackStatus != cftypes.StackStatusDeleteComplete {
			t.Fatalf("delete: %s %v", s.StackStatus, f.events(id))
		}
		if _, err := f.c.CloudFormation.DescribeStacks(f.ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("made-by-maker")}); !cloud.StackMissing(err) {
			t.Fatalf("the made stack outlived its maker: %v", err)
		}
	}
}

// Termination protection, which stock moto cannot set after creation,
// blocks DeleteStack until it is lifted.
func TestTerminationProtectionBlocksDelete(t *testing.T) {
	f := setup(t, Settings{})
	id := f.create("guarded", netTemplate, cftypes.Parameter{ParameterKey: aws.String("Cidr"), ParameterValue: aws.String("10.9.0.0/16")})
	f.settle(id)
	protect := func(on bool) {
		t.Helper()
		if _, err := f.c.CloudFormation.UpdateTerminationProtection(f.ctx, &cloudformation.UpdateTerminationProtectionInput{
			StackName: aws.String("guarded"), EnableTerminationProtection: aws.Bool(on)}); err != nil {
			t.Fatal(err)
		}
	}
	protect(true)
	if s := f.stack(id); !aws.ToBool(s.EnableTerminationProtection) {
		t.Error("DescribeStacks does not show the protection")
	}
	_, err := f.c.CloudFormation.DeleteStack(f.ctx, &cloudformation.DeleteStackInput{StackName: aws.String("guarded")})
	if cloud.Code(err) != "ValidationError" || !strings.Contains(err.Error(), "TerminationProtection is enabled") {
		t.Fatalf("delete of a protected stack: %v", err)
	}
	protect(false)
	if _, err := f.c.CloudFormation.DeleteStack(f.ctx, &cloudformation.DeleteStackInput{StackName: aws.String("guarded")}); err != nil {
		t.Fatal(err)
	}
	if s := f.settle(id); s.StackStatus != cftypes.StackStatusDeleteComplete {
		t.Errorf("%s", s.StackStatus)
	}
}

// The fault proxy fails calls the ways AWS and networks do, before or
// after the emulator has done them.
func TestProxyInjectsFaults(t *testing.T) {
	emu := ForTest(t)
	ctx := context.Background()
	for _, tc := range []struct {
		kind string
		// happened says the call reached the emulator.
		happened bool
		check    func(error) bool
	}{
		{Throttle, false, func(err error) bool { return cloud.Code(err) == "SlowDown" }},
		{ServerError, false, func(err error) bool { return cloud.Code(err) == "InternalError" }},
		{Drop, false, func(err error) bool { return err != nil && cloud.Code(err) == "" }},
		{DropAfter, true, func(err error) bool { return err != nil && cloud.Code(err) == "" }},
		{ServerErrorAfter, true, func(err error) bool { return cloud.Code(err) == "InternalError" }},
	} {
		proxy, err := NewProxy(emu.URL, &Faults{Rate: 1, Kinds: []string{tc.kind}})
		if err != nil {
			t.Fatal(err)
		}
		c, err := cloud.New(ctx, cloud.Options{Region: Region, Endpoint: proxy.URL, MaxAttempts: 1,
			Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
		if err != nil {
			t.Fatal(err)
		}
		bucket := "fault-" + strings.ReplaceAll(tc.kind, "-", "")
		_, err = c.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket),
			CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraintUsWest2}})
		if !tc.check(err) {
			t.Errorf("%s: %v", tc.kind, err)
		}
		inv, ierr := emu.Inventory(ctx, Region)
		if ierr != nil {
			t.Fatal(ierr)
		}
		if got := slices.Contains(inv["buckets"], bucket); got != tc.happened {
			t.Errorf("%s: the call reached the emulator: %v, want %v", tc.kind, got, tc.happened)
		}
		if proxy.Injected()[tc.kind] != 1 {
			t.Errorf("%s: injected %v", tc.kind, proxy.Injected())
		}
		_ = proxy.Close()
	}
	// The JSON and query protocols get their own throttling errors, which
	// the SDK's retryer knows; with retries a call gets through.
	proxy, err := NewProxy(emu.URL, &Faults{Rate: 1, Kinds: []string{Throttle}})
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	c, err := cloud.New(ctx, cloud.Options{Region: Region, Endpoint: proxy.URL, MaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CloudFormation.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{}); cloud.Code(err) != "Throttling" {
		t.Errorf("query protocol: %v", err)
	}
	if _, err := c.SageMaker.DescribeCluster(ctx, &sagemaker.DescribeClusterInput{ClusterName: aws.String("x")}); cloud.Code(err) != "ThrottlingException" {
		t.Errorf("JSON protocol: %v", err)
	}
	flaky, err := NewProxy(emu.URL, &Faults{Rate: 0.5, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	defer flaky.Close()
	c, err = cloud.New(ctx, cloud.Options{Region: Region, Endpoint: flaky.URL, Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		if _, err := c.CloudFormation.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{}); err != nil {
			t.Fatalf("with retries: %v", err)
		}
	}
}

// A denial answers as each service does, once its first calls went through:
// the SDK reads the services' own error codes from it, does not retry
// them, and hpctl classifies them as fatal.
func TestProxyDeniesAsAWSDoes(t *testing.T) {
	emu := ForTest(t)
	ctx := context.Background()
	proxy, err := NewProxy(emu.URL, &Faults{Deny: []Denial{
		{Op: "DescribeStacks", Code: "AccessDenied", After: 1},
		{Op: "DescribeCluster", Code: "ExpiredToken"},
		{Op: "S3 GET", Code: "AccessDenied"},
		{Op: "ListStacks", Code: Outage},
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	c, err := cloud.New(ctx, cloud.Options{Region: Region, Endpoint: proxy.URL,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CloudFormation.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{}); err != nil {
		t.Fatalf("the first call is allowed: %v", err)
	}
	_, err = c.CloudFormation.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{})
	if cloud.Code(err) != "AccessDenied" || cloud.Action(err) != "cloudformation:DescribeStacks" || cloud.KindOf(err) != cloud.KindDenied {
		t.Errorf("query protocol: %v", err)
	}
	_, err = c.SageMaker.DescribeCluster(ctx, &sagemaker.DescribeClusterInput{ClusterName: aws.String("x")})
	if cloud.Code(err) != "ExpiredTokenException" || cloud.KindOf(err) != cloud.KindCredentials {
		t.Errorf("JSON protocol: %v", err)
	}
	_, err = c.S3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("any")})
	if cloud.Code(err) != "AccessDenied" || cloud.Classify(err) != cloud.Fatal {
		t.Errorf("S3: %v", err)
	}
	if n := proxy.Counts()["DescribeStacks"]; n != 2 {
		t.Errorf("a denial was retried: %d DescribeStacks calls", n)
	}
	// An outage is a 500 every time: the SDK retries it until its
	// attempts run out.
	_, err = c.CloudFormation.ListStacks(ctx, &cloudformation.ListStacksInput{})
	if cloud.Classify(err) != cloud.Transient || proxy.Counts()["ListStacks"] < 2 {
		t.Errorf("outage: %v after %d calls", err, proxy.Counts()["ListStacks"])
	}
}

// The proxy holds a chosen call without an answer: before the emulator
// sees it, or (After) once the emulator has done it, so that a test can
// kill a process at that very call.
func TestProxyStallsTheChosenCall(t *testing.T) {
	emu := ForTest(t)
	ctx := context.Background()
	for _, after := range []bool{false, true} {
		bucket := fmt.Sprintf("stalled-%v", after)
		st := &Stall{After: after, Hit: make(chan struct{}),
			Match: func(r *http.Request) bool { return r.Method == http.MethodPut && r.URL.Path == "/"+bucket }}
		proxy, err := NewProxy(emu.URL, &Faults{Stall: st})
		if err != nil {
			t.Fatal(err)
		}
		c, err := cloud.New(ctx, cloud.Options{Region: Region, Endpoint: proxy.URL,
			Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
		if err != nil {
			t.Fatal(err)
		}
		callCtx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() {
			_, err := c.S3.CreateBucket(callCtx, &s3.CreateBucketInput{Bucket: aws.String(bucket),
				CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(Region)}})
			done <- err
		}()
		select {
		case <-st.Hit:
		case <-time.After(10 * time.Second):
			t.Fatal("the call was not held")
		}
		select {
		case err := <-done:
			t.Fatalf("a held call was answered: %v", err)
		case <-time.After(200 * time.Millisecond):
		}
		cancel()
		<-done
		_ = proxy.Close()
		direct, err := emu.Clients(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_, err = direct.S3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)})
		if exists := err == nil; exists != after {
			t.Errorf("after=%v: the bucket exists: %v (%v)", after, exists, err)
		}
	}
}

// CreateStack and DeleteStack answer with the stack already
// CREATE_IN_PROGRESS or DELETE_IN_PROGRESS, as CloudFormation does: a
// DescribeStacks right after never shows a status CloudFormation does not
// have (CREATE_PENDING) or the one the stack had before.
func TestAStackIsInProgressAtOnce(t *testing.T) {
	f := setup(t, Settings{})
	for i := range 100 {
		id := f.create(fmt.Sprintf("gone-%d", i), ownedGroup)
		if s := f.stack(id).StackStatus; s != cftypes.StackStatusCreateInProgress && s != cftypes.StackStatusCreateComplete {
			t.Fatalf("right after CreateStack: %s", s)
		}
		f.settle(id)
		if _, err := f.c.CloudFormation.DeleteStack(f.ctx, &cloudformation.DeleteStackInput{StackName: aws.String(id)}); err != nil {
			t.Fatal(err)
		}
		out, err := f.c.CloudFormation.DescribeStacks(f.ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(id)})
		if err != nil {
			t.Fatal(err)
		}
		if s := out.Stacks[0].StackStatus; s != cftypes.StackStatusDeleteInProgress && s != cftypes.StackStatusDeleteComplete {
			t.Fatalf("right after DeleteStack: %s", s)
		}
	}
}

// The chain and the wide stack: Chain's three parameters wait for one
// another, the root's resources and its two nested stacks do not.
const chainTemplate = `Resources:
  One: {Type: AWS::SSM::Parameter, Properties: {Name: !Sub "/${AWS::StackName}/one", Type: String, Value: "1"}}
  Two: {Type: AWS::SSM::Parameter, Properties: {Name: !Sub "/${AWS::StackName}/two", Type: String, Value: !Ref One}}
  Three: {Type: AWS::SSM::Parameter, Properties: {Name: !Sub "/${AWS::StackName}/three", Type: String, Value: !Ref Two}}
Outputs:
  Last: {Value: !Ref Three}
`

const wideTemplate = `Resources:
  Left: {Type: AWS::SSM::Parameter, Properties: {Name: /wide/left, Type: String, Value: left}}
  Right: {Type: AWS::SSM::Parameter, Properties: {Name: /wide/right, Type: String, Value: right}}
  ChainA: {Type: AWS::CloudFormation::Stack, Properties: {TemplateURL: https://tpl.s3.us-west-2.amazonaws.com/chain.yaml}}
  ChainB: {Type: AWS::CloudFormation::Stack, Properties: {TemplateURL: https://tpl.s3.us-west-2.amazonaws.com/chain.yaml}}
  After: {Type: AWS::SSM::Parameter, DependsOn: [Left, Right], Properties: {Name: /wide/after, Type: String, Value: !GetAtt ChainA.Outputs.Last}}
`

// inFlight is the most resources of the tree (nested stacks' own included)
// in progress at once, read from the events in time order.
func inFlight(events []cftypes.StackEvent, status string) int {
	slices.SortStableFunc(events, func(a, b cftypes.StackEvent) int { return aws.ToTime(a.Timestamp).Compare(aws.ToTime(b.Timestamp)) })
	now, most := map[string]bool{}, 0
	for _, e := range events {
		if aws.ToString(e.ResourceType) == "AWS::CloudFormation::Stack" && aws.ToString(e.LogicalResourceId) == aws.ToString(e.StackName) {
			continue // a stack's own status
		}
		key := aws.ToString(e.StackId) + "/" + aws.ToString(e.LogicalResourceId)
		switch string(e.ResourceStatus) {
		case status + "_IN_PROGRESS":
			now[key] = true
		default:
			delete(now, key)
		}
		most = max(most, len(now))
	}
	return most
}

func (f *fixture) treeEvents(root string) []cftypes.StackEvent {
	f.t.Helper()
	var all []cftypes.StackEvent
	stacks := []string{root}
	for len(stacks) > 0 {
		id := stacks[0]
		stacks = stacks[1:]
		p := cloudformation.NewDescribeStackEventsPaginator(f.c.CloudFormation, &cloudformation.DescribeStackEventsInput{StackName: aws.String(id)})
		for p.HasMorePages() {
			page, err := p.NextPage(f.ctx)
			if err != nil {
				f.t.Fatal(err)
			}
			for _, e := range page.StackEvents {
				all = append(all, e)
				if aws.ToString(e.ResourceType) == "AWS::CloudFormation::Stack" && aws.ToString(e.StackId) == id &&
					aws.ToString(e.LogicalResourceId) != aws.ToString(e.StackName) && string(e.ResourceStatus) == "CREATE_IN_PROGRESS" &&
					strings.HasPrefix(aws.ToString(e.PhysicalResourceId), "arn:") && !slices.Contains(stacks, aws.ToString(e.PhysicalResourceId)) {
					stacks = append(stacks, aws.ToString(e.PhysicalResourceId))
				}
			}
		}
	}
	return all
}

// CloudFormation starts every resource whose dependencies are complete at
// once, nested stacks included, and deletes in reverse dependency order in
// parallel too; a resource waits for what it refers to.
func TestResourcesRunInParallel(t *testing.T) {
	f := setup(t, Settings{ResourceSeconds: 0.2})
	f.put("tpl", "chain.yaml", chainTemplate)
	id := f.create("wide", wideTemplate)
	if s := f.settle(id); s.StackStatus != cftypes.StackStatusCreateComplete {
		t.Fatalf("%s: %s", s.StackStatus, strings.Join(f.events(id), "\n"))
	}
	events := f.treeEvents(id)
	// Left, Right, ChainA and ChainB at once, and then the chains' One each.
	if n := inFlight(slices.Clone(events), "CREATE"); n < 5 {
		t.Errorf("at most %d resources were created at once", n)
	}
	at := map[string]time.Time{} // the root's resources: when each reached a status
	for _, e := range events {
		if aws.ToString(e.StackId) == id {
			at[aws.ToString(e.LogicalResourceId)+" "+string(e.ResourceStatus)] = aws.ToTime(e.Timestamp)
		}
	}
	if at["After CREATE_IN_PROGRESS"].Before(at["ChainA CREATE_COMPLETE"]) || at["ChainA CREATE_COMPLETE"].IsZero() {
		t.Error("After started before the stack it reads completed")
	}
	if _, err := f.c.CloudFormation.DeleteStack(f.ctx, &cloudformation.DeleteStackInput{StackName: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	if s := f.settle(id); s.StackStatus != cftypes.StackStatusDeleteComplete {
		t.Fatalf("delete: %s", s.StackStatus)
	}
	if n := inFlight(f.treeEvents(id), "DELETE"); n < 4 {
		t.Errorf("at most %d resources were deleted at once", n)
	}
}

// When one of several resources in flight fails, CloudFormation cancels
// the others ("Resource creation cancelled"), a nested stack included, and
// rolls the stack back.
func TestAFailureCancelsItsSiblings(t *testing.T) {
	f := setup(t, Settings{ResourceSeconds: 0.2, Failures: []Failure{{Stack: "wide", LogicalID: "Left", Reason: "InternalFailure: boom"}}})
	f.put("tpl", "chain.yaml", chainTemplate)
	id := f.create("wide", wideTemplate)
	s := f.settle(id)
	events := strings.Join(f.events(id), "\n")
	if s.StackStatus != cftypes.StackStatusRollbackComplete || !strings.Contains(events, "Left CREATE_FAILED InternalFailure: boom") ||
		!strings.Contains(events, "ChainA CREATE_FAILED Resource creation cancelled") || strings.Contains(events, "After CREATE_IN_PROGRESS") {
		t.Errorf("%s:\n%s", s.StackStatus, events)
	}
	if !strings.Contains(events, "Right CREATE_FAILED Resource creation cancelled") && !strings.Contains(events, "Right CREATE_COMPLETE") {
		t.Errorf("Right neither completed nor was cancelled:\n%s", events)
	}
}

// ListChangeSets lists the change sets of the stack it names, and only
// those: two CREATE change sets of one stack, none of another's.
func TestListChangeSetsNamesOneStack(t *testing.T) {
	f := setup(t, Settings{})
	for _, cs := range []struct{ stack, name string }{{"one", "a"}, {"one", "b"}, {"two", "c"}} {
		if _, err := f.c.CloudFormation.CreateChangeSet(f.ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String(cs.stack),
			ChangeSetName: aws.String(cs.name), ChangeSetType: cftypes.ChangeSetTypeCreate, TemplateBody: aws.String(ownedGroup)}); err != nil {
			t.Fatal(err)
		}
	}
	out, err := f.c.CloudFormation.ListChangeSets(f.ctx, &cloudformation.ListChangeSetsInput{StackName: aws.String("one")})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range out.Summaries {
		names = append(names, aws.ToString(s.ChangeSetName))
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"a", "b"}) {
		t.Errorf("change sets of stack one: %v", names)
	}
}
