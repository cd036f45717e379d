package deploy

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/hpctl/hpctl/internal/catalog"
	"github.com/hpctl/hpctl/internal/template"
)

// CheckSet refuses a fill that would leave a template bucket out of step:
// for every main template the filled bucket holds, each nested template it
// may create from the bucket (under any condition, and theirs in turn) must
// be there and declare what it is passed, and the Lambda code the
// templates load from the bucket must be there. over holds what the fill
// writes; the rest is read from the bucket as it is. Nothing is written.
func (d *Deployer) CheckSet(ctx context.Context, bucket string, over template.Store) error {
	view := template.Layers{over, &template.Bucket{S3: d.S3, Name: bucket, Region: d.Region}}
	var queue []string
	for _, o := range []*catalog.Orchestration{catalog.EKS(), catalog.Slurm()} {
		queue = append(queue, o.Prefix+"/"+o.MainTemplate)
	}
	read := map[string]*template.Template{}
	for _, key := range queue {
		obj, err := view.Get(ctx, key)
		if err != nil {
			continue // this orchestrator's templates are not in the bucket
		}
		t, err := template.Parse(obj.Body)
		if err != nil {
			return &Refusal{Reason: fmt.Sprintf("%s is not a template: %v", view.Where(key), err)}
		}
		read[key] = t
	}
	var problems, unchecked []string
	var codes []template.Code
	for done := map[string]bool{}; len(read) > 0; {
		next := map[string]*template.Template{}
		for _, key := range slices.Sorted(maps.Keys(read)) {
			t := read[key]
			done[key] = true
			nested, err := t.NestedIn(bucket, d.Region)
			if err != nil {
				return &Refusal{Reason: fmt.Sprintf("cannot evaluate %s: %v", view.Where(key), err)}
			}
			checked := template.CheckNested(ctx, view, nested)
			for _, p := range checked.Problems {
				problems = append(problems, p.String()+" (by "+key+")")
			}
			unchecked = append(unchecked, checked.Unchecked...)
			for k, nt := range checked.Templates {
				if !done[k] {
					next[k] = nt
				}
			}
			cs, err := t.Evaluate(template.Env{Params: map[string]string{"CustomBucketName": bucket, "CustomResourceS3Bucket": bucket}, Region: d.Region}).LambdaCode()
			if err != nil {
				return &Refusal{Reason: fmt.Sprintf("cannot evaluate the Lambda code of %s: %v", view.Where(key), err)}
			}
			for _, c := range cs {
				c.Resource = key + " " + c.Resource
				codes = append(codes, c)
			}
		}
		read = next
	}
	for _, c := range template.CheckCode(ctx, view, bucket, codes) {
		switch {
		case c.Err != nil:
			unchecked = append(unchecked, c.Err.Error())
		case !c.Has:
			problems = append(problems, fmt.Sprintf("%s is not there; the Lambda code of %s", c.Key, c.Resource))
		}
	}
	if len(unchecked) > 0 {
		return fmt.Errorf("cannot check the templates in s3://%s: %s", bucket, unchecked[0])
	}
	if len(problems) > 0 {
		return &Refusal{Reason: fmt.Sprintf("the templates would be out of step in s3://%s; nothing was written:", bucket), Problems: problems,
			Hint: "fill the bucket with one sync of the templates and their resources/ folder (a folder of one checkout, or hpctl templates mirror)"}
	}
	return nil
}
