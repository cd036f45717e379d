package emulator

// Smoke tests of the update path: change sets that preview an update of a
// nested tree, and its execution and rollback in the background.

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"

	"github.com/hpctl/hpctl/internal/cloud"
)

const appTemplate = `AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Value: {Type: String}
Resources:
  Param:
    Type: AWS::SSM::Parameter
    Properties: {Name: !Sub "/app/${Value}", Type: String, Value: !Ref Value}
Outputs:
  Name: {Value: !Ref Param}
`

const updatableTemplate = `AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Value: {Type: String, Default: one}
  Extra: {Type: String, Default: "no", AllowedValues: ["yes", "no"]}
Conditions:
  WithExtra: !Equals [!Ref Extra, "yes"]
Resources:
  AppStack:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: https://tpl.s3.us-west-2.amazonaws.com/app.yaml
      Parameters: {Value: !Ref Value}
  Extra:
    Type: AWS::S3::Bucket
    Condition: WithExtra
    Properties: {BucketName: hpctl-extra}
Outputs:
  Name: {Value: !GetAtt AppStack.Outputs.Name}
`

func (f *fixture) changeSet(stack, name, token string, params ...cftypes.Parameter) *cloudformation.DescribeChangeSetOutput {
	f.t.Helper()
	out, err := f.c.CloudFormation.CreateChangeSet(f.ctx, &cloudformation.CreateChangeSetInput{
		StackName: aws.String(stack), ChangeSetName: aws.String(name), ChangeSetType: cftypes.ChangeSetTypeUpdate,
		TemplateBody: aws.String(updatableTemplate), Parameters: params, IncludeNestedStacks: aws.Bool(true),
		ClientToken: aws.String(token)})
	if err != nil {
		f.t.Fatal(err)
	}
	return f.describeChangeSet(aws.ToString(out.Id))
}

func (f *fixture) describeChangeSet(id string) *cloudformation.DescribeChangeSetOutput {
	f.t.Helper()
	cs, err := f.c.CloudFormation.DescribeChangeSet(f.ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: aws.String(id)})
	if err != nil {
		f.t.Fatal(err)
	}
	return cs
}

func changeLines(cs *cloudformation.DescribeChangeSetOutput) []string {
	var out []string
	for _, c := range cs.Changes {
		rc := c.ResourceChange
		line := string(rc.Action) + " " + aws.ToString(rc.LogicalResourceId)
		for _, d := range rc.Details {
			line += " " + aws.ToString(d.Target.Name)
		}
		out = append(out, line)
	}
	slices.Sort(out)
	return out
}

func param(k, v string) cftypes.Parameter {
	return cftypes.Parameter{ParameterKey: aws.String(k), ParameterValue: aws.String(v)}
}

func TestUpdateChangeSetPreviewsNestedChangesAndRunsInTheBackground(t *testing.T) {
	f := setup(t, Settings{ResourceSeconds: 0.05})
	f.put("tpl", "app.yaml", appTemplate)
	f.create("up", updatableTemplate)
	f.settle("up")

	same := f.changeSet("up", "same", "t0")
	if same.Status != cftypes.ChangeSetStatusFailed || !strings.Contains(aws.ToString(same.StatusReason), "didn't contain changes") {
		t.Errorf("no changes: %s %q", same.Status, aws.ToString(same.StatusReason))
	}

	cs := f.changeSet("up", "two", "t1", param("Value", "two"), param("Extra", "yes"))
	if cs.Status != cftypes.ChangeSetStatusCreateComplete || !aws.ToBool(cs.IncludeNestedStacks) {
		t.Fatalf("%s %q", cs.Status, aws.ToString(cs.StatusReason))
	}
	if got := changeLines(cs); !slices.Equal(got, []string{"Add Extra", "Modify AppStack Parameters.Value"}) {
		t.Errorf("root changes %v", got)
	}
	var nestedID string
	for _, c := range cs.Changes {
		if aws.ToString(c.ResourceChange.LogicalResourceId) == "AppStack" {
			nestedID = aws.ToString(c.ResourceChange.ChangeSetId)
		}
	}
	nested := f.describeChangeSet(nestedID)
	if got := changeLines(nested); !slices.Equal(got, []string{"Modify Param Name Value"}) ||
		aws.ToString(nested.ParentChangeSetId) != aws.ToString(cs.ChangeSetId) {
		t.Errorf("nested changes %v (parent %s)", got, aws.ToString(nested.ParentChangeSetId))
	}
	again := f.changeSet("up", "two", "t1", param("Value", "two"), param("Extra", "yes"))
	if aws.ToString(again.ChangeSetId) != aws.ToString(cs.ChangeSetId) {
		t.Error("a retried CreateChangeSet with the same ClientToken made a second change set")
	}

	for range 2 { // the retry of an execute with the same token is accepted
		if _, err := f.c.CloudFormation.ExecuteChangeSet(f.ctx, &cloudformation.ExecuteChangeSetInput{
			ChangeSetName: cs.ChangeSetId, ClientRequestToken: aws.String("x1")}); err != nil {
			t.Fatal(err)
		}
	}
	if s := f.stack("up"); s.StackStatus != cftypes.StackStatusUpdateInProgress {
		t.Errorf("after ExecuteChangeSet: %s", s.StackStatus)
	}
	if s := f.settle("up"); s.StackStatus != cftypes.StackStatusUpdateComplete || outputs(s)["Name"] != "/app/two" {
		t.Errorf("%s %v", s.StackStatus, outputs(s))
	}
	inOrder(t, f.events("up"), "up UPDATE_IN_PROGRESS User Initiated", "AppStack UPDATE_IN_PROGRESS",
		"AppStack UPDATE_COMPLETE", "Extra CREATE_COMPLETE", "up UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "up UPDATE_COMPLETE")
	child := aws.ToString(f.resources("up")["AppStack"].PhysicalResourceId)
	inOrder(t, f.events(child), "UPDATE_IN_PROGRESS", "Param UPDATE_IN_PROGRESS", "Param UPDATE_COMPLETE", "UPDATE_COMPLETE")

	// Removing a resource deletes it in the cleanup phase.
	rm := f.changeSet("up", "rm", "t2", param("Value", "two"), param("Extra", "no"))
	if got := changeLines(rm); !slices.Equal(got, []string{"Remove Extra"}) {
		t.Errorf("changes %v", got)
	}
	if _, err := f.c.CloudFormation.ExecuteChangeSet(f.ctx, &cloudformation.ExecuteChangeSetInput{ChangeSetName: rm.ChangeSetId}); err != nil {
		t.Fatal(err)
	}
	f.settle("up")
	inOrder(t, f.events("up"), "up UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "Extra DELETE_COMPLETE", "up UPDATE_COMPLETE")
	inv, err := f.emu.Inventory(f.ctx, Region)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(inv["buckets"], "hpctl-extra") || !slices.Contains(inv["parameters"], "/app/two") || slices.Contains(inv["parameters"], "/app/one") {
		t.Errorf("after the updates: buckets %v, parameters %v", inv["buckets"], inv["parameters"])
	}
}

func TestFailedUpdateRollsBack(t *testing.T) {
	f := setup(t, Settings{ResourceSeconds: 0.02, Failures: []Failure{{Stack: "up-AppStack-*", LogicalID: "Param",
		Operation: "update", Reason: "AccessDeniedException: not allowed to write /app/three"}}})
	f.put("tpl", "app.yaml", appTemplate)
	f.create("up", updatableTemplate)
	f.settle("up")
	cs := f.changeSet("up", "three", "t3", param("Value", "three"), param("Extra", "yes"))
	if _, err := f.c.CloudFormation.ExecuteChangeSet(f.ctx, &cloudformation.ExecuteChangeSetInput{ChangeSetName: cs.ChangeSetId}); err != nil {
		t.Fatal(err)
	}
	s := f.settle("up")
	if s.StackStatus != cftypes.StackStatusUpdateRollbackComplete || outputs(s)["Name"] != "/app/one" {
		t.Errorf("%s %v", s.StackStatus, outputs(s))
	}
	child := aws.ToString(f.resources("up")["AppStack"].PhysicalResourceId)
	inOrder(t, f.events(child), "Param UPDATE_FAILED AccessDeniedException: not allowed to write /app/three",
		"UPDATE_ROLLBACK_IN_PROGRESS The following resource(s) failed to update: [Param]", "UPDATE_ROLLBACK_COMPLETE")
	inOrder(t, f.events("up"), "AppStack UPDATE_FAILED Embedded stack", "up UPDATE_ROLLBACK_IN_PROGRESS",
		"up UPDATE_ROLLBACK_COMPLETE")
	if _, ok := f.resources("up")["Extra"]; ok {
		t.Error("the rollback left a resource the failed update never got to create")
	}
}

// A CREATE change set for a stack that exists is a ValidationError, as
// CloudFormation answers it; a REVIEW_IN_PROGRESS stack takes another, and
// once one runs the others are obsolete.
func TestACreateChangeSetForAStackThatExists(t *testing.T) {
	f := setup(t, Settings{})
	create := func(name string) error {
		_, err := f.c.CloudFormation.CreateChangeSet(f.ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String("exists"),
			ChangeSetName: aws.String(name), ChangeSetType: cftypes.ChangeSetTypeCreate, TemplateBody: aws.String(netTemplate),
			Parameters: []cftypes.Parameter{{ParameterKey: aws.String("Cidr"), ParameterValue: aws.String("10.7.0.0/16")}}})
		return err
	}
	if err := create("first"); err != nil {
		t.Fatal(err)
	}
	if err := create("second"); err != nil {
		t.Fatalf("a REVIEW_IN_PROGRESS stack takes another CREATE change set: %v", err)
	}
	if _, err := f.c.CloudFormation.ExecuteChangeSet(f.ctx, &cloudformation.ExecuteChangeSetInput{ChangeSetName: aws.String("first"), StackName: aws.String("exists")}); err != nil {
		t.Fatal(err)
	}
	f.settle("exists")
	_, err := f.c.CloudFormation.ExecuteChangeSet(f.ctx, &cloudformation.ExecuteChangeSetInput{ChangeSetName: aws.String("second"), StackName: aws.String("exists")})
	if !strings.Contains(fmt.Sprint(err), "cannot be executed in its current execution status of [OBSOLETE]") {
		t.Errorf("the other CREATE change set, once one ran: %v", err)
	}
	err = create("third")
	defer func() {
		// A REVIEW_IN_PROGRESS stack can be deleted, as in CloudFormation.
		out, err := f.c.CloudFormation.CreateChangeSet(f.ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String("review"),
			ChangeSetName: aws.String("never"), ChangeSetType: cftypes.ChangeSetTypeCreate, TemplateBody: aws.String(appTemplate),
			Parameters: []cftypes.Parameter{{ParameterKey: aws.String("Value"), ParameterValue: aws.String("v")}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.c.CloudFormation.DeleteStack(f.ctx, &cloudformation.DeleteStackInput{StackName: aws.String("review")}); err != nil {
			t.Fatalf("delete a REVIEW_IN_PROGRESS stack: %v", err)
		}
		if s := f.settle(aws.ToString(out.StackId)); s.StackStatus != cftypes.StackStatusDeleteComplete {
			t.Errorf("review: %s", s.StackStatus)
		}
	}()
	if cloud.Code(err) != "ValidationError" || !cloud.StackExists(err) || !strings.Contains(err.Error(), "Stack [exists] already exists and cannot be created again with the changeSet [third].") {
		t.Errorf("%v", err)
	}
}

// ExecuteChangeSet answers with the stack UPDATE_IN_PROGRESS already, as
// DeleteStack does with DELETE_IN_PROGRESS: a DescribeStacks right after
// never shows the status before the update (TestFailedUpdateRollsBack
// once settled on CREATE_COMPLETE that way, in a full run under load;
// alone, this test did not catch the race in 100 tries without the fix).
func TestAnUpdatedStackIsUpdatingAtOnce(t *testing.T) {
	f := setup(t, Settings{})
	f.put("tpl", "app.yaml", appTemplate)
	f.create("up", updatableTemplate)
	f.settle("up")
	for i := range 30 {
		cs := f.changeSet("up", fmt.Sprintf("v%d", i), fmt.Sprintf("t%d", i), param("Value", fmt.Sprintf("v%d", i)))
		if _, err := f.c.CloudFormation.ExecuteChangeSet(f.ctx, &cloudformation.ExecuteChangeSetInput{ChangeSetName: cs.ChangeSetId}); err != nil {
			t.Fatal(err)
		}
		if s := f.stack("up").StackStatus; !strings.HasPrefix(string(s), "UPDATE_") {
			t.Fatalf("update %d: right after ExecuteChangeSet: %s", i, s)
		}
		f.settle("up")
	}
}

// An update of AWS::SageMaker::Cluster scales its groups and adds new
// ones, as UpdateCluster does: the cluster is Updating, then InService
// with the new counts; a group's instance type cannot change in place, and
// that update fails and rolls back.
func TestAScalingUpdateChangesTheClusterCounts(t *testing.T) {
	f := setup(t, Settings{ClusterSeconds: 0.3})
	id := f.create("hp", clusterTemplate)
	if s := f.settle(id); s.StackStatus != cftypes.StackStatusCreateComplete {
		t.Fatalf("%s", s.StackStatus)
	}
	update := func(name, body string) cftypes.StackStatus {
		t.Helper()
		out, err := f.c.CloudFormation.CreateChangeSet(f.ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String("hp"),
			ChangeSetName: aws.String(name), ChangeSetType: cftypes.ChangeSetTypeUpdate, TemplateBody: aws.String(body)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.c.CloudFormation.ExecuteChangeSet(f.ctx, &cloudformation.ExecuteChangeSetInput{ChangeSetName: out.Id}); err != nil {
			t.Fatal(err)
		}
		return f.settle("hp").StackStatus
	}
	counts := func() map[string]int32 {
		t.Helper()
		c, err := f.cluster("hp-demo")
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int32{}
		for _, g := range c.InstanceGroups {
			out[aws.ToString(g.InstanceGroupName)+" target"] = aws.ToInt32(g.TargetCount)
			out[aws.ToString(g.InstanceGroupName)+" current"] = aws.ToInt32(g.CurrentCount)
		}
		return out
	}
	scaled := strings.Replace(clusterTemplate, "InstanceCount: 2", "InstanceCount: 3", 1)
	scaled = strings.Replace(scaled, "Outputs:", `        - InstanceGroupName: extra
          InstanceType: ml.c5.xlarge
          InstanceCount: 1
          ExecutionRole: arn:aws:iam::123456789012:role/exec
          LifeCycleConfig: {SourceS3Uri: "s3://sagemaker-bucket", OnCreate: on_create.sh}
Outputs:`, 1)
	if s := update("scale", scaled); s != cftypes.StackStatusUpdateComplete {
		t.Fatalf("scaling: %s\n%s", s, strings.Join(f.events("hp"), "\n"))
	}
	if got, want := counts(), map[string]int32{"workers target": 3, "workers current": 3, "extra target": 1, "extra current": 1}; !maps.Equal(got, want) {
		t.Errorf("after scaling: %v, want %v", got, want)
	}
	inOrder(t, f.events("hp"), "NewHyperPodCluster UPDATE_IN_PROGRESS", "NewHyperPodCluster UPDATE_COMPLETE", "hp UPDATE_COMPLETE")

	retyped := strings.Replace(scaled, "InstanceType: ml.g5.8xlarge", "InstanceType: ml.g5.12xlarge", 1)
	if s := update("retype", retyped); s != cftypes.StackStatusUpdateRollbackComplete {
		t.Fatalf("a new instance type: %s", s)
	}
	inOrder(t, f.events("hp"), "NewHyperPodCluster UPDATE_FAILED ValidationException: Resource handler returned message: \"InstanceType of instance group workers cannot be updated")
	if got := counts(); got["workers target"] != 3 {
		t.Errorf("after the failed update: %v", got)
	}
}

// A resource that cannot be put back leaves its stack, and the root,
// UPDATE_ROLLBACK_FAILED. ContinueUpdateRollback retries it (and fails
// again while the cause lasts), or skips it when named, nested ones as
// Stack.Resource; only an UPDATE_ROLLBACK_FAILED stack takes it.
func TestAFailedRollbackGoesOnWithContinueUpdateRollback(t *testing.T) {
	failures := []Failure{
		{Stack: "up-AppStack-*", LogicalID: "Param", Operation: "update", Reason: "AccessDeniedException: not allowed to write /app/three"},
		{Stack: "up-AppStack-*", LogicalID: "Param", Operation: "rollback", Reason: "AccessDeniedException: not allowed to write /app/one"},
	}
	f := setup(t, Settings{ResourceSeconds: 0.02, Failures: failures})
	f.put("tpl", "app.yaml", appTemplate)
	f.create("up", updatableTemplate)
	f.settle("up")
	proceed := func(skip ...string) error {
		_, err := f.c.CloudFormation.ContinueUpdateRollback(f.ctx, &cloudformation.ContinueUpdateRollbackInput{
			StackName: aws.String("up"), ResourcesToSkip: skip})
		return err
	}
	if err := proceed(); !strings.Contains(fmt.Sprint(err), "is in CREATE_COMPLETE state and can not continue its update rollback") {
		t.Errorf("a stack not in UPDATE_ROLLBACK_FAILED: %v", err)
	}
	cs := f.changeSet("up", "three", "t3", param("Value", "three"))
	if _, err := f.c.CloudFormation.ExecuteChangeSet(f.ctx, &cloudformation.ExecuteChangeSetInput{ChangeSetName: cs.ChangeSetId}); err != nil {
		t.Fatal(err)
	}
	if s := f.settle("up"); s.StackStatus != cftypes.StackStatusUpdateRollbackFailed {
		t.Fatalf("%s\n%s", s.StackStatus, strings.Join(f.events("up"), "\n"))
	}
	child := aws.ToString(f.resources("up")["AppStack"].PhysicalResourceId)
	if s := f.stack(child); s.StackStatus != cftypes.StackStatusUpdateRollbackFailed {
		t.Errorf("the child is %s", s.StackStatus)
	}
	inOrder(t, f.events(child), "Param UPDATE_FAILED AccessDeniedException: not allowed to write /app/three",
		"Param UPDATE_FAILED AccessDeniedException: not allowed to write /app/one",
		"UPDATE_ROLLBACK_FAILED The following resource(s) failed to update: [Param]")
	inOrder(t, f.events("up"), "AppStack UPDATE_FAILED Embedded stack "+child+" was not successfully updated. Currently in UPDATE_ROLLBACK_FAILED",
		"up UPDATE_ROLLBACK_FAILED The following resource(s) failed to update: [AppStack]")
	_, err := f.c.CloudFormation.CreateChangeSet(f.ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String("up"),
		ChangeSetName: aws.String("four"), ChangeSetType: cftypes.ChangeSetTypeUpdate, TemplateBody: aws.String(updatableTemplate),
		Parameters: []cftypes.Parameter{param("Value", "four")}})
	if !strings.Contains(fmt.Sprint(err), "is in UPDATE_ROLLBACK_FAILED state and can not be updated.") {
		t.Errorf("an update of an UPDATE_ROLLBACK_FAILED stack: %v", err)
	}

	// While the cause lasts, continuing fails the same way.
	if err := proceed(); err != nil {
		t.Fatal(err)
	}
	if s := f.settle("up"); s.StackStatus != cftypes.StackStatusUpdateRollbackFailed {
		t.Fatalf("continued while the cause lasts: %s", s.StackStatus)
	}
	// Skipping the resource ends the rollback; the skipped one stays as it is.
	if err := proceed("AppStack.Param"); err != nil {
		t.Fatal(err)
	}
	if s := f.settle("up"); s.StackStatus != cftypes.StackStatusUpdateRollbackComplete {
		t.Fatalf("skipped: %s\n%s", s.StackStatus, strings.Join(f.events("up"), "\n"))
	}
	inOrder(t, f.events(child), "UPDATE_ROLLBACK_IN_PROGRESS", "Param UPDATE_COMPLETE Resource skipped during UPDATE_ROLLBACK",
		"UPDATE_ROLLBACK_COMPLETE")
	inOrder(t, f.events("up"), "up UPDATE_ROLLBACK_IN_PROGRESS User Initiated", "AppStack UPDATE_COMPLETE", "up UPDATE_ROLLBACK_COMPLETE")
}

// With continuous provisioning a new cluster, and an updated one, is
// InService before its new nodes are up; they come a moment later.
func TestAContinuousScalingUpdateIsInServiceBeforeItsNodes(t *testing.T) {
	f := setup(t, Settings{ClusterSeconds: 0.3})
	continuous := strings.Replace(clusterTemplate, "NodeRecovery: Automatic", "NodeRecovery: Automatic\n      NodeProvisioningMode: Continuous", 1)
	id := f.create("hp", continuous)
	if s := f.settle(id); s.StackStatus != cftypes.StackStatusCreateComplete {
		t.Fatalf("%s", s.StackStatus)
	}
	// InService at once, its nodes a moment later.
	if c, err := f.cluster("hp-demo"); err != nil || aws.ToInt32(c.InstanceGroups[0].CurrentCount) != 0 {
		t.Fatalf("right after the create: %v %+v", err, c)
	}
	if c := f.nodesUp("hp-demo", 2); aws.ToInt32(c.InstanceGroups[0].CurrentCount) != 2 {
		t.Fatalf("the nodes never came: %+v", c.InstanceGroups[0])
	}
	scaled := strings.Replace(continuous, "InstanceCount: 2", "InstanceCount: 3", 1)
	out, err := f.c.CloudFormation.CreateChangeSet(f.ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String("hp"),
		ChangeSetName: aws.String("scale"), ChangeSetType: cftypes.ChangeSetTypeUpdate, TemplateBody: aws.String(scaled)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.CloudFormation.ExecuteChangeSet(f.ctx, &cloudformation.ExecuteChangeSetInput{ChangeSetName: out.Id}); err != nil {
		t.Fatal(err)
	}
	if s := f.settle("hp"); s.StackStatus != cftypes.StackStatusUpdateComplete {
		t.Fatalf("%s", s.StackStatus)
	}
	c, err := f.cluster("hp-demo")
	if err != nil || c.ClusterStatus != "InService" || aws.ToInt32(c.InstanceGroups[0].CurrentCount) != 2 || aws.ToInt32(c.InstanceGroups[0].TargetCount) != 3 {
		t.Fatalf("right after the update: %v %+v", err, c)
	}
	if c := f.nodesUp("hp-demo", 3); aws.ToInt32(c.InstanceGroups[0].CurrentCount) != 3 {
		t.Errorf("the new node never came: %+v", c.InstanceGroups[0])
	}
}

// nodesUp waits (10 s at most) until the cluster's first group has n
// instances, and returns the cluster as it last read.
func (f *fixture) nodesUp(name string, n int32) *sagemaker.DescribeClusterOutput {
	f.t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		c, err := f.cluster(name)
		if err != nil {
			f.t.Fatal(err)
		}
		if aws.ToInt32(c.InstanceGroups[0].CurrentCount) == n || time.Now().After(deadline) {
			return c
		}
	}
}

const chainedTemplate = `AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Value: {Type: String, Default: one}
Resources:
  AppStack:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: https://tpl.s3.us-west-2.amazonaws.com/app.yaml
      Parameters: {Value: !Ref Value}
  UserStack:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: https://tpl.s3.us-west-2.amazonaws.com/app.yaml
      Parameters: {Value: !Join ["-", [!GetAtt AppStack.Outputs.Name, user]]}
`

// A resource that reads an attribute of one the update modifies is
// previewed as CloudFormation previews it: a dynamic modification whose
// detail names the attribute (Evaluation Dynamic, ChangeSource
// ResourceAttribute, CausingEntity), a nested stack updated in place.
func TestAChangeSetPreviewsWhatReadsAChangedOutput(t *testing.T) {
	f := setup(t, Settings{ResourceSeconds: 0.02})
	f.put("tpl", "app.yaml", appTemplate)
	f.create("chain", chainedTemplate)
	f.settle("chain")
	out, err := f.c.CloudFormation.CreateChangeSet(f.ctx, &cloudformation.CreateChangeSetInput{
		StackName: aws.String("chain"), ChangeSetName: aws.String("two"), ChangeSetType: cftypes.ChangeSetTypeUpdate,
		TemplateBody: aws.String(chainedTemplate), Parameters: []cftypes.Parameter{param("Value", "two")}, IncludeNestedStacks: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	cs := f.describeChangeSet(aws.ToString(out.Id))
	if got := changeLines(cs); !slices.Equal(got, []string{"Modify AppStack Parameters.Value", "Modify UserStack Parameters"}) {
		t.Errorf("changes %v", got)
	}
	for _, c := range cs.Changes {
		rc := c.ResourceChange
		if aws.ToString(rc.LogicalResourceId) != "UserStack" {
			continue
		}
		d := rc.Details[0]
		if rc.Replacement != cftypes.ReplacementFalse || d.Evaluation != cftypes.EvaluationTypeDynamic ||
			d.ChangeSource != cftypes.ChangeSourceResourceAttribute || aws.ToString(d.CausingEntity) != "AppStack.Outputs.Name" {
			t.Errorf("UserStack: replacement %s, detail %s %s %s", rc.Replacement, d.Evaluation, d.ChangeSource, aws.ToString(d.CausingEntity))
		}
	}
	if _, err := f.c.CloudFormation.ExecuteChangeSet(f.ctx, &cloudformation.ExecuteChangeSetInput{ChangeSetName: out.Id}); err != nil {
		t.Fatal(err)
	}
	f.settle("chain")
	inOrder(t, f.events("chain"), "AppStack UPDATE_COMPLETE", "UserStack UPDATE_IN_PROGRESS", "UserStack UPDATE_COMPLETE")
}
