package deploy

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/hpctl/hpctl/internal/catalog"
	"github.com/hpctl/hpctl/internal/cloud"
	"github.com/hpctl/hpctl/internal/watch"
)

// Companion is a standalone template hpctl deploys as its own top-level
// stack beside the main stack (the Slurm SSM document stack), because the
// main stack does not nest it.
type Companion struct {
	Name        string `json:"name"`
	StackName   string `json:"stackName"`
	TemplateURL string `json:"templateUrl"`
	// Stack is the existing stack (nil when absent).
	Stack *cftypes.Stack `json:"-"`
	// madeByTree says a custom resource of the deployment made it.
	madeByTree bool
}

// companions finds the plan's companion stacks and decides about each as
// about the main stack: absent or deployed goes ahead, dead is replaced
// when asked, anything else is refused.
func (d *Deployer) companions(ctx context.Context, req Request, prep *Prepared, emit func(watch.Update)) error {
	for _, s := range req.Plan.Created() {
		if s.Kind != catalog.Companion {
			continue
		}
		c := Companion{Name: s.Name, StackName: s.TopLevelName, TemplateURL: s.TemplateURL}
		st, err := d.describe(ctx, c.StackName)
		if err != nil {
			return err
		}
		situation, why := Classify(st)
		switch situation {
		case InProgress, Stuck:
			return &Refusal{Reason: "companion " + why, Hint: "wait for it (hpctl watch " + c.StackName + "), then deploy again"}
		case Dead:
			if owner := Owner(st, req.Plan.Cluster, req.Plan.Orchestrator); owner != "" || !req.ReplaceFailed {
				return &Refusal{Reason: "companion " + why, Problems: nonEmpty(owner), Hint: "--replace-failed deletes a stack of hpctl's and deploys it again"}
			}
			if err := d.replace(ctx, st, emit); err != nil {
				return err
			}
			st = nil
		case Deployed:
			if owner := Owner(st, req.Plan.Cluster, req.Plan.Orchestrator); owner != "" && !req.Adopt {
				return &Refusal{Reason: "companion " + why, Problems: []string{owner}, Hint: "--adopt updates it anyway"}
			}
		}
		c.Stack = st
		prep.Companions = append(prep.Companions, c)
	}
	return nil
}

// quiet passes on every update but the summary of a success: the main
// stack's summary ends the deploy.
func quiet(emit func(watch.Update)) func(watch.Update) {
	return func(u watch.Update) {
		if s, ok := u.(watch.Summary); !ok || !s.Succeeded {
			emit(u)
		}
	}
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// deployCompanions creates or updates each companion stack and watches it;
// its summary is shown only when it fails, since the main stack's ends
// the deploy.
func (d *Deployer) deployCompanions(ctx context.Context, prep *Prepared, emit func(watch.Update)) error {
	for _, c := range prep.Companions {
		kind := cftypes.ChangeSetTypeCreate
		if c.Stack != nil {
			kind = cftypes.ChangeSetTypeUpdate
		}
		summary, err := d.GetTemplateSummary(ctx, c.TemplateURL)
		if err != nil {
			return &Refusal{Reason: fmt.Sprintf("cannot read the %s template %s: %v", c.Name, c.TemplateURL, err), Hint: templateHint(prep.Plan)}
		}
		in := d.input(prep.Plan, c.StackName, c.TemplateURL, kind, nil, summary.capabilities, "hpctl companion "+c.Name+" of "+prep.Plan.Cluster)
		d.step(emit, "%s: creating change set for stack %s (%s)", c.Name, c.StackName, strings.ToLower(string(kind)))
		cs, err := d.createChangeSet(ctx, in)
		if err != nil {
			if cs != nil {
				d.discard(cs)
			}
			return err
		}
		if cs.Empty {
			d.discard(cs)
			d.step(emit, "%s: stack %s is up to date", c.Name, c.StackName)
			continue
		}
		after, err := d.newestEvent(ctx, cs.StackID)
		if err != nil {
			return err
		}
		if _, err := d.CFN.ExecuteChangeSet(ctx, executeInput(cs, d.token())); err != nil {
			return fmt.Errorf("execute change set of %s: %w", c.StackName, err)
		}
		if _, err := d.finish(d.watcher(watch.Options{Stack: cs.StackID, AfterEventID: after}).Run(ctx, quiet(emit))); err != nil {
			return err
		}
		d.step(emit, "%s: stack %s is deployed", c.Name, c.StackName)
	}
	return nil
}

// Current is the summary of a stack a deploy did not change.
func Current(st *cftypes.Stack) watch.Summary {
	return watch.Summary{Stack: aws.ToString(st.StackName), StackID: aws.ToString(st.StackId), Status: string(st.StackStatus),
		Succeeded: true, Outputs: cloud.Outputs(st)}
}
