package deploy

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/hpctl/hpctl/internal/catalog"
	"github.com/hpctl/hpctl/internal/cloud"
	"github.com/hpctl/hpctl/internal/plan"
	"github.com/hpctl/hpctl/internal/template"
	"github.com/hpctl/hpctl/internal/watch"
	"github.com/hpctl/hpctl/templates"
)

// Companion is a standalone template hpctl deploys as its own top-level
// stack beside the main stack (the Slurm SSM document stack), because the
// main stack does not nest it.
type Companion struct {
	Name        string `json:"name"`
	StackName   string `json:"stackName"`
	TemplateURL string `json:"templateUrl,omitempty"`
	// Own says the template is hpctl's own, sent as the body: the hosted one
	// cannot be deployed as published, and a custom bucket may hold none.
	Own bool `json:"ownTemplate,omitempty"`
	// Stack is the existing stack (nil when absent).
	Stack *cftypes.Stack `json:"-"`
	body  string
	// summary is what CloudFormation read in the template.
	summary *templateSummary
	// madeByTree says a custom resource of the deployment made it.
	madeByTree bool
}

// companionTemplates finds the template of each companion the plan
// creates and has CloudFormation validate it. A custom bucket's copy is
// used when the bucket has one (and refused, in CloudFormation's words,
// when it is broken); otherwise hpctl sends its own.
func (d *Deployer) companionTemplates(ctx context.Context, p *plan.Plan) ([]Companion, error) {
	var out []Companion
	for _, s := range p.Created() {
		if s.Kind != catalog.Companion {
			continue
		}
		c := Companion{Name: s.Name, StackName: s.TopLevelName, TemplateURL: s.TemplateURL, Own: s.OwnTemplate}
		if !c.Own {
			held, err := d.objectExists(ctx, c.TemplateURL)
			if err != nil {
				return nil, err
			}
			c.Own = !held
		}
		where := c.TemplateURL
		if c.Own {
			body, err := ownTemplate(p.Orchestrator, s.Name)
			if err != nil {
				return nil, err
			}
			c.body, c.TemplateURL, where = body, "", "(hpctl's own)"
		}
		summary, err := d.validate(ctx, c.TemplateURL, c.body)
		if err != nil {
			return nil, invalid(s.Name, where, err, companionHint(p, s.Name, c))
		}
		c.summary = summary
		out = append(out, c)
	}
	return out, nil
}

// ownTemplate is hpctl's own template of a companion stack.
func ownTemplate(orchestrator, name string) (string, error) {
	cat, err := catalog.For(orchestrator)
	if err != nil {
		return "", err
	}
	s, ok := cat.Stack(name)
	if !ok {
		return "", fmt.Errorf("no companion stack %s in the %s catalog", name, orchestrator)
	}
	body, err := templates.Read(orchestrator, s.Template)
	return string(body), err
}

// companionHint says what to do about a companion template CloudFormation
// refused.
func companionHint(p *plan.Plan, name string, c Companion) string {
	if c.Own {
		return "hpctl's own template of " + name + " was refused: report it as an hpctl bug"
	}
	return fmt.Sprintf("the bucket's copy (%s) is broken; the hosted %s has the same flaw as published, which is why hpctl ships its own: "+
		"remove that object from s3://%s and hpctl deploys its own in its place", c.TemplateURL, path.Base(c.TemplateURL), p.Template.Bucket)
}

// objectExists reports whether the custom bucket holds the object at url.
func (d *Deployer) objectExists(ctx context.Context, url string) (bool, error) {
	bucket, key, ok := template.SplitURL(url)
	if !ok {
		return false, fmt.Errorf("not a bucket URL: %s", url)
	}
	_, err := d.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	switch {
	case err == nil:
		return true, nil
	case cloud.BucketMissing(err) || cloud.Code(err) == "NoSuchKey":
		return false, nil
	}
	return false, fmt.Errorf("read s3://%s/%s (HeadObject): %w", bucket, key, err)
}

// companions decides about each companion stack as about the main stack:
// absent or deployed goes ahead, dead is replaced when asked (later, with
// the main stack's), anything else is refused. It changes nothing.
func (d *Deployer) companions(ctx context.Context, req Request, prep *Prepared) error {
	for i := range prep.Companions {
		c := &prep.Companions[i]
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
		case Deployed:
			if owner := Owner(st, req.Plan.Cluster, req.Plan.Orchestrator); owner != "" && !req.Adopt {
				return &Refusal{Reason: "companion " + why, Problems: []string{owner}, Hint: "--adopt updates it anyway"}
			}
		}
		c.Stack = st
	}
	return nil
}

// replaceCompanions deletes the dead companion stacks --replace-failed
// asked to replace.
func (d *Deployer) replaceCompanions(ctx context.Context, prep *Prepared, emit func(watch.Update)) error {
	for i := range prep.Companions {
		c := &prep.Companions[i]
		if situation, _ := Classify(c.Stack); situation == Dead {
			if err := d.replace(ctx, c.Stack, emit); err != nil {
				return err
			}
			c.Stack = nil
		}
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
		in := d.input(prep.Plan, c.StackName, c.TemplateURL, kind, companionParams(prep.Plan, c), c.summary.capabilities,
			"hpctl companion "+c.Name+" of "+prep.Plan.Cluster)
		if c.body != "" {
			in.TemplateURL, in.TemplateBody = nil, aws.String(c.body)
		}
		d.step(emit, "%s: creating change set for stack %s (%s)", c.Name, c.StackName, strings.ToLower(string(kind)))
		cs, err := d.createChangeSet(ctx, in)
		if kind == cftypes.ChangeSetTypeCreate && cloud.StackExists(err) {
			// Another deploy created the companion between the read and this
			// change set (two CI runs at once): follow its operation.
			if st, derr := d.describe(ctx, c.StackName); derr == nil && st != nil {
				d.step(emit, "%s: stack %s was created meanwhile by another deploy; following it", c.Name, c.StackName)
				opt := watch.Options{Stack: aws.ToString(st.StackId), FromOperationStart: true}
				if _, err := d.finish(d.watcher(opt).Run(ctx, quiet(emit))); err != nil {
					return err
				}
				d.step(emit, "%s: stack %s is deployed", c.Name, c.StackName)
				continue
			}
		}
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
		opt := watch.Options{Stack: cs.StackID, AfterEventID: after}
		if _, err := d.CFN.ExecuteChangeSet(ctx, executeInput(cs, d.token())); err != nil {
			// Another deploy executed its own change set of this stack
			// first: follow that operation rather than fail on this one.
			if !d.startedElsewhere(ctx, cs, err, emit) {
				return fmt.Errorf("execute change set of %s: %w", c.StackName, err)
			}
			opt = watch.Options{Stack: cs.StackID, FromOperationStart: true}
		}
		if _, err := d.finish(d.watcher(opt).Run(ctx, quiet(emit))); err != nil {
			return err
		}
		d.step(emit, "%s: stack %s is deployed", c.Name, c.StackName)
	}
	return nil
}

// companionParams are the main stack's values of the parameters a
// companion template declares (its resource prefix); the rest keep their
// defaults. A template that does not declare one is sent none.
func companionParams(p *plan.Plan, c Companion) []cftypes.Parameter {
	var out []cftypes.Parameter
	for _, x := range p.Sent() {
		if c.summary.declares(x.Name) {
			out = append(out, cftypes.Parameter{ParameterKey: aws.String(x.Name), ParameterValue: aws.String(x.Value)})
		}
	}
	return out
}

// Current is the summary of a stack a deploy did not change.
func Current(st *cftypes.Stack) watch.Summary {
	return watch.Summary{Stack: aws.ToString(st.StackName), StackID: aws.ToString(st.StackId), Status: string(st.StackStatus),
		Succeeded: true, Outputs: cloud.Outputs(st)}
}
