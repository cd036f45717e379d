// Package deploy does what `hpctl deploy` and `hpctl watch` do to AWS:
// fill a custom template bucket, check the live template against the plan,
// decide what an existing stack means, create or update the main stack
// through a change set that includes the nested stacks, and drive the
// watcher until the HyperPod cluster is InService. It prints nothing: it
// reports Steps and the watcher's updates, and returns what a person must
// review (the change set) before it executes.
package deploy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/hpctl/hpctl/internal/cloud"
	"github.com/hpctl/hpctl/internal/plan"
	"github.com/hpctl/hpctl/internal/watch"
)

// Deployer runs deploys in one region with one identity.
type Deployer struct {
	CFN cloud.CloudFormation
	S3  cloud.S3
	SM  cloud.SageMaker
	// Logs reads a failed node's lifecycle log (nil: the cause goes without it).
	Logs   cloud.Logs
	Region string
	// Interval between polls of change sets and stacks (default 2s).
	Interval time.Duration
	// NodesTimeout is how long a deploy waits for an InService cluster's
	// group that stays below its target (watch.Options; default 30 min).
	NodesTimeout time.Duration
	// Now, Sleep and Token stand in for the clock and for randomness in tests.
	Now   func() time.Time
	Sleep func(context.Context, time.Duration) error
	Token func() string
	// versionsPage shortens ListObjectVersions pages (tests).
	versionsPage int32
}

// Step is one thing the deploy did, for the user to read.
type Step struct {
	Time    time.Time `json:"time"`
	Message string    `json:"message"`
}

// Kind names a Step in machine-readable output.
func (Step) Kind() string { return "step" }

// Refusal is a deploy that hpctl will not start, and why; nothing was changed.
type Refusal struct {
	Reason string
	// Problems list the details (parameters, buckets), one per line.
	Problems []string
	Hint     string
}

func (r *Refusal) Error() string {
	msg := r.Reason
	for _, p := range r.Problems {
		msg += "\n  " + p
	}
	if r.Hint != "" {
		msg += "\n" + r.Hint
	}
	return msg
}

// Unchanged is an error met before the deploy changed anything: a read
// that was denied, a template refused by ValidateTemplate.
type Unchanged struct{ Err error }

func (u *Unchanged) Error() string { return u.Err.Error() }
func (u *Unchanged) Unwrap() error { return u.Err }

// unchanged marks err as met before any change (nil stays nil).
func unchanged(err error) error {
	if err == nil {
		return nil
	}
	return &Unchanged{Err: err}
}

// Failed is an operation CloudFormation ran and that did not succeed.
type Failed struct {
	Summary watch.Summary
}

func (f *Failed) Error() string {
	if f.Summary.RootCause != nil {
		return fmt.Sprintf("stack %s is %s: %s", f.Summary.Stack, f.Summary.Status, f.Summary.RootCause)
	}
	return fmt.Sprintf("stack %s is %s", f.Summary.Stack, f.Summary.Status)
}

// Request is one deploy.
type Request struct {
	Plan *plan.Plan
	// Files fill the custom template bucket first (templates.dir, or the
	// stand-ins); nil uploads nothing.
	Files []File
	// Scripts are the user's own lifecycle scripts (plan.Scripts' folders,
	// read by ScriptFiles), uploaded to the lifecycle bucket before the stacks run.
	Scripts []File
	// ReplaceFailed deletes a dead stack of hpctl's before creating it again.
	ReplaceFailed bool
	// Adopt lets hpctl update a stack it did not make.
	Adopt bool
	// Description goes on the change set.
	Description string
	// NoWait ends the deploy with Busy, instead of following it, when
	// another operation (or another deploy's change set) holds the stack.
	NoWait bool
}

// Busy is a deploy that found the stack held by another operation and,
// told not to wait, followed nothing; that operation goes on.
type Busy struct{ What string }

func (b *Busy) Error() string {
	return fmt.Sprintf("%s; --no-wait: not following it", b.What)
}

// Prepared is a deploy worked out and not yet executed.
type Prepared struct {
	Plan      *plan.Plan
	Situation Situation
	// Stack is the existing stack (nil when absent).
	Stack *cftypes.Stack
	// ChangeSet is what will change (nil when attaching to an operation in progress).
	ChangeSet *ChangeSet
	Synced    *Synced
	// Companions are the top-level stacks deployed beside the main stack.
	Companions []Companion
	// Scripts is what Execute writes to the lifecycle bucket (nil: the
	// plan has no scripts of the user's).
	Scripts *ScriptSync
}

func (d *Deployer) interval() time.Duration {
	if d.Interval > 0 {
		return d.Interval
	}
	return 2 * time.Second
}

func (d *Deployer) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// Wait sleeps for t on the deployer's clock, or until ctx ends.
func (d *Deployer) Wait(ctx context.Context, t time.Duration) error { return d.sleep(ctx, t) }

func (d *Deployer) sleep(ctx context.Context, t time.Duration) error {
	if d.Sleep != nil {
		return d.Sleep(ctx, t)
	}
	timer := time.NewTimer(t)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// token makes an idempotency token: a retried call that carries it never
// makes a second stack or runs a change set twice.
func (d *Deployer) token() string {
	if d.Token != nil {
		return d.Token()
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "hpctl-" + hex.EncodeToString(b)
}

func (d *Deployer) step(emit func(watch.Update), format string, args ...any) {
	emit(Step{Time: d.now(), Message: fmt.Sprintf(format, args...)})
}

// describe returns the stack of that name, or nil when there is none.
func (d *Deployer) describe(ctx context.Context, name string) (*cftypes.Stack, error) {
	out, err := d.CFN.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
	switch {
	case cloud.StackMissing(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("describe stack %s: %w", name, err)
	case len(out.Stacks) == 0:
		return nil, nil
	}
	return &out.Stacks[0], nil
}

// Exists reports whether a stack of that name exists.
func (d *Deployer) Exists(ctx context.Context, name string) (bool, error) {
	st, err := d.describe(ctx, name)
	return st != nil, err
}

// Prepare does everything before execution: it fills the template bucket,
// classifies the existing stack (deleting a dead one when asked), checks
// the live template, and creates the change set.
func (d *Deployer) Prepare(ctx context.Context, req Request, emit func(watch.Update)) (*Prepared, error) {
	p := req.Plan
	prep := &Prepared{Plan: p}
	if len(req.Files) > 0 && p.Template.Source == "custom" {
		d.step(emit, "uploading templates to s3://%s", p.Template.Bucket)
		s, err := d.Upload(ctx, p.Template.Bucket, req.Files)
		if err != nil {
			return nil, err
		}
		prep.Synced = &s
		d.step(emit, "templates: %d uploaded, %d unchanged%s", len(s.Copied), s.Unchanged, map[bool]string{true: " (bucket created)"}[s.CreatedBucket])
	}
	// Until a dead stack is deleted or a change set made, nothing has
	// changed but the templates in the user's own bucket: a fatal error
	// met so far ends the deploy as a refusal would.
	before := unchanged
	if prep.Synced != nil && len(prep.Synced.Copied) > 0 {
		before = func(err error) error { return err }
	}
	summary, err := d.check(ctx, req, prep, emit)
	if err != nil || prep.Situation == InProgress {
		return prep.orNil(before(err))
	}
	if prep.Scripts, err = d.pendingScripts(ctx, p, req.Scripts); err != nil {
		return nil, before(err)
	}
	st, situation := prep.Stack, prep.Situation
	if situation == Dead {
		if err := d.replace(ctx, st, emit); err != nil {
			return nil, err
		}
		prep.Situation, prep.Stack = Absent, nil
		before = func(err error) error { return err }
	}
	if err := d.replaceCompanions(ctx, prep, emit); err != nil {
		return nil, err
	}
	cs, err := d.changeSet(ctx, req, prep, summary, emit)
	if situation == Absent && cloud.StackExists(err) {
		// Another deploy created the stack between the read and the change
		// set: read it again, to wait for that deploy and follow it.
		d.step(emit, "stack %s was created meanwhile by another deploy", p.StackName)
		if summary, err = d.check(ctx, req, prep, emit); err != nil || prep.Situation == InProgress {
			return prep.orNil(before(err))
		}
		cs, err = d.changeSet(ctx, req, prep, summary, emit)
	}
	return d.prepared(ctx, prep, cs, err, before)
}

// prepared ends Prepare with the change set made (or not). A stack with
// nothing to change is up to date only if the cluster it made is there: a
// destroy interrupted while the cluster was being deleted leaves a complete
// stack whose cluster is gone, and no update can bring it back.
func (d *Deployer) prepared(ctx context.Context, prep *Prepared, cs *ChangeSet, err error, before func(error) error) (*Prepared, error) {
	prep.ChangeSet = cs
	if err != nil {
		if cs != nil {
			d.discard(cs)
		}
		return nil, before(err)
	}
	if !cs.Empty {
		return prep, nil
	}
	d.discard(cs)
	if prep.Stack == nil {
		return prep, nil
	}
	if name := clusterOf(prep.Stack); name != "" {
		c, err := describeCluster(ctx, d.SM, name, d.now)
		if err != nil {
			return nil, before(err)
		}
		if c == nil {
			stack := aws.ToString(prep.Stack.StackName)
			return nil, &Refusal{Reason: fmt.Sprintf("stack %s has nothing to change, but its HyperPod cluster %s does not exist (deleted outside the stack, or by a destroy that was interrupted)", stack, name),
				Hint: fmt.Sprintf("finish the destroy (hpctl destroy %s), then deploy again", stack)}
		}
	}
	return prep, nil
}

// check reads what the deploy depends on, changing nothing: the existing
// stack and what it means, the templates hpctl will create (validated),
// the companions, the bucket names. Every refusal comes from here, before
// the first change.
func (d *Deployer) check(ctx context.Context, req Request, prep *Prepared, emit func(watch.Update)) (*templateSummary, error) {
	p := req.Plan
	st, err := d.describe(ctx, p.StackName)
	if err != nil {
		return nil, err
	}
	if young(st, d.now()) && req.NoWait {
		return nil, &Busy{What: fmt.Sprintf("stack %s is REVIEW_IN_PROGRESS: another deploy is creating its change set", p.StackName)}
	}
	if st, err = d.awaitChangeSet(ctx, st, emit); err != nil {
		return nil, err
	}
	situation, why := Classify(st)
	prep.Situation, prep.Stack = situation, st
	switch situation {
	case InProgress:
		if req.NoWait {
			return nil, &Busy{What: why}
		}
		d.step(emit, "%s: attaching to it", why)
		return nil, nil
	case Stuck:
		return nil, &Refusal{Reason: why}
	case Dead:
		if cause := d.lastCause(ctx, st); cause != "" {
			why += "\nIt failed on " + cause
		}
		if owner := Owner(st, p.Cluster, p.Orchestrator); owner != "" {
			return nil, &Refusal{Reason: why, Problems: []string{owner}, Hint: "hpctl replaces only its own stacks; delete it yourself or choose another metadata.stackName"}
		}
		if !req.ReplaceFailed {
			return nil, &Refusal{Reason: why, Hint: "--replace-failed deletes it and deploys again"}
		}
	case Deployed:
		if owner := Owner(st, p.Cluster, p.Orchestrator); owner != "" && !req.Adopt {
			return nil, &Refusal{Reason: why, Problems: []string{owner}, Hint: "--adopt updates it anyway, adding hpctl's ownership tags"}
		}
	}
	summary, err := d.preflight(ctx, p)
	if err != nil {
		return nil, err
	}
	if prep.Companions, err = d.companionTemplates(ctx, p); err != nil {
		return nil, err
	}
	if err := d.companions(ctx, req, prep); err != nil {
		return nil, err
	}
	if situation != Deployed {
		if err := d.bucketsFree(ctx, p); err != nil {
			return nil, err
		}
	}
	return summary, nil
}

// reviewGrace is how young a REVIEW_IN_PROGRESS stack must be to be taken
// for another deploy creating its change set rather than one abandoned:
// hpctl executes a create's change set as soon as CloudFormation has made
// it, which takes seconds to a couple of minutes for the nested stacks.
const reviewGrace = 5 * time.Minute

// awaitChangeSet waits while a young REVIEW_IN_PROGRESS stack (another
// deploy's change set being made) has not started: it returns the stack
// as it is once that deploy executes, or once the grace has passed (then
// it is dead, and --replace-failed may take it).
func (d *Deployer) awaitChangeSet(ctx context.Context, st *cftypes.Stack, emit func(watch.Update)) (*cftypes.Stack, error) {
	said := false
	for young(st, d.now()) {
		age := d.now().Sub(aws.ToTime(st.CreationTime))
		if !said {
			d.step(emit, "stack %s is REVIEW_IN_PROGRESS, made %s ago: another deploy is creating its change set; waiting for it to start (up to %s)",
				aws.ToString(st.StackName), age.Round(time.Second), reviewGrace-age.Round(time.Second))
			said = true
		}
		if err := d.sleep(ctx, d.interval()); err != nil {
			return nil, err
		}
		id := aws.ToString(st.StackId)
		next, err := d.describe(ctx, id)
		if err != nil {
			return nil, err
		}
		if next == nil || next.StackStatus == cftypes.StackStatusDeleteComplete {
			return nil, nil // that deploy gave up and cleared it: this one creates
		}
		st = next
	}
	return st, nil
}

// young reports a REVIEW_IN_PROGRESS stack made within reviewGrace.
func young(st *cftypes.Stack, now time.Time) bool {
	return st != nil && st.StackStatus == cftypes.StackStatusReviewInProgress && st.CreationTime != nil &&
		now.Sub(aws.ToTime(st.CreationTime)) < reviewGrace
}

// orNil is the prepared deploy, or nil with err.
func (prep *Prepared) orNil(err error) (*Prepared, error) {
	if err != nil {
		return nil, err
	}
	return prep, nil
}

// lastCause is the root cause of a stack's last operation ("" when it
// cannot be told): what a dead stack died of.
func (d *Deployer) lastCause(ctx context.Context, st *cftypes.Stack) string {
	sum, err := d.watcher(watch.Options{Stack: aws.ToString(st.StackId), FromOperationStart: true}).Run(ctx, func(watch.Update) {})
	if err != nil || sum.RootCause == nil {
		return ""
	}
	return sum.RootCause.String()
}

// replace deletes a dead stack and waits until it is gone. It reads the
// stack again just before: what was dead when the deploy looked may have
// become another deploy's since (its change set executed), and that one
// is not this deploy's to delete.
func (d *Deployer) replace(ctx context.Context, st *cftypes.Stack, emit func(watch.Update)) error {
	id := aws.ToString(st.StackId)
	now, err := d.describe(ctx, id)
	if err != nil {
		return unchanged(err)
	}
	if now == nil || now.StackStatus == cftypes.StackStatusDeleteComplete {
		return nil
	}
	if now.StackStatus != st.StackStatus || !aws.ToTime(now.LastUpdatedTime).Equal(aws.ToTime(st.LastUpdatedTime)) {
		name := aws.ToString(st.StackName)
		return &Refusal{Reason: fmt.Sprintf("stack %s was %s when this deploy looked and is %s now: another deploy (or a person) is working on it, so --replace-failed deletes nothing",
			name, st.StackStatus, now.StackStatus), Hint: fmt.Sprintf("hpctl watch %s follows what runs; deploy again once it ends", name)}
	}
	d.step(emit, "deleting stack %s (%s), as --replace-failed asks", aws.ToString(st.StackName), st.StackStatus)
	if _, err := d.CFN.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String(id), ClientRequestToken: aws.String(d.token())}); err != nil {
		return fmt.Errorf("delete stack %s: %w", aws.ToString(st.StackName), err)
	}
	sum, err := d.watcher(watch.Options{Stack: id, FromOperationStart: true, Deleting: true}).Run(ctx, quiet(emit))
	if err != nil {
		return err
	}
	if !sum.Succeeded {
		return &Failed{Summary: sum}
	}
	return nil
}

func (d *Deployer) watcher(opt watch.Options) *watch.Watcher {
	opt.Interval, opt.Now, opt.Sleep, opt.Logs = d.interval(), d.Now, d.Sleep, d.Logs
	return watch.New(d.CFN, d.SM, opt)
}

// changeSet creates the change set of the deploy.
func (d *Deployer) changeSet(ctx context.Context, req Request, prep *Prepared, s *templateSummary, emit func(watch.Update)) (*ChangeSet, error) {
	p := req.Plan
	kind := cftypes.ChangeSetTypeCreate
	if prep.Situation == Deployed {
		kind = cftypes.ChangeSetTypeUpdate
	}
	sent := map[string]string{}
	var params []cftypes.Parameter
	for _, x := range p.Sent() {
		sent[x.Name] = x.Value
		params = append(params, cftypes.Parameter{ParameterKey: aws.String(x.Name), ParameterValue: aws.String(x.Value)})
	}
	in := d.input(p, p.StackName, p.Template.URL, kind, params, s.capabilities, req.Description)
	d.step(emit, "creating change set %s (%s)", aws.ToString(in.ChangeSetName), strings.ToLower(string(kind)))
	cs, err := d.createChangeSet(ctx, in)
	if cs != nil && prep.Stack != nil {
		cs.Params = paramChanges(prep.Stack, sent, s.params)
		cs.Groups = GroupChanges(cs.Params)
		cs.Replaces = cs.replacements()
	}
	return cs, err
}

// input is a change set of one of the plan's stacks, with its tags and
// capabilities, its nested stacks included, and an idempotency token.
func (d *Deployer) input(p *plan.Plan, stack, url string, kind cftypes.ChangeSetType, params []cftypes.Parameter, caps []string, desc string) *cloudformation.CreateChangeSetInput {
	in := &cloudformation.CreateChangeSetInput{
		StackName: aws.String(stack),
		// Stamped to the second and made unique: two deploys started in the
		// same second (two CI runs) must not collide on the name.
		ChangeSetName:       aws.String("hpctl-" + d.now().UTC().Format("20060102-150405") + "-" + suffix(d.token())),
		ChangeSetType:       kind,
		TemplateURL:         aws.String(url),
		Parameters:          params,
		IncludeNestedStacks: aws.Bool(true),
		ClientToken:         aws.String(d.token()),
	}
	if desc != "" { // CloudFormation refuses an empty one
		in.Description = aws.String(desc)
	}
	seen := map[string]bool{}
	for _, c := range append(slices.Clone(p.Capabilities), caps...) {
		if !seen[c] {
			seen[c] = true
			in.Capabilities = append(in.Capabilities, cftypes.Capability(c))
		}
	}
	for _, t := range p.Tags {
		in.Tags = append(in.Tags, cftypes.Tag{Key: aws.String(t.Key), Value: aws.String(t.Value)})
	}
	return in
}

// suffix is the last four characters of a token.
func suffix(token string) string { return token[max(0, len(token)-4):] }

// discard deletes a change set that will not run, and the empty stack a
// CREATE change set made. It runs on its own short context: the deploy's
// may be the one that was interrupted.
func (d *Deployer) discard(cs *ChangeSet) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, _ = d.CFN.DeleteChangeSet(ctx, &cloudformation.DeleteChangeSetInput{ChangeSetName: aws.String(cs.ID)})
	if cs.Type == string(cftypes.ChangeSetTypeCreate) && cs.StackID != "" {
		// The REVIEW_IN_PROGRESS stack goes only while it holds no other
		// deploy's change set, read just before: a second CREATE change set
		// joins the same stack, and deleting it would cancel that deploy's
		// create once it runs.
		if st, err := d.describe(ctx, cs.StackID); err == nil && st != nil && st.StackStatus == cftypes.StackStatusReviewInProgress && d.onlyChangeSet(ctx, cs) {
			_, _ = d.CFN.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: aws.String(cs.StackID)})
		}
	}
}

// onlyChangeSet reports that the stack holds no change set but cs (after cs
// was deleted: none at all); a failed read answers no, keeping the stack.
func (d *Deployer) onlyChangeSet(ctx context.Context, cs *ChangeSet) bool {
	out, err := d.CFN.ListChangeSets(ctx, &cloudformation.ListChangeSetsInput{StackName: aws.String(cs.StackID)})
	if err != nil {
		return false
	}
	for _, other := range out.Summaries {
		if aws.ToString(other.ChangeSetId) != cs.ID {
			return false
		}
	}
	return true
}

// Discard drops a prepared deploy that will not be executed.
func (d *Deployer) Discard(prep *Prepared) {
	if prep != nil && prep.ChangeSet != nil && !prep.ChangeSet.Empty {
		d.discard(prep.ChangeSet)
	}
}

// UpToDate reports a prepared deploy with nothing to execute.
func (prep *Prepared) UpToDate() bool {
	if prep.ChangeSet == nil || !prep.ChangeSet.Empty || prep.Scripts.Pending() {
		return false
	}
	for _, c := range prep.Companions {
		if c.Stack == nil {
			return false
		}
	}
	return true
}

// Execute runs a prepared deploy and watches it until the stacks finish
// and the cluster is InService. It returns ctx's error (with the summary
// so far) when ctx ends first; CloudFormation goes on.
func (d *Deployer) Execute(ctx context.Context, prep *Prepared, emit func(watch.Update)) (watch.Summary, error) {
	p := prep.Plan
	cluster := ""
	if p.Creates("HyperPodClusterStack") {
		cluster = p.Cluster
	}
	// The cluster is done when its groups have the spec's counts.
	clusterOpts := func(o watch.Options) watch.Options {
		o.Cluster, o.NodesTimeout = cluster, d.NodesTimeout
		if cluster != "" {
			o.Groups = map[string]int{}
			for _, g := range p.InstanceGroups {
				o.Groups[g.Name] = g.Count
			}
		}
		return o
	}
	if prep.Situation == InProgress {
		status := string(prep.Stack.StackStatus)
		if !strings.HasPrefix(status, "CREATE") && !strings.HasPrefix(status, "UPDATE") {
			cluster = ""
		}
		return d.finish(d.watcher(clusterOpts(watch.Options{Stack: aws.ToString(prep.Stack.StackId), FromOperationStart: true})).Run(ctx, emit))
	}
	// The scripts go first: the cluster runs them as its nodes come up.
	if prep.Scripts != nil {
		if err := d.applyScripts(ctx, prep.Scripts, p.Scripts.Manifest, emit); err != nil {
			d.Discard(prep)
			return watch.Summary{}, err
		}
	}
	if err := d.deployCompanions(ctx, prep, emit); err != nil {
		// The main change set will not run: left behind, a CREATE one
		// would leave a REVIEW_IN_PROGRESS stack the next deploy must clear.
		d.Discard(prep)
		return watch.Summary{}, err
	}
	cs := prep.ChangeSet
	if cs == nil || cs.Empty { // only companions had something to do
		sum := Current(prep.Stack)
		emit(sum)
		return sum, nil
	}
	after, err := d.newestEvent(ctx, cs.StackID)
	if err != nil {
		return watch.Summary{}, err
	}
	if _, err := d.CFN.ExecuteChangeSet(ctx, executeInput(cs, d.token())); err != nil {
		// Another deploy may have started its own operation on the stack
		// since this change set was made: then this one is obsolete, and
		// what runs is followed instead.
		if d.startedElsewhere(ctx, cs, err, emit) {
			return d.finish(d.watcher(clusterOpts(watch.Options{Stack: cs.StackID, FromOperationStart: true})).Run(ctx, emit))
		}
		return watch.Summary{}, fmt.Errorf("execute change set: %w", err)
	}
	d.step(emit, "executing change set %s", cs.Name)
	return d.finish(d.watcher(clusterOpts(watch.Options{Stack: cs.StackID, AfterEventID: after, Resources: len(cs.Changes)})).Run(ctx, emit))
}

// startedElsewhere reports, after a change set failed to execute, that its
// stack runs an operation another deploy started; the change set, obsolete
// now, is dropped.
func (d *Deployer) startedElsewhere(ctx context.Context, cs *ChangeSet, execErr error, emit func(watch.Update)) bool {
	// Only CloudFormation's words for "something else runs, or ran, first"
	// count; any other failure is this deploy's own, and is told as such.
	if msg := cloud.Message(execErr); !strings.Contains(msg, "[OBSOLETE]") && !strings.Contains(msg, "can not be updated") {
		return false
	}
	st, err := d.describe(ctx, cs.StackID)
	if err != nil || st == nil {
		return false
	}
	situation, why := Classify(st)
	if (situation != InProgress && situation != Deployed) || aws.ToString(st.ChangeSetId) == cs.ID {
		return false
	}
	_, _ = d.CFN.DeleteChangeSet(ctx, &cloudformation.DeleteChangeSetInput{ChangeSetName: aws.String(cs.ID)})
	d.step(emit, "%s: another deploy started first; following it", why)
	return true
}

// executeInput runs a change set once, however often the call is retried.
func executeInput(cs *ChangeSet, token string) *cloudformation.ExecuteChangeSetInput {
	return &cloudformation.ExecuteChangeSetInput{ChangeSetName: aws.String(cs.ID), ClientRequestToken: aws.String(token)}
}

func (d *Deployer) finish(sum watch.Summary, err error) (watch.Summary, error) {
	if err == nil && !sum.Succeeded {
		err = &Failed{Summary: sum}
	}
	return sum, err
}

// newestEvent is the ID of the stack's newest event: the watch of the
// operation about to start reads only what follows it.
func (d *Deployer) newestEvent(ctx context.Context, stack string) (string, error) {
	out, err := d.CFN.DescribeStackEvents(ctx, &cloudformation.DescribeStackEventsInput{StackName: aws.String(stack)})
	if err != nil {
		return "", fmt.Errorf("read the events of %s: %w", stack, err)
	}
	if len(out.StackEvents) == 0 {
		return "", nil
	}
	return aws.ToString(out.StackEvents[0].EventId), nil
}

// Attach follows whatever runs on a stack (or replays its last operation)
// to its end: `hpctl watch`.
func (d *Deployer) Attach(ctx context.Context, name string, emit func(watch.Update)) (watch.Summary, error) {
	st, err := d.describe(ctx, name)
	if err != nil {
		return watch.Summary{}, err
	}
	if st == nil {
		return watch.Summary{}, &Refusal{Reason: fmt.Sprintf("no stack %s in %s", name, d.Region)}
	}
	status := string(st.StackStatus)
	opt := watch.Options{Stack: aws.ToString(st.StackId), FromOperationStart: true, Deleting: strings.HasPrefix(status, "DELETE")}
	if !opt.Deleting && !strings.HasPrefix(status, "ROLLBACK") {
		opt.Cluster = clusterOf(st)
	}
	return d.finish(d.watcher(opt).Run(ctx, emit))
}

// clusterOf is the HyperPod cluster a main stack makes ("" for none).
func clusterOf(st *cftypes.Stack) string {
	params := cloud.Parameters(st)
	if params["CreateHyperPodClusterStack"] == "false" {
		return ""
	}
	return params["HyperPodClusterName"]
}
