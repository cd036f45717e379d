package template

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Nested is a nested stack of a parent template, as a template store must
// hold it: its template's key, and the parameters the parent passes it.
type Nested struct {
	// Resource is the nested stack's logical ID in the parent.
	Resource string
	// Key is where the store holds its template.
	Key string
	// Passed are the parameter keys the parent passes it.
	Passed []string
}

// Problem is one way a store's templates are out of step with each other:
// what CloudFormation would refuse once it got that far.
type Problem struct {
	// Key is the object at fault.
	Key  string
	Text string
}

func (p Problem) String() string { return p.Key + " " + p.Text }

// Checked is what CheckNested found.
type Checked struct {
	// Templates are the nested templates read, by key.
	Templates map[string]*Template
	Problems  []Problem
	// Unchecked are the nested templates that could not be read (offline,
	// unreachable, denied): whether they are in step is not known.
	Unchecked []string
}

// readers bounds the reads of one check that run at once.
const readers = 8

// CheckNested reads each nested stack's template from store, each key once
// and several at a time, and reports what CloudFormation would refuse when
// it creates the nested stack: a template that is not there or is not a
// template, a parameter passed that it does not declare ("Parameters: [X]
// do not exist in the template"), and one it requires that is not passed
// ("Parameters: [X] must have values").
func CheckNested(ctx context.Context, store Store, nested []Nested) Checked {
	var keys []string
	for _, n := range nested {
		if !slices.Contains(keys, n.Key) {
			keys = append(keys, n.Key)
		}
	}
	type read struct {
		t   *Template
		err error
	}
	got := make([]read, len(keys))
	var wg sync.WaitGroup
	slots := make(chan struct{}, readers)
	for i, k := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			obj, err := store.Get(ctx, k)
			if err != nil {
				got[i] = read{err: err}
				return
			}
			t, err := Parse(obj.Body)
			if err != nil {
				err = &ParseError{Where: store.Where(k), Err: err}
			}
			got[i] = read{t: t, err: err}
		}()
	}
	wg.Wait()

	out := Checked{Templates: map[string]*Template{}}
	reported := map[string]bool{}
	for _, n := range nested {
		r := got[slices.Index(keys, n.Key)]
		switch {
		case r.err == nil:
			out.Problems = append(out.Problems, mismatch(r.t, n)...)
			out.Templates[n.Key] = r.t
		case reported[n.Key]:
		case errors.Is(r.err, ErrNotFound):
			out.Problems = append(out.Problems, Problem{Key: n.Key, Text: fmt.Sprintf("is not there; the template of %s", n.Resource)})
		case errors.As(r.err, new(*ParseError)):
			out.Problems = append(out.Problems, Problem{Key: n.Key, Text: fmt.Sprintf("is not a template (%v); the template of %s", errors.Unwrap(r.err), n.Resource)})
		default:
			out.Unchecked = append(out.Unchecked, brief(r.err))
		}
		reported[n.Key] = true
	}
	return out
}

// mismatch compares what a parent passes a nested stack with what its
// template declares.
func mismatch(t *Template, n Nested) []Problem {
	var extra, missing []string
	for _, k := range n.Passed {
		if _, ok := t.Parameter(k); !ok {
			extra = append(extra, k)
		}
	}
	for _, p := range t.Parameters {
		if p.Default == nil && !slices.Contains(n.Passed, p.Name) {
			missing = append(missing, p.Name)
		}
	}
	var out []Problem
	if len(extra) > 0 {
		out = append(out, Problem{Key: n.Key, Text: fmt.Sprintf("does not declare %s, which %s is passed (CloudFormation: \"Parameters: [%s] do not exist in the template\")",
			strings.Join(extra, ", "), n.Resource, strings.Join(extra, ", "))})
	}
	if len(missing) > 0 {
		out = append(out, Problem{Key: n.Key, Text: fmt.Sprintf("requires %s, which %s is not passed (CloudFormation: \"Parameters: [%s] must have values\")",
			strings.Join(missing, ", "), n.Resource, strings.Join(missing, ", "))})
	}
	return out
}

// Code is an S3 object a Lambda function or layer loads its code from.
type Code struct {
	Resource string
	Bucket   string
	Key      string
}

// LambdaCode lists the S3 objects the created Lambda functions and layers
// of the evaluated template load their code from, where the bucket and the
// key are known before the stack runs.
func (e *Evaluation) LambdaCode() ([]Code, error) {
	var out []Code
	for _, r := range e.t.Resources {
		var prop string
		switch r.Type {
		case "AWS::Lambda::Function":
			prop = "Code"
		case "AWS::Lambda::LayerVersion":
			prop = "Content"
		default:
			continue
		}
		if created, err := e.Created(r.ID); err != nil || !created {
			if err != nil {
				return nil, err
			}
			continue
		}
		loc, ok := r.Properties[prop]
		if !ok {
			continue
		}
		v, err := e.Resolve(loc)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", r.ID, prop, err)
		}
		bucket, key := v.Field("S3Bucket"), v.Field("S3Key")
		if bucket.Known() && key.Known() && bucket.String() != "" && key.String() != "" {
			out = append(out, Code{Resource: r.ID, Bucket: bucket.String(), Key: key.String()})
		}
	}
	return out, nil
}

// Field is one field of an object value (an empty value when it has none).
func (v Value) Field(name string) Value {
	m, _ := v.v.(map[string]any)
	x, ok := m[name]
	if !ok {
		return Value{v: ""}
	}
	return Value{v: x}
}

// Keys are the field names of an object value, sorted.
func (v Value) Keys() []string {
	m, _ := v.v.(map[string]any)
	return sortedKeys(m)
}

// NestedIn lists the nested stacks t may create, under any condition, from
// the templates in bucket, each with every parameter it may be passed: what
// a bucket must hold for any deployment of t from it.
func (t *Template) NestedIn(bucket, region string) ([]Nested, error) {
	params := map[string]string{}
	for _, p := range []string{"CustomBucketName", "CustomResourceS3Bucket"} {
		if _, ok := t.Parameter(p); ok {
			params[p] = bucket
		}
	}
	ev := t.Evaluate(Env{Params: params, Region: region})
	var out []Nested
	for _, r := range t.Resources {
		if r.Type != StackType {
			continue
		}
		v, err := ev.Resolve(r.Properties["TemplateURL"])
		if err != nil {
			return nil, fmt.Errorf("%s.TemplateURL: %w", r.ID, err)
		}
		b, key, ok := SplitURL(v.String())
		if !ok || b != bucket {
			continue
		}
		passed, _ := r.Properties["Parameters"].(map[string]any)
		out = append(out, Nested{Resource: r.ID, Key: key, Passed: sortedKeys(passed)})
	}
	return out, nil
}

// CodeCheck is what a store answered for one Lambda code object.
type CodeCheck struct {
	Code
	Has bool
	Err error
}

// CheckCode asks store for the Lambda code objects in bucket, each key
// once (the first Code that names it) and several at a time.
func CheckCode(ctx context.Context, store Store, bucket string, codes []Code) []CodeCheck {
	var out []CodeCheck
	seen := map[string]bool{}
	for _, c := range codes {
		if c.Bucket == bucket && !seen[c.Key] {
			seen[c.Key] = true
			out = append(out, CodeCheck{Code: c})
		}
	}
	var wg sync.WaitGroup
	slots := make(chan struct{}, readers)
	for i := range out {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			out[i].Has, out[i].Err = store.Has(ctx, out[i].Key)
		}()
	}
	wg.Wait()
	return out
}
