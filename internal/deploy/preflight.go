package deploy

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/hpctl/hpctl/internal/cloud"
	"github.com/hpctl/hpctl/internal/plan"
)

// templateSummary is what a template declares, as CloudFormation read it.
type templateSummary struct {
	params       []declared
	capabilities []string
}

// declared is one parameter a template declares.
type declared struct {
	key    string
	def    *string
	noEcho bool
}

// declares reports whether the template declares a parameter.
func (s *templateSummary) declares(key string) bool {
	return slices.ContainsFunc(s.params, func(d declared) bool { return d.key == key })
}

// validate has CloudFormation check a template, by URL or by body, and
// returns what it declares. It is the check every template hpctl creates
// passes before anything changes: a template CloudFormation cannot take is
// refused in CloudFormation's own words.
func (d *Deployer) validate(ctx context.Context, url, body string) (*templateSummary, error) {
	in := &cloudformation.ValidateTemplateInput{}
	if body != "" {
		in.TemplateBody = aws.String(body)
	} else {
		in.TemplateURL = aws.String(url)
	}
	out, err := d.CFN.ValidateTemplate(ctx, in)
	if err != nil {
		return nil, err
	}
	s := &templateSummary{}
	for _, p := range out.Parameters {
		s.params = append(s.params, declared{key: aws.ToString(p.ParameterKey), def: p.DefaultValue, noEcho: aws.ToBool(p.NoEcho)})
	}
	for _, c := range out.Capabilities {
		s.capabilities = append(s.capabilities, string(c))
	}
	return s, nil
}

// invalid is the refusal of a template ValidateTemplate did not pass: a
// template error is the template's, anything else (a missing object, a
// denied read) is where it is kept.
func invalid(what, where string, err error, hint string) error {
	if cloud.Code(err) == "ValidationError" {
		return &Refusal{Reason: fmt.Sprintf("CloudFormation refuses the %s template %s (ValidateTemplate): %s", what, where, cloud.Message(err)), Hint: hint}
	}
	return &Refusal{Reason: fmt.Sprintf("cannot read the %s template %s (ValidateTemplate): %v", what, where, err), Hint: hint}
}

// preflight validates the live main template and refuses a plan it
// cannot take.
func (d *Deployer) preflight(ctx context.Context, p *plan.Plan) (*templateSummary, error) {
	s, err := d.validate(ctx, p.Template.URL, "")
	if err != nil {
		hint := templateHint(p)
		if cloud.Code(err) == "ValidationError" {
			hint = "the template is not hpctl's to fix: correct it in the bucket, or deploy from the hosted templates"
		}
		return nil, invalid("main", p.Template.URL, err, hint)
	}
	sent := map[string]bool{}
	var extra, missing []string
	for _, x := range p.Sent() {
		sent[x.Name] = true
		if !s.declares(x.Name) {
			extra = append(extra, x.Name+" (from "+orDash(x.From)+")")
		}
	}
	for _, decl := range s.params {
		if decl.def == nil && !sent[decl.key] {
			missing = append(missing, decl.key)
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
	return s, nil
}

// bucketsFree refuses a create whose S3 stack would fail on a bucket name
// that is already taken.
func (d *Deployer) bucketsFree(ctx context.Context, p *plan.Plan) error {
	var taken []string
	for _, b := range p.NewBuckets() {
		if exists, err := d.bucketExists(ctx, b); err != nil {
			return err
		} else if exists != "" {
			taken = append(taken, b+": "+exists)
		}
	}
	if len(taken) > 0 {
		return &Refusal{Reason: "buckets the deployment would create already exist, so its S3 stack would fail:", Problems: taken,
			Hint: "bring the bucket with storage.bucket.name, or choose another metadata.resourcePrefix"}
	}
	return nil
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
