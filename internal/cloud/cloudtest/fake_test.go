package cloudtest

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/hpctl/hpctl/internal/cloud"
)

// The fake is only as good as its likeness to CloudFormation: these are
// the answers hpctl reads, as the CloudFormation API reference gives them
// (CreateChangeSet, DescribeChangeSet, ExecuteChangeSet, DeleteStack,
// DescribeStacks) and as the emulator tests see them.

const topic = "Parameters:\n  Name: {Type: String, Default: a}\nResources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties: {TopicName: !Ref Name}\n"

func settle(t *testing.T, f *Fake, stack string) string {
	t.Helper()
	for range 100 {
		out, err := f.DescribeStacks(context.Background(), &cloudformation.DescribeStacksInput{StackName: aws.String(stack)})
		if err != nil {
			t.Fatal(err)
		}
		if st := string(out.Stacks[0].StackStatus); st == "REVIEW_IN_PROGRESS" || !strings.HasSuffix(st, "_IN_PROGRESS") {
			return st
		}
		_ = f.Sleep(context.Background(), f.Step)
	}
	t.Fatal("the stack never settled")
	return ""
}

func makeChangeSet(t *testing.T, f *Fake, kind cftypes.ChangeSetType, name string) (*cloudformation.DescribeChangeSetOutput, error) {
	t.Helper()
	ctx := context.Background()
	out, err := f.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String("s"), ChangeSetName: aws.String("cs-" + name),
		ChangeSetType: kind, TemplateBody: aws.String(topic), Parameters: []cftypes.Parameter{{ParameterKey: aws.String("Name"), ParameterValue: aws.String(name)}}})
	if err != nil {
		return nil, err
	}
	_ = f.Sleep(ctx, f.Step)
	return f.DescribeChangeSet(ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: out.Id})
}

func TestTheFakeAnswersAsCloudFormationDoes(t *testing.T) {
	ctx := context.Background()
	f := New()
	cs, err := makeChangeSet(t, f, cftypes.ChangeSetTypeCreate, "a")
	if err != nil || cs.Status != cftypes.ChangeSetStatusCreateComplete || len(cs.Changes) != 1 || cs.Changes[0].ResourceChange.Action != "Add" {
		t.Fatalf("a CREATE change set: %v %+v", err, cs)
	}
	if st := settle(t, f, "s"); st != "REVIEW_IN_PROGRESS" {
		t.Errorf("before execution the stack is %s", st)
	}
	if _, err := f.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{ChangeSetName: cs.ChangeSetId}); err != nil {
		t.Fatal(err)
	}
	if st := settle(t, f, "s"); st != "CREATE_COMPLETE" {
		t.Fatalf("after execution the stack is %s", st)
	}
	if _, err := makeChangeSet(t, f, cftypes.ChangeSetTypeCreate, "a"); !cloud.StackExists(err) {
		t.Errorf("a second CREATE change set: %v", err)
	}
	if cs, err := makeChangeSet(t, f, cftypes.ChangeSetTypeUpdate, "a"); err != nil || cs.Status != cftypes.ChangeSetStatusFailed ||
		!strings.Contains(aws.ToString(cs.StatusReason), "didn't contain changes") {
		t.Errorf("an update that changes nothing: %v %+v", err, cs)
	}
	cs, err = makeChangeSet(t, f, cftypes.ChangeSetTypeUpdate, "b")
	if err != nil || cs.Status != cftypes.ChangeSetStatusCreateComplete || cs.Changes[0].ResourceChange.Details[0].Target.Name == nil ||
		*cs.Changes[0].ResourceChange.Details[0].Target.Name != "TopicName" {
		t.Fatalf("an update of the name: %v %+v", err, cs)
	}

	f.Protect("s")
	if _, err := f.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String("s")}); err == nil ||
		!strings.Contains(err.Error(), "cannot be deleted while TerminationProtection is enabled") {
		t.Errorf("a protected stack: %v", err)
	}
	if _, err := f.UpdateTerminationProtection(ctx, &cloudformation.UpdateTerminationProtectionInput{StackName: aws.String("s"),
		EnableTerminationProtection: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	id := *stackID(t, f, "s")
	if _, err := f.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String("s")}); err != nil {
		t.Fatal(err)
	}
	if st := settle(t, f, id); st != "DELETE_COMPLETE" {
		t.Errorf("deleted: %s", st)
	}
	if _, err := f.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("s")}); !cloud.StackMissing(err) {
		t.Errorf("a deleted stack by name: %v", err)
	}
	if _, err := f.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String("s")}); err != nil {
		t.Errorf("deleting a stack that is not there is no error: %v", err)
	}
}

func stackID(t *testing.T, f *Fake, name string) *string {
	t.Helper()
	out, err := f.DescribeStacks(context.Background(), &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return out.Stacks[0].StackId
}

// A bucket the stack made must be empty to delete: the stack's deletion
// fails on it, with S3's words, until it is.
func TestABucketWithObjectsFailsTheDelete(t *testing.T) {
	ctx := context.Background()
	f := New()
	if err := f.CreateStack("s", "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties: {BucketName: kept}\n"); err != nil {
		t.Fatal(err)
	}
	f.Put("kept", "a.txt", []byte("a"))
	if _, err := f.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String("s")}); err != nil {
		t.Fatal(err)
	}
	if st := settle(t, f, "s"); st != "DELETE_FAILED" {
		t.Fatalf("a stack whose bucket holds objects: %s", st)
	}
	res, err := f.ListStackResources(ctx, &cloudformation.ListStackResourcesInput{StackName: aws.String("s")})
	if err != nil || res.StackResourceSummaries[0].ResourceStatus != "DELETE_FAILED" ||
		!strings.Contains(aws.ToString(res.StackResourceSummaries[0].ResourceStatusReason), "The bucket you tried to delete is not empty") {
		t.Errorf("%v %+v", err, res)
	}
}
