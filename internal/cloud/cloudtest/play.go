package cloudtest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	smtypes "github.com/aws/aws-sdk-go-v2/service/sagemaker/types"

	"github.com/hpctl/hpctl/internal/template"
)

// A stack the fake runs from its template plays its operation as events on
// the fake clock, one resource after another, Step apart: create, update
// and delete, nested stacks (their templates read from the fake S3),
// failures that roll back, buckets that S3 must hold empty to delete, and
// the HyperPod cluster. The events are written when the operation starts
// and become visible as the clock passes them, as a real account's would.

// resource is one resource a played stack made.
type resource struct {
	id, typ, physical string
	retain            bool
	child             *Stack
	attrs             map[string]string
	// props are the resolved properties, compared by an update.
	props map[string]string
}

// played is what a stack runs from: its template and parameter values.
type played struct {
	body   string
	tpl    *template.Template
	params map[string]string
}

// plan evaluates a template on parameter values: the resources it creates,
// in an order CloudFormation could create them.
func (f *Fake) plan(p played) (*template.Evaluation, []string, error) {
	ev := p.tpl.Evaluate(template.Env{Params: p.params, Region: "us-west-2", AccountID: account})
	var ids []string
	after := map[string][]string{}
	for _, r := range p.tpl.Resources {
		ok, err := ev.Created(r.ID)
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			continue
		}
		ids = append(ids, r.ID)
		if after[r.ID], err = ev.Deps(r.ID); err != nil {
			return nil, nil, err
		}
	}
	order, err := template.Order(ids, after)
	return ev, order, err
}

const account = "123456789012"

// clock is where a playing operation has got to, from the fake's start.
type clock struct{ at time.Duration }

func (c *clock) tick(d time.Duration) time.Duration { c.at += d; return c.at }

// create plays a stack's creation; it returns the failure ("" for none),
// after which the stack has rolled back.
func (f *Fake) create(s *Stack, p played, c *clock, reason string) string {
	s.run = p
	s.res = map[string]*resource{}
	s.order = nil
	s.eventLocked(c.at, s.Name, s.ID, stackType, "CREATE_IN_PROGRESS", reason)
	ev, order, err := f.plan(p)
	if err != nil {
		return f.rollback(s, c, "", err.Error())
	}
	for _, id := range order {
		if failed := f.createResource(s, ev, id, c); failed != "" {
			return f.rollback(s, c, id, failed)
		}
	}
	s.outputs = f.outputs(s, ev)
	s.eventLocked(c.tick(f.Step), s.Name, s.ID, stackType, "CREATE_COMPLETE", "")
	return ""
}

// createResource plays one resource's creation; it returns why it failed.
func (f *Fake) createResource(s *Stack, ev *template.Evaluation, id string, c *clock) string {
	def, _ := s.run.tpl.Resource(id)
	props := f.resolve(s, ev, def.Properties)
	r := &resource{id: id, typ: def.Type, physical: fmt.Sprintf("%s-%s-%06d", s.Name, id, f.next()), props: flat(props),
		retain: def.DeletionPolicy == "Retain" || def.DeletionPolicy == "RetainExceptOnCreate"}
	s.res[id], s.order = r, append(s.order, id)
	start := c.tick(f.Step)
	if reason, ok := f.Fail[id]; ok {
		s.eventLocked(start, id, "", def.Type, "CREATE_IN_PROGRESS", "")
		s.eventLocked(c.tick(f.Step), id, "", def.Type, "CREATE_FAILED", reason)
		return reason
	}
	switch {
	case def.Type == stackType:
		return f.createChild(s, r, props, c)
	case def.Type == "AWS::S3::Bucket":
		if name := props.Field("BucketName").String(); name != "" {
			r.physical = name
		} else {
			r.physical = strings.ToLower(r.physical)
		}
		if _, ok := f.buckets[r.physical]; ok {
			s.eventLocked(start, id, "", def.Type, "CREATE_IN_PROGRESS", "")
			why := fmt.Sprintf("%s already exists", r.physical)
			s.eventLocked(c.tick(f.Step), id, "", def.Type, "CREATE_FAILED", why)
			return why
		}
		f.bucket(r.physical)
	case def.Type == "AWS::SageMaker::Cluster":
		name := props.Field("ClusterName").String()
		r.physical = "arn:aws:sagemaker:us-west-2:" + account + ":cluster/" + name
		groups := clusterGroups(props.Field("InstanceGroups").JSON())
		ready := counted(groups, -1)
		for i, g := range ready {
			if n, ok := f.Short[aws.ToString(g.InstanceGroupName)]; ok {
				ready[i].CurrentCount = aws.Int32(n)
			}
		}
		f.clusters[name] = append(f.clusters[name], ClusterState{At: start, Status: "Creating", Groups: counted(groups, 0)},
			ClusterState{At: start + f.Step, Status: "InService", Groups: ready})
	case strings.HasPrefix(def.Type, "Custom::"):
		r.attrs = f.custom(props)
	}
	s.eventLocked(start, id, r.physical, def.Type, "CREATE_IN_PROGRESS", "")
	s.eventLocked(c.tick(f.Step), id, r.physical, def.Type, "CREATE_COMPLETE", "")
	return ""
}

// createChild plays a nested stack, from the template its TemplateURL
// names in the fake S3.
func (f *Fake) createChild(s *Stack, r *resource, props template.Value, c *clock) string {
	child := f.newStack(fmt.Sprintf("%s-%s-%s", s.Name, r.id, strings.ToUpper(fmt.Sprintf("%012x", f.next()))))
	child.parent = s
	r.child, r.physical = child, child.ID
	s.eventLocked(c.at, r.id, child.ID, stackType, "CREATE_IN_PROGRESS", "")
	s.eventLocked(c.at, r.id, child.ID, stackType, "CREATE_IN_PROGRESS", "Resource creation Initiated")
	run, err := f.fetch(props.Field("TemplateURL").String())
	if err != nil {
		s.eventLocked(c.tick(f.Step), r.id, child.ID, stackType, "CREATE_FAILED", err.Error())
		return err.Error()
	}
	run.params = childParams(props)
	if failed := f.create(child, run, c, ""); failed != "" {
		why := fmt.Sprintf("Embedded stack %s was not successfully created: %s", child.ID, child.reason)
		s.eventLocked(c.tick(f.Step), r.id, child.ID, stackType, "CREATE_FAILED", why)
		return why
	}
	s.eventLocked(c.tick(f.Step), r.id, child.ID, stackType, "CREATE_COMPLETE", "")
	return ""
}

// rollback undoes a failed create: what was made is deleted, newest first.
func (f *Fake) rollback(s *Stack, c *clock, failed, why string) string {
	s.reason = fmt.Sprintf("The following resource(s) failed to create: [%s]. Rollback requested by user.", failed)
	if failed == "" {
		s.reason = why
	}
	s.eventLocked(c.tick(f.Step), s.Name, s.ID, stackType, "ROLLBACK_IN_PROGRESS", s.reason)
	f.deleteResources(s, c, nil)
	s.eventLocked(c.tick(f.Step), s.Name, s.ID, stackType, "ROLLBACK_COMPLETE", "")
	return why
}

// remove plays a stack's deletion; it returns the resources that failed.
func (f *Fake) remove(s *Stack, c *clock, retain []string) []string {
	s.eventLocked(c.at, s.Name, s.ID, stackType, "DELETE_IN_PROGRESS", "User Initiated")
	if failed := f.deleteResources(s, c, retain); len(failed) > 0 {
		s.reason = fmt.Sprintf("The following resource(s) failed to delete: [%s]. ", strings.Join(failed, ", "))
		s.eventLocked(c.tick(f.Step), s.Name, s.ID, stackType, "DELETE_FAILED", s.reason)
		return failed
	}
	s.eventLocked(c.tick(f.Step), s.Name, s.ID, stackType, "DELETE_COMPLETE", "")
	return nil
}

// deleteResources deletes a stack's live resources, newest first.
func (f *Fake) deleteResources(s *Stack, c *clock, retain []string) []string {
	var failed []string
	for _, id := range slices.Backward(s.order) {
		r := s.res[id]
		if r == nil || s.gone(id) {
			continue
		}
		if r.retain || slices.Contains(retain, id) {
			s.eventLocked(c.tick(f.Step), id, r.physical, r.typ, "DELETE_SKIPPED", "")
			continue
		}
		s.eventLocked(c.tick(f.Step), id, r.physical, r.typ, "DELETE_IN_PROGRESS", "")
		if why := f.deleteOne(s, r, c); why != "" {
			failed = append(failed, id)
			s.eventLocked(c.tick(f.Step), id, r.physical, r.typ, "DELETE_FAILED", why)
			continue
		}
		s.eventLocked(c.tick(f.Step), id, r.physical, r.typ, "DELETE_COMPLETE", "")
	}
	return failed
}

// deleteOne deletes what a resource made; it returns why it could not.
func (f *Fake) deleteOne(s *Stack, r *resource, c *clock) string {
	if why, ok := f.FailDelete[r.id]; ok {
		return why
	}
	switch r.typ {
	case stackType:
		if r.child.final() == "DELETE_COMPLETE" {
			return ""
		}
		if failed := f.remove(r.child, c, nil); len(failed) > 0 {
			return fmt.Sprintf("Embedded stack %s was not successfully deleted: %s", r.child.ID, r.child.reason)
		}
	case "AWS::S3::Bucket":
		if b := f.buckets[r.physical]; b != nil && len(b.versions) > 0 {
			return "The bucket you tried to delete is not empty. You must delete all versions in the bucket. (Service: S3, Status Code: 409)"
		}
		delete(f.buckets, r.physical)
	case "AWS::SageMaker::Cluster":
		name := r.physical[strings.LastIndexByte(r.physical, '/')+1:]
		f.clusters[name] = append(f.clusters[name], ClusterState{At: c.at, Status: "Deleting"}, ClusterState{At: c.at + f.Step, Missing: true})
		return ""
	}
	// The cluster Lambda deletes the template it rendered (hosted-templates
	// reference, §7: "D: delete hyperpod-cluster-template.yaml").
	if u := r.attrs["TemplateUrl"]; strings.HasPrefix(r.typ, "Custom::") && u != "" {
		bucket, _, _ := strings.Cut(strings.TrimPrefix(u, "https://"), ".s3.")
		if b := f.buckets[bucket]; b != nil {
			b.versions = slices.DeleteFunc(b.versions, func(v version) bool { return v.key == "hyperpod-cluster-template.yaml" })
		}
	}
	return ""
}

// resolve evaluates a value with what the stack has made so far: a Ref to
// a resource is its physical ID, a nested stack's Outputs.X its output,
// any other attribute a value named after it.
func (f *Fake) resolve(s *Stack, ev *template.Evaluation, x any) template.Value {
	v, err := ev.Resolve(f.substitute(s, x))
	if err != nil {
		// What the fake cannot evaluate stands as the reason, where a test
		// reading the value sees it.
		v, _ = ev.Resolve(err.Error())
	}
	return v
}

func (f *Fake) substitute(s *Stack, x any) any {
	switch v := x.(type) {
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = f.substitute(s, e)
		}
		return out
	case map[string]any:
		if ref, ok := v["Ref"].(string); ok && len(v) == 1 && s.res[ref] != nil {
			return s.res[ref].physical
		}
		if att, ok := v["Fn::GetAtt"]; ok && len(v) == 1 {
			if value, ok := s.attribute(att); ok {
				return value
			}
		}
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = f.substitute(s, e)
		}
		return out
	}
	return x
}

// attribute is the value of a Fn::GetAtt of a resource the stack made.
func (s *Stack) attribute(arg any) (string, bool) {
	res, attr, err := template.GetAtt(arg)
	if err != nil {
		return "", false
	}
	r := s.res[res]
	if r == nil {
		return "", false
	}
	if out, ok := strings.CutPrefix(attr, "Outputs."); ok && r.child != nil {
		v, ok := r.child.outputs[out]
		return v, ok
	}
	if v, ok := r.attrs[attr]; ok {
		return v, true
	}
	return r.physical + "." + attr, true
}

// outputs are the stack's outputs whose condition holds.
func (f *Fake) outputs(s *Stack, ev *template.Evaluation) map[string]string {
	out := map[string]string{}
	for _, o := range s.run.tpl.Outputs {
		if o.Condition != "" {
			if ok, err := ev.Condition(o.Condition); err != nil || !ok {
				continue
			}
		}
		out[o.Name] = f.resolve(s, ev, o.Value).String()
	}
	return out
}

// custom does what the hosted templates' Lambda-backed custom resources
// do that a deploy can see: the cluster Lambda renders a template of one
// AWS::SageMaker::Cluster into the lifecycle bucket and returns its URL
// (TemplateUrl). It is told by its properties, as the emulator tells it.
func (f *Fake) custom(props template.Value) map[string]string {
	name := props.Field("ClusterName").String()
	if name == "" || !slices.Contains(props.Keys(), "InstanceGroupSettings1") {
		return nil
	}
	var groups []any
	for i := 1; i <= 20; i++ {
		var slot []any
		if json.Unmarshal([]byte(props.Field(fmt.Sprintf("InstanceGroupSettings%d", i)).String()), &slot) == nil {
			groups = append(groups, slot...)
		}
	}
	body, _ := json.Marshal(map[string]any{"Resources": map[string]any{"HyperPodCluster": map[string]any{
		"Type": "AWS::SageMaker::Cluster", "Properties": map[string]any{"ClusterName": name, "InstanceGroups": groups}}},
		"Outputs": map[string]any{"HyperPodClusterArn": map[string]any{"Value": map[string]any{"Ref": "HyperPodCluster"}},
			"HyperPodClusterName": map[string]any{"Value": name}}})
	bucket := props.Field("S3BucketName").String()
	f.bucket(bucket).put(f, "hyperpod-cluster-template.yaml", body)
	return map[string]string{"TemplateUrl": "https://" + bucket + ".s3.us-west-2.amazonaws.com/hyperpod-cluster-template.yaml"}
}

// clusterGroups reads the groups of a rendered cluster template.
func clusterGroups(raw string) []smtypes.ClusterInstanceGroupDetails {
	var groups []struct {
		InstanceGroupName string
		InstanceType      string
		InstanceCount     json.Number
	}
	if json.Unmarshal([]byte(raw), &groups) != nil {
		return nil
	}
	out := make([]smtypes.ClusterInstanceGroupDetails, 0, len(groups))
	for _, g := range groups {
		n, _ := g.InstanceCount.Int64()
		out = append(out, smtypes.ClusterInstanceGroupDetails{InstanceGroupName: aws.String(g.InstanceGroupName),
			InstanceType: smtypes.ClusterInstanceType(g.InstanceType), TargetCount: aws.Int32(int32(n))})
	}
	return out
}

// counted sets each group's current count: n, or its target when n < 0.
func counted(groups []smtypes.ClusterInstanceGroupDetails, n int32) []smtypes.ClusterInstanceGroupDetails {
	out := slices.Clone(groups)
	for i := range out {
		cur := n
		if n < 0 {
			cur = aws.ToInt32(out[i].TargetCount)
		}
		out[i].CurrentCount = aws.Int32(cur)
	}
	return out
}

// gone reports a resource whose last visible-or-not event is a delete.
func (s *Stack) gone(id string) bool {
	for i := len(s.events) - 1; i >= 0; i-- {
		if aws.ToString(s.events[i].e.LogicalResourceId) == id {
			return s.events[i].e.ResourceStatus == cftypes.ResourceStatusDeleteComplete
		}
	}
	return true
}
