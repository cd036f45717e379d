package plan

import (
	"context"
	"fmt"
	"strings"

	"github.com/hpctl/hpctl/internal/spec"
	"github.com/hpctl/hpctl/internal/template"
)

// Consistent checks the custom template bucket (or templates.dir) a plan
// deploys from: every nested template its main template creates from there
// must declare what the main passes it, and the Lambda code the templates
// load must be there. A bucket filled from two syncs of the templates gets
// this wrong, and CloudFormation says so only when it reaches the nested
// stack or the Lambda, after the stacks before it were built. It reads the
// store the plan's main template came from; the hosted bucket is AWS's own
// consistent set and is not checked.
func Consistent(ctx context.Context, c *spec.Cluster, p *Plan, main *template.Main) spec.Diagnostics {
	if p == nil || p.Template.Source != "custom" || main == nil || main.Store == nil {
		return nil
	}
	k := consistency{c: c, p: p, store: main.Store, path: "templates.bucket", where: "s3://" + p.Template.Bucket}
	if c.Templates.Dir != "" {
		// The folder is uploaded over the bucket: what it lacks, the
		// bucket's copy (which the plan cannot read offline) provides.
		k.path, k.where, k.partial = "templates.dir", "templates.dir "+c.Templates.Dir, true
	}
	values := map[string]string{}
	for _, x := range p.Parameters {
		values[x.Name] = x.Value
	}
	ev := main.Template.Evaluate(template.Env{Params: values, Region: p.Region, StackName: p.StackName})
	nested, env, err := k.nested(ev)
	if err != nil {
		return spec.Diagnostics{c.Diag(spec.Error, k.path, "cannot evaluate the main template's nested stacks: %v", err)}
	}
	checked := template.CheckNested(ctx, k.store, nested)
	for _, pr := range checked.Problems {
		if k.partial && strings.HasPrefix(pr.Text, "is not there") {
			k.warnf("%s has no %s: the deploy uses the bucket's copy, which the plan does not check", k.where, pr.Key)
			continue
		}
		k.errf("the templates in %s are out of step: %s\n  %s", k.where, pr, k.fill())
	}
	if len(checked.Unchecked) > 0 {
		k.warnf("the nested templates in %s were not checked against the main template: %s", k.where, checked.Unchecked[0])
	}

	codes, err := ev.LambdaCode()
	if err != nil {
		k.errf("cannot evaluate the main template's Lambda code: %v", err)
	}
	for _, n := range nested {
		t, ok := checked.Templates[n.Key]
		if !ok {
			continue
		}
		cs, err := t.Evaluate(template.Env{Params: env[n.Resource], Region: p.Region}).LambdaCode()
		if err != nil {
			k.errf("cannot evaluate the Lambda code of %s (%s): %v", n.Resource, n.Key, err)
			continue
		}
		for _, code := range cs {
			code.Resource = n.Resource + "/" + code.Resource
			codes = append(codes, code)
		}
	}
	k.code(ctx, codes)
	return k.diags
}

type consistency struct {
	c       *spec.Cluster
	p       *Plan
	store   template.Store
	path    string
	where   string
	partial bool
	diags   spec.Diagnostics
}

func (k *consistency) errf(format string, args ...any) {
	k.diags = append(k.diags, k.c.Diag(spec.Error, k.path, format, args...))
}

func (k *consistency) warnf(format string, args ...any) {
	k.diags = append(k.diags, k.c.Diag(spec.Warning, k.path, format, args...))
}

// fill says how to put one consistent set into the bucket.
func (k *consistency) fill() string {
	return fmt.Sprintf("fill it with one sync of the templates and their resources/ folder: hpctl templates mirror --bucket %s, "+
		"or hpctl templates upload --bucket %s --dir DIR", k.p.Template.Bucket, k.p.Template.Bucket)
}

// nested lists the nested stacks the main template creates from the
// custom bucket, and the values it passes each, as CloudFormation will.
func (k *consistency) nested(ev *template.Evaluation) ([]template.Nested, map[string]map[string]string, error) {
	var out []template.Nested
	env := map[string]map[string]string{}
	for _, r := range ev.Template().Resources {
		if r.Type != template.StackType {
			continue
		}
		if created, err := ev.Created(r.ID); err != nil || !created {
			if err != nil {
				return nil, nil, err
			}
			continue
		}
		props, _, err := ev.ResolveProperties(r.ID)
		if err != nil {
			return nil, nil, err
		}
		bucket, key, ok := template.SplitURL(props["TemplateURL"].String())
		if !ok || bucket != k.p.Template.Bucket {
			continue // read from elsewhere (the hosted bucket): not the user's to keep in step
		}
		params := props["Parameters"]
		values := map[string]string{}
		for _, name := range params.Keys() {
			values[name] = params.Field(name).String()
		}
		out = append(out, template.Nested{Resource: r.ID, Key: key, Passed: params.Keys()})
		env[r.ID] = values
	}
	return out, env, nil
}

// code checks that the Lambda code the templates load from the custom
// bucket is there.
func (k *consistency) code(ctx context.Context, codes []template.Code) {
	for _, c := range template.CheckCode(ctx, k.store, k.p.Template.Bucket, codes) {
		switch {
		case c.Has:
		case c.Err != nil:
			k.warnf("the Lambda code %s of %s was not checked: %v", c.Key, c.Resource, c.Err)
		case k.partial:
			k.warnf("%s has no %s, the Lambda code of %s: the bucket must hold it", k.where, c.Key, c.Resource)
		default:
			k.errf("%s has no %s, the Lambda code of %s: CloudFormation would fail the function with \"Error occurred while GetObject. S3 Error Code: NoSuchKey\"\n  %s",
				k.where, c.Key, c.Resource, k.fill())
		}
	}
}
