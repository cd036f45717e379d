package deploy

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/hpctl/hpctl/internal/cloud"
	"github.com/hpctl/hpctl/internal/plan"
)

// templateSummary is what the live main template declares.
type templateSummary struct {
	params       []cftypes.ParameterDeclaration
	capabilities []string
}

// GetTemplateSummary reads what a template at url declares.
func (d *Deployer) GetTemplateSummary(ctx context.Context, url string) (*templateSummary, error) {
	out, err := d.CFN.GetTemplateSummary(ctx, &cloudformation.GetTemplateSummaryInput{TemplateURL: aws.String(url)})
	if err != nil {
		return nil, err
	}
	s := &templateSummary{params: out.Parameters}
	for _, c := range out.Capabilities {
		s.capabilities = append(s.capabilities, string(c))
	}
	return s, nil
}

// preflight reads the live main template and refuses a plan it cannot
// take; on a create it also refuses buckets that already exist.
func (d *Deployer) preflight(ctx context.Context, p *plan.Plan, creating bool) (*templateSummary, error) {
	s, err := d.GetTemplateSummary(ctx, p.Template.URL)
	if err != nil {
		return nil, &Refusal{Reason: fmt.Sprintf("cannot read the main template %s: %v", p.Template.URL, err),
			Hint: templateHint(p)}
	}
	declared := map[string]cftypes.ParameterDeclaration{}
	for _, decl := range s.params {
		declared[aws.ToString(decl.ParameterKey)] = decl
	}
	sent := map[string]bool{}
	var extra, missing []string
	for _, x := range p.Sent() {
		sent[x.Name] = true
		if _, ok := declared[x.Name]; !ok {
			extra = append(extra, x.Name+" (from "+orDash(x.From)+")")
		}
	}
	for _, decl := range s.params {
		if name := aws.ToString(decl.ParameterKey); decl.DefaultValue == nil && !sent[name] {
			missing = append(missing, name)
		}
	}
	if len(extra) > 0 {
		return nil, &Refusal{Reason: fmt.Sprintf("the live main template (%s) does not declare %d parameter(s) hpctl would send:", p.Template.URL, len(extra)),
			Problems: extra, Hint: planHint(p)}
	}
	if len(missing) > 0 {
		return nil, &Refusal{Reason: "the live main template requires parameters the spec leaves unset:", Problems: missing,
			Hint: planHint(p)}
	}
	if creating {
		var taken []string
		for _, b := range p.NewBuckets() {
			if exists, err := d.bucketExists(ctx, b); err != nil {
				return nil, err
			} else if exists != "" {
				taken = append(taken, b+": "+exists)
			}
		}
		if len(taken) > 0 {
			return nil, &Refusal{Reason: "buckets the deployment would create already exist, so its S3 stack would fail:", Problems: taken,
				Hint: "bring the bucket with storage.bucket.name, or choose another metadata.resourcePrefix"}
		}
	}
	return s, nil
}

// planHint says what the plan was made from when CloudFormation reads a
// template that disagrees with it.
func planHint(p *plan.Plan) string {
	t := p.Template
	return fmt.Sprintf("the plan was made from the template %s read %s (sha256 %.12s, %d parameters); the template at %s has changed since: plan again, or pin templates.version",
		t.URL, t.Read, t.SHA256, t.Parameters, t.URL)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func templateHint(p *plan.Plan) string {
	if p.Template.Source == "custom" {
		return fmt.Sprintf("fill the bucket first: hpctl templates upload --bucket %s --dir DIR (or templates mirror)", p.Template.Bucket)
	}
	return "check templates.stage, templates.version and the region"
}

// bucketExists says who holds a bucket of that name: "" for nobody.
func (d *Deployer) bucketExists(ctx context.Context, bucket string) (string, error) {
	_, err := d.S3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)})
	switch {
	case err == nil:
		return "exists in this account", nil
	case cloud.Forbidden(err):
		return "exists in another account", nil
	case cloud.BucketMissing(err):
		return "", nil
	}
	return "", fmt.Errorf("check bucket %s: %w", bucket, err)
}
