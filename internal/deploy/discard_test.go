package deploy

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// A discarded CREATE change set takes its REVIEW_IN_PROGRESS stack along
// only when no other deploy's change set is on that stack: deleting it
// would cancel that deploy's create once it runs.
func TestDiscardLeavesAnotherDeploysReviewStack(t *testing.T) {
	d, _ := onEmulator(t)
	ctx := context.Background()
	body := "Resources:\n  Topic: {Type: AWS::SNS::Topic}\n"
	create := func(stack, name string) *ChangeSet {
		out, err := d.CFN.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{StackName: aws.String(stack),
			ChangeSetName: aws.String(name), ChangeSetType: cftypes.ChangeSetTypeCreate, TemplateBody: aws.String(body)})
		if err != nil {
			t.Fatal(err)
		}
		return &ChangeSet{ID: aws.ToString(out.Id), StackID: aws.ToString(out.StackId), Type: "CREATE"}
	}
	status := func(id string) cftypes.StackStatus {
		out, err := d.CFN.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(id)})
		if err != nil {
			t.Fatal(err)
		}
		return out.Stacks[0].StackStatus
	}
	mine, theirs := create("shared", "mine"), create("shared", "theirs")
	d.discard(mine)
	if s := status(mine.StackID); s != cftypes.StackStatusReviewInProgress {
		t.Errorf("the stack holding another deploy's change set is %s", s)
	}
	d.discard(theirs)
	if s := status(theirs.StackID); s != cftypes.StackStatusDeleteInProgress && s != cftypes.StackStatusDeleteComplete {
		t.Errorf("the stack of the last change set is %s", s)
	}
}
