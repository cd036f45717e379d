package emulator

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
)

// With a time scale, each resource takes its type's time on AWS, scaled:
// an IAM role (15 s) five times a parameter (3 s). Only lower bounds are
// held: a busy machine makes resources slower, never faster.
func TestATimeScaleGivesEachTypeItsTime(t *testing.T) {
	f := setup(t, Settings{TimeScale: 0.04, ResourceSeconds: 30})
	id := f.createIAM("timed", `Resources:
  Quick: {Type: AWS::SSM::Parameter, Properties: {Name: /timed/quick, Type: String, Value: v}}
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: 2012-10-17
        Statement: [{Effect: Allow, Principal: {Service: [eks.amazonaws.com]}, Action: [sts:AssumeRole]}]
`)
	if s := f.settle(id); s.StackStatus != cftypes.StackStatusCreateComplete {
		t.Fatalf("%s: %s", s.StackStatus, strings.Join(f.events(id), "\n"))
	}
	took := map[string]time.Duration{}
	start := map[string]time.Time{}
	out, err := f.c.CloudFormation.DescribeStackEvents(f.ctx, &cloudformation.DescribeStackEventsInput{StackName: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	for i := len(out.StackEvents) - 1; i >= 0; i-- { // oldest first
		e := out.StackEvents[i]
		id := aws.ToString(e.LogicalResourceId)
		switch e.ResourceStatus {
		case cftypes.ResourceStatusCreateInProgress:
			start[id] = aws.ToTime(e.Timestamp)
		case cftypes.ResourceStatusCreateComplete:
			took[id] = aws.ToTime(e.Timestamp).Sub(start[id])
		}
	}
	// ResourceSeconds (30) gives way to the profile: the stack took seconds, not minutes.
	if took["Quick"] < 120*time.Millisecond || took["Role"] < 600*time.Millisecond || took["Role"] > 20*time.Second {
		t.Errorf("a parameter took %s (want ≥ 0.12 s), a role %s (want ≥ 0.6 s)", took["Quick"], took["Role"])
	}
}
