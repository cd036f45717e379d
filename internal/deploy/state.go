package deploy

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/hpctl/hpctl/internal/plan"
)

// Situation is what an existing stack of the plan's name means for a deploy.
type Situation int

const (
	// Absent: nothing of that name; the deploy creates it.
	Absent Situation = iota
	// InProgress: an operation runs; the deploy attaches and watches it.
	InProgress
	// Deployed: the stack is complete; the deploy updates it.
	Deployed
	// Dead: a failed creation left a stack that can only be deleted
	// (ROLLBACK_COMPLETE, CREATE_FAILED) or a creation never executed
	// (REVIEW_IN_PROGRESS); --replace-failed deletes it first.
	Dead
	// Stuck: any other state; the deploy refuses and says what to do.
	Stuck
)

// Classify says what a stack's status means for a deploy, and why in a
// sentence the user can act on.
func Classify(st *cftypes.Stack) (Situation, string) {
	if st == nil {
		return Absent, ""
	}
	name, status := aws.ToString(st.StackName), string(st.StackStatus)
	reason := aws.ToString(st.StackStatusReason)
	switch {
	case status == "REVIEW_IN_PROGRESS":
		return Dead, fmt.Sprintf("stack %s is REVIEW_IN_PROGRESS: a change set created it but was never executed, so it holds no resources", name)
	case status == "ROLLBACK_COMPLETE" || status == "CREATE_FAILED":
		why := ""
		if reason != "" {
			why = " (" + strings.TrimSpace(reason) + ")"
		}
		return Dead, fmt.Sprintf("stack %s is %s: its creation failed%s and CloudFormation can only delete it", name, status, why)
	case status == "DELETE_IN_PROGRESS":
		return Stuck, fmt.Sprintf("stack %s is being deleted; `hpctl watch %s` follows the deletion, then deploy again", name, name)
	case strings.HasSuffix(status, "_IN_PROGRESS"):
		return InProgress, fmt.Sprintf("stack %s is %s", name, status)
	case status == "UPDATE_ROLLBACK_FAILED":
		return Stuck, fmt.Sprintf("stack %s is UPDATE_ROLLBACK_FAILED: continue the rollback (aws cloudformation continue-update-rollback --stack-name %s), then deploy again", name, name)
	case status == "ROLLBACK_FAILED" || status == "DELETE_FAILED":
		return Stuck, fmt.Sprintf("stack %s is %s: it needs deleting first (hpctl destroy), with what could not be deleted retained", name, status)
	case strings.HasSuffix(status, "_COMPLETE"):
		return Deployed, fmt.Sprintf("stack %s is %s", name, status)
	}
	return Stuck, fmt.Sprintf("stack %s is %s, a state hpctl does not deploy over", name, status)
}

// Owner says whom a stack belongs to by hpctl's ownership tags: "" when the
// tags name this cluster (and orchestrator, when tagged), else a sentence
// saying whose it is.
func Owner(st *cftypes.Stack, cluster, orchestrator string) string {
	tags := map[string]string{}
	for _, t := range st.Tags {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	name := aws.ToString(st.StackName)
	switch owner, ok := tags[plan.TagCluster]; {
	case !ok:
		return fmt.Sprintf("stack %s was not made by hpctl (it has no %s tag)", name, plan.TagCluster)
	case owner != cluster:
		return fmt.Sprintf("stack %s belongs to hpctl cluster %q, not %q", name, owner, cluster)
	case tags[plan.TagOrchestrator] != "" && tags[plan.TagOrchestrator] != orchestrator:
		return fmt.Sprintf("stack %s is a %s deployment, not %s", name, tags[plan.TagOrchestrator], orchestrator)
	}
	return ""
}
