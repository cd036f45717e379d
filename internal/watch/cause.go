package watch

import (
	"context"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/hpctl/hpctl/internal/cloud"
)

// rootCause names the failure that started a failed operation: the earliest
// failed event with a real reason (not one that points at a nested stack or
// a cancelled resource), found by stack ID among everything read, so that it
// survives the rollback that deleted the resource. Where the endpoint
// offers DescribeEvents, its failed events add what DescribeStackEvents
// never shows (early validation, hooks). A failed HyperPod cluster adds its
// FailureMessage. Without any of these, the stack's own reason stands.
func (w *Watcher) rootCause(ctx context.Context, stackReason string) *Cause {
	candidates := slices.Clone(w.failures)
	candidates = append(candidates, w.operationFailures(ctx)...)
	if len(candidates) == 0 {
		if stackReason == "" {
			stackReason = "the stack ended " + w.root.status
		}
		return &Cause{Time: w.opt.Now(), Path: w.root.path, ResourceType: stackType, Status: w.root.status, Reason: stackReason}
	}
	slices.SortStableFunc(candidates, func(a, b Cause) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		return strings.Count(b.Path, "/") - strings.Count(a.Path, "/") // deeper first
	})
	cause := candidates[0]
	if inner := w.causeInMadeStack(ctx, cause); inner != nil {
		cause = *inner
	}
	if cause.ResourceType == "AWS::SageMaker::Cluster" && w.opt.Cluster != "" && w.sm != nil {
		// The rollback may have deleted the cluster since: then the last
		// read of it speaks.
		c, err := w.describeCluster(ctx)
		if err != nil || c == nil {
			c = w.cluster
		}
		if c != nil && c.FailureMessage != "" && !strings.Contains(cause.Reason, c.FailureMessage) {
			cause.Reason += "; cluster: " + c.FailureMessage
		}
		cause.Reason += w.nodeFailures(ctx)
	}
	return &cause
}

// stackARN is the first stack ARN a reason names ("" for none).
var stackARN = regexp.MustCompile(`arn:aws[a-z-]*:cloudformation:[a-z0-9-]+:[0-9]{12}:stack/[A-Za-z0-9-]+/[0-9a-f-]+`)

// causeInMadeStack looks into a stack the failed resource names but the
// tree does not hold: one a custom resource made (the EKS observability
// stack), whose own events hold the real cause. It returns that stack's
// earliest real failure, nil when there is none or it cannot be read.
func (w *Watcher) causeInMadeStack(ctx context.Context, c Cause) *Cause {
	id := stackARN.FindString(c.Reason)
	if id == "" || w.byID[id] != nil {
		return nil
	}
	var found *Cause
	in := &cloudformation.DescribeStackEventsInput{StackName: aws.String(id)}
	for {
		w.calls["DescribeStackEvents"]++
		out, err := w.cfn.DescribeStackEvents(ctx, in)
		if err != nil {
			return found
		}
		for _, e := range out.StackEvents { // newest first: the last one kept is the earliest
			if strings.HasSuffix(string(e.ResourceStatus), "_FAILED") && !PointsElsewhere(aws.ToString(e.ResourceStatusReason)) {
				found = &Cause{Time: aws.ToTime(e.Timestamp), Path: c.Path + "/" + cloud.StackName(id) + "/" + aws.ToString(e.LogicalResourceId),
					ResourceType: aws.ToString(e.ResourceType), Status: string(e.ResourceStatus), Reason: aws.ToString(e.ResourceStatusReason)}
			}
		}
		if out.NextToken == nil {
			return found
		}
		in.NextToken = out.NextToken
	}
}

// operationFailures asks DescribeEvents for the failed events of the root's
// last operation; an endpoint without it answers once and is not asked again.
func (w *Watcher) operationFailures(ctx context.Context) []Cause {
	if w.noDescribeEvents {
		return nil
	}
	w.calls["DescribeEvents"]++
	out, err := w.cfn.DescribeEvents(ctx, &cloudformation.DescribeEventsInput{
		StackName: aws.String(w.root.id), Filters: &cftypes.EventFilter{FailedEvents: aws.Bool(true)},
	}, func(o *cloudformation.Options) { o.RetryMaxAttempts = 1 })
	if err != nil {
		if cloud.Unsupported(err) {
			w.noDescribeEvents = true
		}
		return nil
	}
	var out2 []Cause
	for _, e := range out.OperationEvents {
		path := w.root.path
		if t, ok := w.byID[aws.ToString(e.StackId)]; ok {
			path = t.path
		}
		c := Cause{Time: aws.ToTime(e.Timestamp), ResourceType: aws.ToString(e.ResourceType), Status: string(e.ResourceStatus)}
		switch {
		case e.ValidationStatus == cftypes.ValidationStatusFailed:
			c.Path, c.Reason, c.Status = path+"/"+aws.ToString(e.ValidationPath), aws.ToString(e.ValidationStatusReason), "VALIDATION_FAILED"
			if c.Reason == "" {
				c.Reason = "validation " + aws.ToString(e.ValidationName) + " failed"
			}
		case e.HookStatus == cftypes.HookStatusHookCompleteFailed || e.HookStatus == cftypes.HookStatusHookFailed:
			c.Path, c.Reason, c.Status = path+"/"+aws.ToString(e.LogicalResourceId), "hook "+aws.ToString(e.HookType)+": "+aws.ToString(e.HookStatusReason), string(e.HookStatus)
		case strings.HasSuffix(string(e.ResourceStatus), "_FAILED") && !PointsElsewhere(aws.ToString(e.ResourceStatusReason)):
			c.Path, c.Reason = path+"/"+aws.ToString(e.LogicalResourceId), aws.ToString(e.ResourceStatusReason)
			if aws.ToString(e.LogicalResourceId) == w.root.name {
				c.Path = path
			}
		default:
			continue
		}
		out2 = append(out2, c)
	}
	return out2
}
