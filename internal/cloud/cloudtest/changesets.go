package cloudtest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	smtypes "github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
	"github.com/aws/smithy-go"

	"github.com/hpctl/hpctl/internal/template"
)

// The CloudFormation operations that change stacks, answered as
// CloudFormation answers them (API reference: CreateChangeSet,
// ExecuteChangeSet, DeleteStack), with the messages hpctl reads.

// changeSet is a change set the fake worked out.
type changeSet struct {
	id, name, stackID, kind, description string
	run                                  played
	tags                                 []cftypes.Tag
	changes                              []*change
	// ready is when CloudFormation has finished working it out.
	ready     time.Duration
	failed    string
	executed  bool
	nestedIDs []string
}

// change is one resource change; a nested stack's changes are under it.
type change struct {
	action, id, typ, physical, replacement string
	properties                             []string
	// causes are the attributes of changed resources a dynamic change reads.
	causes   []string
	nested   []*change
	nestedID string
	childRun played
}

func validation(format string, args ...any) error {
	return &smithy.GenericAPIError{Code: "ValidationError", Message: fmt.Sprintf(format, args...), Fault: smithy.FaultClient}
}

// fetch reads a template from the fake S3 by its URL.
func (f *Fake) fetch(url string) (played, error) {
	bucket, key, ok := template.SplitURL(url)
	if !ok {
		return played{}, validation("TemplateURL must be a supported URL.")
	}
	b, found := f.buckets[bucket]
	if !found || b.Foreign || b.current(key) == nil {
		return played{}, validation("S3 error: Access Denied: unable to read %s", url)
	}
	return parsed(string(b.current(key).body))
}

func parsed(body string) (played, error) {
	tpl, err := template.Parse([]byte(body))
	if err != nil {
		return played{}, validation("Template format error: %v", err)
	}
	return played{body: body, tpl: tpl}, nil
}

func (f *Fake) templateOf(body, url *string) (played, error) {
	if body != nil {
		return parsed(*body)
	}
	return f.fetch(aws.ToString(url))
}

// ValidateTemplate answers the parameters a template declares and the
// capabilities its IAM resources need.
func (f *Fake) ValidateTemplate(_ context.Context, in *cloudformation.ValidateTemplateInput, _ ...func(*cloudformation.Options)) (*cloudformation.ValidateTemplateOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("ValidateTemplate"); err != nil {
		return nil, err
	}
	run, err := f.templateOf(in.TemplateBody, in.TemplateURL)
	if err != nil {
		return nil, err
	}
	out := &cloudformation.ValidateTemplateOutput{Description: aws.String(run.tpl.Description)}
	for _, p := range run.tpl.Parameters {
		out.Parameters = append(out.Parameters, cftypes.TemplateParameter{ParameterKey: aws.String(p.Name), DefaultValue: p.Default,
			NoEcho: aws.Bool(false)})
	}
	if slices.ContainsFunc(run.tpl.Resources, func(r template.Resource) bool { return strings.HasPrefix(r.Type, "AWS::IAM::") }) {
		out.Capabilities = []cftypes.Capability{cftypes.CapabilityCapabilityNamedIam}
	}
	return out, nil
}

// CreateChangeSet makes a change set, and for a CREATE the
// REVIEW_IN_PROGRESS stack that holds it.
func (f *Fake) CreateChangeSet(_ context.Context, in *cloudformation.CreateChangeSetInput, _ ...func(*cloudformation.Options)) (*cloudformation.CreateChangeSetOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("CreateChangeSet"); err != nil {
		return nil, err
	}
	name, csName := aws.ToString(in.StackName), aws.ToString(in.ChangeSetName)
	run, err := f.templateOf(in.TemplateBody, in.TemplateURL)
	if err != nil {
		return nil, err
	}
	if run.params, err = params(run.tpl, in.Parameters); err != nil {
		return nil, err
	}
	s, _ := f.lookup(name)
	switch {
	case in.ChangeSetType == cftypes.ChangeSetTypeCreate && s != nil && s.status() != "REVIEW_IN_PROGRESS":
		return nil, validation("Stack [%s] already exists and cannot be created again with the changeSet [%s].", name, csName)
	case in.ChangeSetType != cftypes.ChangeSetTypeCreate && (s == nil || s.status() == "REVIEW_IN_PROGRESS"):
		return nil, validation("Stack [%s] does not exist", name)
	case s == nil:
		s = f.newStack(name)
		s.tags = in.Tags
		s.eventLocked(f.now.Sub(f.start), name, s.ID, stackType, "REVIEW_IN_PROGRESS", "User Initiated")
	}
	cs := &changeSet{id: fmt.Sprintf("arn:aws:cloudformation:us-west-2:%s:changeSet/%s/%08d", account, csName, f.next()),
		name: csName, stackID: s.ID, kind: string(in.ChangeSetType), run: run, tags: in.Tags, description: aws.ToString(in.Description),
		ready: f.now.Sub(f.start) + f.Step}
	if cs.changes, err = f.diff(s, run, aws.ToBool(in.IncludeNestedStacks)); err != nil {
		cs.failed = err.Error()
	} else if len(cs.changes) == 0 && maps.Equal(run.params, s.run.params) && run.body == s.run.body {
		cs.failed = "The submitted information didn't contain changes. Submit different information to create a change set."
	}
	f.changeSets[cs.id] = cs
	f.nestedChangeSets(cs, cs.changes)
	return &cloudformation.CreateChangeSetOutput{Id: aws.String(cs.id), StackId: aws.String(s.ID)}, nil
}

// params are the values a stack runs with: those given, the previous
// ones kept, checked against what the template declares.
func params(tpl *template.Template, given []cftypes.Parameter) (map[string]string, error) {
	out := map[string]string{}
	for _, p := range given {
		key := aws.ToString(p.ParameterKey)
		if _, ok := tpl.Parameter(key); !ok {
			return nil, validation("Parameters: [%s] do not exist in the template", key)
		}
		out[key] = aws.ToString(p.ParameterValue)
	}
	var missing []string
	for _, p := range tpl.Parameters {
		if _, ok := out[p.Name]; !ok && p.Default == nil {
			missing = append(missing, p.Name)
		}
	}
	if len(missing) > 0 {
		return nil, validation("Parameters: [%s] must have values", strings.Join(missing, ", "))
	}
	return out, nil
}

// diff works out what running next on the stack changes.
func (f *Fake) diff(s *Stack, next played, nested bool) ([]*change, error) {
	ev, order, err := f.plan(next)
	if err != nil {
		return nil, err
	}
	var out []*change
	for _, id := range order {
		ch, err := f.diffOne(s, ev, next, id, nested)
		if err != nil {
			return nil, err
		}
		if ch != nil {
			out = append(out, ch)
		}
	}
	return append(append(out, dynamic(s, ev, order, out)...), removed(s, order)...), nil
}

// dynamic are the changes CloudFormation previews as dynamic: a resource
// whose properties read an attribute (a nested stack's output) of one the
// update modifies changes as that attribute comes out (Evaluation Dynamic,
// ChangeSource ResourceAttribute; API reference, ResourceChangeDetail).
// The hosted cluster stack is one: its TemplateURL is an output of the
// stack whose Lambda re-renders the cluster template.
func dynamic(s *Stack, ev *template.Evaluation, order []string, changes []*change) []*change {
	touched := map[string]bool{}
	for _, c := range changes {
		touched[c.id] = touched[c.id] || c.action == "Modify" || c.action == "Add"
	}
	var out []*change
	for grew := true; grew; {
		grew = false
		for _, id := range order {
			old := s.res[id]
			if _, seen := touched[id]; seen || old == nil || s.gone(id) {
				continue
			}
			values, _, err := ev.ResolveProperties(id)
			if err != nil {
				continue
			}
			ch := &change{action: "Modify", id: id, typ: old.typ, physical: old.physical, replacement: "False"}
			for _, k := range slices.Sorted(maps.Keys(values)) {
				for _, r := range values[k].Refs.Resources {
					if r.Attr != "" && touched[r.ID] {
						ch.properties = append(ch.properties, k)
						ch.causes = append(ch.causes, r.String())
					}
				}
			}
			if len(ch.causes) > 0 {
				if old.typ != stackType {
					ch.replacement = "Conditional"
				}
				out, touched[id], grew = append(out, ch), true, true
			}
		}
	}
	return out
}

// diffOne is the change to one resource, nil for none. An update asks it
// again as it reaches each resource: a value that reads what the update
// already changed (a custom resource's new attribute, a template its
// Lambda rewrote) changes then, though the change set could not tell.
func (f *Fake) diffOne(s *Stack, ev *template.Evaluation, next played, id string, nested bool) (*change, error) {
	def, _ := next.tpl.Resource(id)
	resolved := f.resolve(s, ev, def.Properties)
	props := flat(resolved)
	old := s.res[id]
	ch := &change{id: id, typ: def.Type}
	switch {
	case old == nil || s.gone(id):
		ch.action = "Add"
	case old.typ != def.Type:
		ch.action, ch.replacement, ch.physical = "Modify", "True", old.physical
	default:
		for _, k := range slices.Sorted(maps.Keys(props)) {
			if props[k] != old.props[k] {
				ch.properties = append(ch.properties, k)
			}
		}
		ch.action, ch.replacement, ch.physical = "Modify", "False", old.physical
	}
	if def.Type == stackType && nested {
		child := &Stack{res: map[string]*resource{}}
		if old != nil && old.child != nil {
			child = old.child
		}
		var err error
		if ch.childRun, err = f.fetch(props["TemplateURL"]); err == nil {
			ch.childRun.params = childParams(resolved)
			if ch.nested, err = f.diff(child, ch.childRun, true); err != nil {
				return nil, err
			}
			if ch.action == "Modify" && len(ch.properties) == 0 && (len(ch.nested) > 0 || ch.childRun.body != child.run.body) {
				ch.properties = []string{"TemplateURL"}
			}
		}
	}
	if ch.action == "Modify" && len(ch.properties) == 0 {
		return nil, nil
	}
	return ch, nil
}

// removed are the changes that delete what next no longer creates.
func removed(s *Stack, order []string) []*change {
	var out []*change
	for _, id := range s.order {
		if !slices.Contains(order, id) && !s.gone(id) {
			out = append(out, &change{action: "Remove", id: id, typ: s.res[id].typ, physical: s.res[id].physical})
		}
	}
	return out
}

func childParams(props template.Value) map[string]string {
	out := map[string]string{}
	for _, k := range props.Field("Parameters").Keys() {
		out[k] = props.Field("Parameters").Field(k).String()
	}
	return out
}

// flat renders each top-level property, for comparing two runs.
func flat(props template.Value) map[string]string {
	out := map[string]string{}
	for _, k := range props.Keys() {
		out[k] = props.Field(k).String()
	}
	return out
}

// nestedChangeSets gives each nested stack's changes their own change set,
// as IncludeNestedStacks does.
func (f *Fake) nestedChangeSets(parent *changeSet, changes []*change) {
	for _, ch := range changes {
		if ch.nested == nil && ch.typ != stackType {
			continue
		}
		if ch.typ == stackType && ch.childRun.tpl != nil {
			n := &changeSet{id: fmt.Sprintf("%s-%s", parent.id, ch.id), name: parent.name + "-" + ch.id, kind: parent.kind,
				changes: ch.nested, ready: parent.ready}
			ch.nestedID = n.id
			f.changeSets[n.id] = n
			parent.nestedIDs = append(parent.nestedIDs, n.id)
			f.nestedChangeSets(n, ch.nested)
		}
	}
}

func (f *Fake) changeSet(name, stack *string) (*changeSet, error) {
	id := aws.ToString(name)
	if cs, ok := f.changeSets[id]; ok {
		return cs, nil
	}
	for _, cs := range f.changeSets {
		if cs.name == id && (stack == nil || cs.stackID == aws.ToString(stack) || strings.Contains(cs.stackID, "/"+aws.ToString(stack)+"/")) {
			return cs, nil
		}
	}
	return nil, &smithy.GenericAPIError{Code: "ChangeSetNotFound", Message: "ChangeSet [" + id + "] does not exist", Fault: smithy.FaultClient}
}

// DescribeChangeSet answers CREATE_IN_PROGRESS until the change set is
// worked out, then its changes, PageSize at a time.
func (f *Fake) DescribeChangeSet(_ context.Context, in *cloudformation.DescribeChangeSetInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeChangeSetOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("DescribeChangeSet"); err != nil {
		return nil, err
	}
	cs, err := f.changeSet(in.ChangeSetName, in.StackName)
	if err != nil {
		return nil, err
	}
	out := &cloudformation.DescribeChangeSetOutput{ChangeSetId: aws.String(cs.id), ChangeSetName: aws.String(cs.name),
		StackId: aws.String(cs.stackID), Status: cftypes.ChangeSetStatusCreateInProgress, ExecutionStatus: cftypes.ExecutionStatusUnavailable}
	switch {
	case f.now.Sub(f.start) < cs.ready:
		return out, nil
	case cs.failed != "":
		out.Status, out.StatusReason = cftypes.ChangeSetStatusFailed, aws.String(cs.failed)
		return out, nil
	case cs.executed:
		out.Status, out.ExecutionStatus = cftypes.ChangeSetStatusCreateComplete, cftypes.ExecutionStatusExecuteComplete
	default:
		out.Status, out.ExecutionStatus = cftypes.ChangeSetStatusCreateComplete, cftypes.ExecutionStatusAvailable
	}
	changes, next := page(cs.changes, in.NextToken, f.PageSize)
	out.NextToken = next
	for _, ch := range changes {
		rc := &cftypes.ResourceChange{Action: cftypes.ChangeAction(ch.action), LogicalResourceId: aws.String(ch.id),
			ResourceType: aws.String(ch.typ), Replacement: cftypes.Replacement(ch.replacement)}
		if ch.physical != "" {
			rc.PhysicalResourceId = aws.String(ch.physical)
		}
		if ch.nestedID != "" {
			rc.ChangeSetId = aws.String(ch.nestedID)
		}
		for i, p := range ch.properties {
			d := cftypes.ResourceChangeDetail{Target: &cftypes.ResourceTargetDefinition{Attribute: cftypes.ResourceAttributeProperties, Name: aws.String(p)}}
			if i < len(ch.causes) {
				d.Evaluation, d.ChangeSource, d.CausingEntity = cftypes.EvaluationTypeDynamic, cftypes.ChangeSourceResourceAttribute, aws.String(ch.causes[i])
			}
			rc.Details = append(rc.Details, d)
		}
		out.Changes = append(out.Changes, cftypes.Change{Type: cftypes.ChangeTypeResource, ResourceChange: rc})
	}
	return out, nil
}

// ExecuteChangeSet runs a change set once (a token seen before is a retry)
// and plays the operation.
func (f *Fake) ExecuteChangeSet(_ context.Context, in *cloudformation.ExecuteChangeSetInput, _ ...func(*cloudformation.Options)) (*cloudformation.ExecuteChangeSetOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("ExecuteChangeSet"); err != nil {
		return nil, err
	}
	cs, err := f.changeSet(in.ChangeSetName, in.StackName)
	if err != nil {
		return nil, err
	}
	// A token names one request: the same one again is a retry of it.
	token := "execute " + cs.id + " " + aws.ToString(in.ClientRequestToken)
	if in.ClientRequestToken != nil && f.tokens[token] {
		return &cloudformation.ExecuteChangeSetOutput{}, nil
	}
	s := f.stacks[cs.stackID]
	status := s.status()
	switch {
	case cs.executed || cs.failed != "" || f.now.Sub(f.start) < cs.ready:
		return nil, &smithy.GenericAPIError{Code: "InvalidChangeSetStatus", Fault: smithy.FaultClient,
			Message: fmt.Sprintf("ChangeSet [%s] cannot be executed in its current status of [%s]", cs.id, map[bool]string{true: "OBSOLETE", false: "UNAVAILABLE"}[cs.executed])}
	case strings.HasSuffix(status, "_IN_PROGRESS") && status != "REVIEW_IN_PROGRESS":
		return nil, validation("Stack:%s is in %s state and can not be updated.", s.ID, status)
	}
	if in.ClientRequestToken != nil {
		f.tokens[token] = true
	}
	cs.executed, s.executed = true, cs.id
	for id, other := range f.changeSets { // the stack's other change sets are obsolete now
		if other != cs && other.stackID == s.ID {
			delete(f.changeSets, id)
		}
	}
	c := &clock{at: f.now.Sub(f.start)}
	if cs.kind == string(cftypes.ChangeSetTypeCreate) {
		s.tags = cs.tags
		f.create(s, cs.run, c, "User Initiated")
		return &cloudformation.ExecuteChangeSetOutput{}, nil
	}
	now := f.now
	s.updated, s.tags = &now, cs.tags
	f.update(s, cs.run, c, "User Initiated")
	return &cloudformation.ExecuteChangeSetOutput{}, nil
}

// update plays an update, working out each resource's change as it gets
// to it; a failure rolls it back to what ran before.
func (f *Fake) update(s *Stack, next played, c *clock, reason string) string {
	before := s.run
	s.eventLocked(c.at, s.Name, s.ID, stackType, "UPDATE_IN_PROGRESS", reason)
	s.run = next
	ev, order, err := f.plan(next)
	if err != nil {
		return f.updateRollback(s, before, c, "", err.Error())
	}
	for _, id := range order {
		ch, err := f.diffOne(s, ev, next, id, true)
		switch {
		case err != nil:
			return f.updateRollback(s, before, c, id, err.Error())
		case ch == nil:
			continue
		case ch.action == "Add":
			if why := f.createResource(s, ev, id, c); why != "" {
				return f.updateRollback(s, before, c, id, why)
			}
			continue
		}
		if why := f.modify(s, ev, ch, c); why != "" {
			return f.updateRollback(s, before, c, id, why)
		}
	}
	s.outputs = f.outputs(s, ev)
	s.eventLocked(c.tick(f.Step), s.Name, s.ID, stackType, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "")
	for _, ch := range removed(s, order) {
		r := s.res[ch.id]
		s.eventLocked(c.tick(f.Step), ch.id, r.physical, r.typ, "DELETE_IN_PROGRESS", "")
		f.deleteOne(s, r, c)
		s.eventLocked(c.tick(f.Step), ch.id, r.physical, r.typ, "DELETE_COMPLETE", "")
	}
	s.eventLocked(c.tick(f.Step), s.Name, s.ID, stackType, "UPDATE_COMPLETE", "")
	return ""
}

// modify plays the update of one resource; it returns why it failed.
func (f *Fake) modify(s *Stack, ev *template.Evaluation, ch *change, c *clock) string {
	def, _ := s.run.tpl.Resource(ch.id)
	r := s.res[ch.id]
	props := f.resolve(s, ev, def.Properties)
	s.eventLocked(c.tick(f.Step), ch.id, r.physical, r.typ, "UPDATE_IN_PROGRESS", "")
	if why, ok := f.Fail[ch.id]; ok {
		s.eventLocked(c.tick(f.Step), ch.id, r.physical, r.typ, "UPDATE_FAILED", why)
		return why
	}
	switch {
	case r.child != nil && ch.childRun.tpl != nil:
		if failed := f.update(r.child, ch.childRun, c, ""); failed != "" {
			why := fmt.Sprintf("Embedded stack %s was not successfully updated. Currently in UPDATE_ROLLBACK_IN_PROGRESS with reason: %s", r.child.ID, r.child.reason)
			s.eventLocked(c.tick(f.Step), ch.id, r.physical, r.typ, "UPDATE_FAILED", why)
			return why
		}
	case r.typ == "AWS::SageMaker::Cluster":
		name := props.Field("ClusterName").String()
		groups := clusterGroups(props.Field("InstanceGroups").JSON())
		f.clusters[name] = append(f.clusters[name], ClusterState{At: c.at, Status: "Updating", Groups: counted(groups, 0)},
			ClusterState{At: c.at + f.Step, Status: "InService", Groups: counted(groups, -1)})
	case strings.HasPrefix(r.typ, "Custom::"):
		r.attrs = f.custom(props)
	}
	r.props = flat(props)
	s.eventLocked(c.tick(f.Step), ch.id, r.physical, r.typ, "UPDATE_COMPLETE", "")
	return ""
}

// updateRollback puts back what ran before a failed update. A resource
// whose rollback fails (FailRollback), or a nested stack whose own
// rollback failed, leaves the stack UPDATE_ROLLBACK_FAILED.
func (f *Fake) updateRollback(s *Stack, before played, c *clock, failed, why string) string {
	s.reason = fmt.Sprintf("The following resource(s) failed to update: [%s]. ", failed)
	s.eventLocked(c.tick(f.Step), s.Name, s.ID, stackType, "UPDATE_ROLLBACK_IN_PROGRESS", s.reason)
	s.run = before
	if r := s.res[failed]; r != nil {
		stuck, ok := f.FailRollback[failed]
		if r.child != nil && r.child.final() == "UPDATE_ROLLBACK_FAILED" {
			stuck, ok = fmt.Sprintf("Nested stack %s is in UPDATE_ROLLBACK_FAILED state and can not be updated.", r.child.ID), true
		}
		if ok {
			s.eventLocked(c.tick(f.Step), failed, r.physical, r.typ, "UPDATE_FAILED", stuck)
			s.reason = fmt.Sprintf("The following resource(s) failed to update: [%s]. ", failed)
			s.eventLocked(c.tick(f.Step), s.Name, s.ID, stackType, "UPDATE_ROLLBACK_FAILED", s.reason)
			return why
		}
	}
	f.finishRollback(s, c)
	return why
}

func (f *Fake) finishRollback(s *Stack, c *clock) {
	s.eventLocked(c.tick(f.Step), s.Name, s.ID, stackType, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", "")
	s.eventLocked(c.tick(f.Step), s.Name, s.ID, stackType, "UPDATE_ROLLBACK_COMPLETE", "")
}

// ContinueUpdateRollback finishes the rollback of an UPDATE_ROLLBACK_FAILED
// stack and of its nested stacks in that state, as a person's
// continue-update-rollback does (nothing fails the second time).
func (f *Fake) ContinueUpdateRollback(_ context.Context, in *cloudformation.ContinueUpdateRollbackInput, _ ...func(*cloudformation.Options)) (*cloudformation.ContinueUpdateRollbackOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, err := f.lookup(aws.ToString(in.StackName))
	if err != nil {
		return nil, err
	}
	if status := s.status(); status != "UPDATE_ROLLBACK_FAILED" {
		return nil, validation("Stack [%s] is in %s state and can not continue the rollback", s.Name, status)
	}
	f.continueRollback(s, &clock{at: f.now.Sub(f.start)})
	return &cloudformation.ContinueUpdateRollbackOutput{}, nil
}

func (f *Fake) continueRollback(s *Stack, c *clock) {
	s.eventLocked(c.at, s.Name, s.ID, stackType, "UPDATE_ROLLBACK_IN_PROGRESS", "")
	for _, id := range s.order {
		if r := s.res[id]; r.child != nil && r.child.final() == "UPDATE_ROLLBACK_FAILED" {
			s.eventLocked(c.tick(f.Step), id, r.physical, r.typ, "UPDATE_IN_PROGRESS", "")
			f.continueRollback(r.child, c)
			s.eventLocked(c.tick(f.Step), id, r.physical, r.typ, "UPDATE_COMPLETE", "")
		}
	}
	s.reason = ""
	f.finishRollback(s, c)
}

// DeleteChangeSet deletes a change set (and the nested ones it made).
func (f *Fake) DeleteChangeSet(_ context.Context, in *cloudformation.DeleteChangeSetInput, _ ...func(*cloudformation.Options)) (*cloudformation.DeleteChangeSetOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("DeleteChangeSet"); err != nil {
		return nil, err
	}
	cs, err := f.changeSet(in.ChangeSetName, in.StackName)
	if err != nil {
		return nil, err
	}
	delete(f.changeSets, cs.id)
	for _, id := range cs.nestedIDs {
		delete(f.changeSets, id)
	}
	return &cloudformation.DeleteChangeSetOutput{}, nil
}

// ListChangeSets lists a stack's change sets (not the nested ones).
func (f *Fake) ListChangeSets(_ context.Context, in *cloudformation.ListChangeSetsInput, _ ...func(*cloudformation.Options)) (*cloudformation.ListChangeSetsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, err := f.stackCall("ListChangeSets", in.StackName)
	if err != nil {
		return nil, err
	}
	out := &cloudformation.ListChangeSetsOutput{}
	for _, id := range slices.Sorted(maps.Keys(f.changeSets)) {
		if cs := f.changeSets[id]; cs.stackID == s.ID {
			out.Summaries = append(out.Summaries, cftypes.ChangeSetSummary{ChangeSetId: aws.String(cs.id), ChangeSetName: aws.String(cs.name)})
		}
	}
	return out, nil
}

// DeleteStack deletes a stack: at once when it never ran, else played. A
// stack that does not exist is no error; a protected one is refused.
func (f *Fake) DeleteStack(_ context.Context, in *cloudformation.DeleteStackInput, _ ...func(*cloudformation.Options)) (*cloudformation.DeleteStackOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("DeleteStack"); err != nil {
		return nil, err
	}
	s, err := f.lookup(aws.ToString(in.StackName))
	if err != nil {
		return &cloudformation.DeleteStackOutput{}, nil
	}
	if in.ClientRequestToken != nil {
		token := "delete " + s.ID + " " + *in.ClientRequestToken
		if f.tokens[token] {
			return &cloudformation.DeleteStackOutput{}, nil
		}
		f.tokens[token] = true
	}
	status := s.status()
	switch {
	case s.protected:
		return nil, validation("Stack [%s] cannot be deleted while TerminationProtection is enabled", s.Name)
	case len(in.RetainResources) > 0 && status != "DELETE_FAILED":
		return nil, validation("Invalid operation on stack [%s]: specifying RetainResources is valid only for stacks in DELETE_FAILED", s.ID)
	case status == "DELETE_COMPLETE" || status == "DELETE_IN_PROGRESS":
		return &cloudformation.DeleteStackOutput{}, nil
	case strings.HasSuffix(status, "_IN_PROGRESS") && status != "REVIEW_IN_PROGRESS":
		// CloudFormation cancels a create by deleting; the fake does not.
		return nil, validation("Stack [%s] is in %s state; the fake deletes only stacks at rest", s.Name, status)
	}
	c := &clock{at: f.now.Sub(f.start)}
	for id, cs := range f.changeSets {
		if cs.stackID == s.ID {
			delete(f.changeSets, id)
		}
	}
	f.remove(s, c, in.RetainResources)
	return &cloudformation.DeleteStackOutput{}, nil
}

// GetTemplate answers the template a played stack runs.
func (f *Fake) GetTemplate(_ context.Context, in *cloudformation.GetTemplateInput, _ ...func(*cloudformation.Options)) (*cloudformation.GetTemplateOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, err := f.stackCall("GetTemplate", in.StackName)
	if err != nil {
		return nil, err
	}
	return &cloudformation.GetTemplateOutput{TemplateBody: aws.String(s.run.body)}, nil
}

// ListStackResources lists each resource at its latest visible event.
func (f *Fake) ListStackResources(_ context.Context, in *cloudformation.ListStackResourcesInput, _ ...func(*cloudformation.Options)) (*cloudformation.ListStackResourcesOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, err := f.stackCall("ListStackResources", in.StackName)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var all []cftypes.StackResourceSummary
	for _, e := range s.visible() {
		id := aws.ToString(e.LogicalResourceId)
		if id == s.Name || seen[id] {
			continue
		}
		seen[id] = true
		r := cftypes.StackResourceSummary{LogicalResourceId: e.LogicalResourceId, ResourceType: e.ResourceType,
			ResourceStatus: e.ResourceStatus, ResourceStatusReason: e.ResourceStatusReason, LastUpdatedTimestamp: e.Timestamp}
		if res := s.res[id]; res != nil {
			r.PhysicalResourceId = aws.String(res.physical)
		} else if aws.ToString(e.PhysicalResourceId) != "" {
			r.PhysicalResourceId = e.PhysicalResourceId
		}
		all = append(all, r)
	}
	slices.Reverse(all)
	resources, next := page(all, in.NextToken, f.PageSize)
	return &cloudformation.ListStackResourcesOutput{StackResourceSummaries: resources, NextToken: next}, nil
}

func (f *Fake) UpdateTerminationProtection(_ context.Context, in *cloudformation.UpdateTerminationProtectionInput, _ ...func(*cloudformation.Options)) (*cloudformation.UpdateTerminationProtectionOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, err := f.stackCall("UpdateTerminationProtection", in.StackName)
	if err != nil {
		return nil, err
	}
	s.protected = aws.ToBool(in.EnableTerminationProtection)
	return &cloudformation.UpdateTerminationProtectionOutput{StackId: aws.String(s.ID)}, nil
}

// Protect turns a stack's termination protection on.
func (f *Fake) Protect(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stacks[name].protected = true
}

// DeleteCluster deletes a cluster: Deleting, then gone a Step later.
func (f *Fake) DeleteCluster(_ context.Context, in *sagemaker.DeleteClusterInput, _ ...func(*sagemaker.Options)) (*sagemaker.DeleteClusterOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("DeleteCluster"); err != nil {
		return nil, err
	}
	name := aws.ToString(in.ClusterName)
	at := f.now.Sub(f.start)
	f.clusters[name] = append(f.clusters[name], ClusterState{At: at, Status: "Deleting"}, ClusterState{At: at + f.Step, Missing: true})
	return &sagemaker.DeleteClusterOutput{}, nil
}

// ListClusterNodes lists a node for each instance a group holds now,
// launched when the cluster came to the state it is in.
func (f *Fake) ListClusterNodes(_ context.Context, in *sagemaker.ListClusterNodesInput, _ ...func(*sagemaker.Options)) (*sagemaker.ListClusterNodesOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("ListClusterNodes"); err != nil {
		return nil, err
	}
	cur, err := f.existing(aws.ToString(in.ClusterName))
	if err != nil {
		return nil, err
	}
	out := &sagemaker.ListClusterNodesOutput{}
	for _, g := range cur.Groups {
		for i := range aws.ToInt32(g.CurrentCount) {
			out.ClusterNodeSummaries = append(out.ClusterNodeSummaries, smtypes.ClusterNodeSummary{InstanceGroupName: g.InstanceGroupName,
				InstanceId: aws.String(fmt.Sprintf("i-%s%04d", aws.ToString(g.InstanceGroupName), i)), InstanceType: g.InstanceType,
				InstanceStatus: &smtypes.ClusterInstanceStatusDetails{Status: smtypes.ClusterInstanceStatusRunning}, LaunchTime: aws.Time(f.start.Add(cur.At))})
		}
	}
	return out, nil
}

// CreateStack creates a stack from a template body, as a person's
// CreateStack and wait would (the clock moves to its end): a stack hpctl
// did not make, for tests of ownership.
func (f *Fake) CreateStack(name, body string, tags ...cftypes.Tag) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	run, err := parsed(body)
	if err != nil {
		return err
	}
	if run.params, err = params(run.tpl, nil); err != nil {
		return err
	}
	s := f.newStack(name)
	s.tags = tags
	c := &clock{at: f.now.Sub(f.start)}
	f.create(s, run, c, "User Initiated")
	f.now = f.start.Add(c.at) // a person waits for the stack
	return nil
}
