package plan

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/hpctl/hpctl/internal/catalog"
	"github.com/hpctl/hpctl/internal/spec"
)

// Resolve plans a spec. It returns the plan and every finding; the plan is
// nil when the spec cannot be planned at all (no valid orchestrator) and
// must not be used when the findings include errors.
func Resolve(c *spec.Cluster, opts Options) (*Plan, spec.Diagnostics) {
	cat, err := catalog.For(string(c.Orchestrator))
	if err != nil {
		return nil, nil // spec validation already reports the orchestrator
	}
	r := &resolver{c: c, cat: cat, region: opts.Region, intents: map[string]intent{}, params: map[string]*Param{}}
	if r.region == "" {
		r.errf("metadata.region", "no region: set metadata.region, or pass --region, or set AWS_REGION")
	}
	r.common()
	switch c.Orchestrator {
	case spec.EKS:
		r.eks()
	case spec.Slurm:
		r.slurm()
	}
	r.groups()
	r.blankPlaceholders()
	p := r.build()
	explained := r.mismatches(p)
	r.couplings(p, explained)
	r.rules(p)
	p.Warnings = append([]spec.Diagnostic{}, r.diags.Warnings()...)
	return p, r.diags
}

// intent is what the spec asks of one catalog stack, and why.
type intent struct {
	create bool
	reason string
	path   string
}

type resolver struct {
	c       *spec.Cluster
	cat     *catalog.Orchestration
	region  string
	intents map[string]intent
	params  map[string]*Param
	slots   []Group
	diags   spec.Diagnostics
}

func (r *resolver) errf(path, format string, args ...any) {
	r.diags = append(r.diags, r.c.Diag(spec.Error, path, format, args...))
}

func (r *resolver) warnf(path, format string, args ...any) {
	r.diags = append(r.diags, r.c.Diag(spec.Warning, path, format, args...))
}

// hasError reports whether a finding already sits at path or below it.
func (r *resolver) hasError(path string) bool {
	for _, d := range r.diags {
		if d.Severity == spec.Error && path != "" && spec.Under(d.Path, path) {
			return true
		}
	}
	return false
}

// set sends a parameter. path is the spec path the value comes from; when the
// user did not write that path, the value is hpctl's and why says so.
func (r *resolver) set(name, value, path, why string) {
	if _, ok := r.cat.Param(name); !ok {
		// A catalog test keeps this from happening; refuse rather than send it.
		r.errf(path, "internal: hpctl would send %s, which the %s main stack does not declare", name, r.cat.Name)
		return
	}
	p := &Param{Name: name, Value: value, Sent: true, Source: FromSpec, From: path}
	if path == "" || !r.c.Has(path) {
		p.Source, p.From = FromHpctl, why
		if why == "" {
			p.From = path
		}
	}
	r.params[name] = p
}

// setIf sends a parameter only when the spec wrote it.
func (r *resolver) setIf(name, value, path string) {
	if value != "" {
		r.set(name, value, path, "")
	}
}

// toggle sends a 'true'/'false' switch.
func (r *resolver) toggle(name string, on bool, path, why string) {
	r.set(name, fmt.Sprint(on), path, why)
}

// want records what the spec asks of a catalog stack.
func (r *resolver) want(stack string, create bool, path, format string, args ...any) {
	r.intents[stack] = intent{create: create, path: path, reason: fmt.Sprintf(format, args...)}
}

// value is a parameter's effective value: sent, or the template default.
func (r *resolver) value(name string) string {
	if p, ok := r.params[name]; ok {
		return p.Value
	}
	d, _ := r.cat.Param(name)
	return d.Default
}

// blankPlaceholders sends the neutral value for every placeholder default the
// spec left unset, so that no example ID ever reaches CloudFormation, even
// in a parameter no stack reads.
func (r *resolver) blankPlaceholders() {
	for _, d := range r.cat.Params {
		if _, sent := r.params[d.Name]; d.Placeholder && !sent {
			r.params[d.Name] = &Param{Name: d.Name, Value: d.Blank, Sent: true, Source: FromHpctl,
				From: "blanks the template's placeholder default " + clip(d.Default, 40)}
		}
	}
}

// build assembles the plan: every parameter in template order, and each
// stack's action as the template's own condition decides it.
func (r *resolver) build() *Plan {
	c, cat := r.c, r.cat
	p := &Plan{
		Orchestrator:    cat.Name,
		Cluster:         c.Metadata.Name,
		Region:          r.region,
		StackName:       c.StackName(),
		ResourcePrefix:  c.ResourcePrefix(),
		TemplateVersion: cat.Version,
		Template:        r.template(),
		Capabilities:    slices.Clone(cat.Capabilities),
		Tags:            r.stackTags(),
		InstanceGroups:  r.slots,
	}
	for _, d := range cat.Params {
		if x, ok := r.params[d.Name]; ok {
			p.Parameters = append(p.Parameters, *x)
		} else {
			p.Parameters = append(p.Parameters, Param{Name: d.Name, Value: d.Default, Source: FromTemplate})
		}
	}
	for _, s := range cat.Stacks {
		p.Stacks = append(p.Stacks, r.decide(s))
	}
	r.suppliedBy(p)
	p.CreateOrder, p.DestroyOrder = r.order(p)
	return p
}

// decide sets a stack's action from the template's condition (a companion
// from the spec, since no condition of the main stack covers it) and its
// reason from the spec's intent.
func (r *resolver) decide(s catalog.Stack) Stack {
	out := Stack{
		Name: s.Name, LogicalIDs: s.LogicalIDs, Kind: s.Kind, Core: s.Core, Condition: s.When.String(),
		Creates: s.Creates, Note: s.Note, TopLevelName: r.topLevelName(s),
	}
	in, asked := r.intents[s.Name]
	created := s.When.Eval(r.value, r.region)
	if s.Kind == catalog.Companion {
		created, out.Condition = asked && in.create, "hpctl deploys it as its own stack"
		t := r.template()
		out.TemplateURL = BucketURL(t.Bucket, r.region, path.Dir(t.Key)+"/"+s.Template)
	}
	out.Action = Skip
	if created {
		out.Action = Create
		for _, b := range s.Buckets {
			out.Buckets = append(out.Buckets, strings.ReplaceAll(b, "<prefix>", r.c.ResourcePrefix()))
		}
	}
	switch {
	case asked:
		out.Reason, out.DecidedBy = in.reason, in.path
	case created:
		out.Reason = "the template creates it: " + s.When.String()
	default:
		out.Reason = "off at the template default (" + s.When.String() + "); the spec has no setting for it"
	}
	return out
}

func (r *resolver) topLevelName(s catalog.Stack) string {
	n := strings.ReplaceAll(s.TopLevelName, "<prefix>", r.c.ResourcePrefix())
	return strings.ReplaceAll(n, "<stack>", r.c.StackName())
}

// suppliedBy records, for each skipped stack, the parameters that take the
// place of its outputs for the stacks that are created.
func (r *resolver) suppliedBy(p *Plan) {
	for i, s := range p.Stacks {
		if s.Action == Create {
			continue
		}
		for _, f := range r.cat.Feeds {
			if f.From != s.Name || f.Else == "" || slices.Contains(p.Stacks[i].SuppliedBy, f.Else) {
				continue
			}
			for _, to := range f.To {
				if c, _ := p.Stack(to); c.Action == Create {
					p.Stacks[i].SuppliedBy = append(p.Stacks[i].SuppliedBy, f.Else)
					break
				}
			}
		}
	}
}

// mismatches turns a stack the spec asks for but the template would not
// create (or the reverse) into an error: the template's silent traps. It
// returns the stacks whose absence is now explained, so that the couplings
// they break are not reported again as separate problems.
func (r *resolver) mismatches(p *Plan) map[string]bool {
	explained := map[string]bool{}
	for _, s := range p.Stacks {
		in, asked := r.intents[s.Name]
		if !asked || in.create == (s.Action == Create) || s.Kind == catalog.Companion {
			continue
		}
		cs, _ := r.cat.Stack(s.Name)
		explained[s.Name] = true
		if cs.Host != "" {
			explained[cs.Host] = true
		}
		if r.hasError(in.path) {
			continue // the mapping already said why
		}
		if in.create {
			path, msg := r.trap(s.Name)
			if msg == "" {
				path, msg = in.path, fmt.Sprintf("asks for %s, but the template would not create it (%s)", s.Name, s.Condition)
			}
			r.errf(path, "%s", msg)
		} else {
			r.errf(in.path, "internal: the template would create %s although the spec does not ask for it (%s)", s.Name, s.Condition)
		}
	}
	return explained
}

// couplings checks what the stacks read from each other: a created consumer
// reading a skipped stack's output makes CloudFormation reject the template,
// and a consumer reading a parameter in its place needs the spec to supply it.
func (r *resolver) couplings(p *Plan, explained map[string]bool) {
	created := func(name string) bool { s, _ := p.Stack(name); return s.Action == Create }
	reported := map[string]bool{}
	need := func(consumer, from, how string) {
		key := consumer + "→" + from
		if reported[key] {
			return
		}
		reported[key] = true
		in, fin := r.intents[consumer], r.intents[from]
		path := in.path
		if path == "" {
			path = fin.path
		}
		why := "it is not created"
		if fin.path != "" {
			why = fmt.Sprintf("%s skips it", fin.path)
		}
		r.errf(path, "%s needs %s: it %s, but %s; CloudFormation would reject the template", consumer, from, how, why)
	}
	for _, f := range r.cat.Feeds {
		if explained[f.From] {
			continue
		}
		picksOutput := f.When.Eval(r.value, r.region)
		var readers []string
		for _, to := range f.To {
			if !created(to) {
				continue
			}
			switch {
			case picksOutput && !created(f.From):
				how := "reads " + f.From + "." + f.Output
				if f.When.Always() {
					how += " unconditionally"
				}
				need(to, f.From, how)
			case !picksOutput && f.Else != "" && !r.supplied(f.Else):
				readers = append(readers, to)
			}
		}
		if len(readers) > 0 {
			r.required(f, readers)
		}
	}
	for _, s := range r.cat.Stacks {
		if !created(s.Name) {
			continue
		}
		for _, d := range s.DependsOn {
			if !created(d) && !explained[d] {
				need(s.Name, d, "names "+d+" in DependsOn")
			}
		}
	}
}

// supplied reports whether the spec (not a template default or a blank) gave
// a parameter its value.
func (r *resolver) supplied(name string) bool {
	x, ok := r.params[name]
	return ok && x.Value != "" && !strings.HasPrefix(x.From, "blanks ")
}

// required reports a parameter that consumers read because its source stack
// is skipped, and that the spec does not supply.
func (r *resolver) required(f catalog.Feed, readers []string) {
	path, hint := paramPath(r.c.Orchestrator, f.Else)
	from := r.intents[f.From]
	because := "its source " + f.From + " is skipped"
	if from.path != "" {
		because = fmt.Sprintf("%s is skipped (%s)", f.From, from.reason)
	}
	r.errf(path, "is required: %s feeds %s, and %s%s", f.Else, strings.Join(readers, ", "), because, hint)
}

// order lists the created stacks in creation order (companions last) and the
// reverse for deletion (companions still last: they outlive nothing).
func (r *resolver) order(p *Plan) (create, destroy []string) {
	all, err := r.cat.CreateOrder()
	if err != nil {
		r.errf("", "internal: %v", err)
		return nil, nil
	}
	var nested, companions []string
	for _, name := range all {
		s, _ := p.Stack(name)
		switch {
		case s.Action != Create || s.Kind == catalog.Inside: // inside goes with its host
		case s.Kind == catalog.Companion:
			companions = append(companions, name)
		default:
			nested = append(nested, name)
		}
	}
	// Companions are created first and destroyed last: deploy makes them
	// before the main stack, so that a companion that cannot be made (the
	// SSM stack's export is one per account and region) fails the deploy
	// before a cluster is built.
	create = append(slices.Clone(companions), nested...)
	destroy = slices.Clone(nested)
	slices.Reverse(destroy)
	return create, append(destroy, companions...)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
