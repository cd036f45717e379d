package plan

import (
	"fmt"
	"slices"

	"github.com/hpctl/hpctl/internal/catalog"
	"github.com/hpctl/hpctl/internal/spec"
	"github.com/hpctl/hpctl/internal/template"
)

// Resolve plans a spec against the main template in opts: the one the
// deploy will send, or hpctl's embedded copy of the newest hosted one. It
// returns the plan and every
// finding; the plan is nil when the spec cannot be planned at all (no valid
// orchestrator) and must not be used when the findings include errors.
func Resolve(c *spec.Cluster, opts Options) (*Plan, spec.Diagnostics) {
	cat, err := catalog.For(string(c.Orchestrator))
	if err != nil {
		return nil, nil // spec validation already reports the orchestrator
	}
	main := opts.Main
	if main == nil || main.Template == nil {
		return nil, spec.Diagnostics{c.Diag(spec.Error, "", "internal: no main template to plan against")}
	}
	r := &resolver{c: c, cat: cat, main: main, tpl: main.Template, region: opts.Region, intents: map[string]intent{}, params: map[string]*Param{}}
	if r.region == "" {
		r.errf("metadata.region", "no region: set metadata.region, or pass --region, or set AWS_REGION")
	}
	r.own = r.scripts()
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
	r.checkValues(p)
	if r.ev != nil {
		explained := r.mismatches(p)
		r.couplings(p, explained)
		r.rules(p)
	}
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
	main    *template.Main
	tpl     *template.Template
	ev      *template.Evaluation
	region  string
	intents map[string]intent
	params  map[string]*Param
	notSent []Param
	// owner maps a template resource to the plan stack it belongs to.
	owner map[string]string
	slots []Group
	// own are the user's own lifecycle folders (nil: none).
	own   *Scripts
	diags spec.Diagnostics
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
// user did not write that path, the value is hpctl's and why says so. A
// parameter the template does not declare is never sent: a value the user
// wrote is then an error, and one of hpctl's own is dropped as drift.
func (r *resolver) set(name, value, path, why string) {
	p := &Param{Name: name, Value: value, Sent: true, Source: FromSpec, From: path}
	if path == "" || !r.c.Has(path) {
		p.Source, p.From = FromHpctl, why
		if why == "" {
			p.From = path
		}
	}
	if _, ok := r.tpl.Parameter(name); !ok {
		if p.Source == FromSpec {
			r.errf(path, "the main template (%s) does not declare %s, which this setting needs; remove the setting, or pin "+
				"templates.version to a template that has it", r.main.Origin.URL, name)
		} else {
			p.Sent = false
			r.notSent = append(r.notSent, *p)
		}
		return
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
	if d, ok := r.tpl.Parameter(name); ok && d.Default != nil {
		return *d.Default
	}
	return ""
}

// declares reports whether the template has a parameter.
func (r *resolver) declares(name string) bool {
	_, ok := r.tpl.Parameter(name)
	return ok
}

// blankPlaceholders sends the neutral value for every placeholder default the
// spec left unset, so that no example ID ever reaches CloudFormation, even
// in a parameter no stack reads.
func (r *resolver) blankPlaceholders() {
	for _, d := range r.cat.Params {
		decl, declared := r.tpl.Parameter(d.Name)
		if _, sent := r.params[d.Name]; !d.Placeholder || sent || !declared || decl.Default == nil {
			continue
		}
		r.params[d.Name] = &Param{Name: d.Name, Value: d.Blank, Sent: true, Source: FromHpctl,
			From: "blanks the template's placeholder default " + clip(*decl.Default, 40)}
	}
}

// build assembles the plan: every parameter in template order, and each
// stack's action as the template's own condition decides it.
func (r *resolver) build() *Plan {
	c, cat := r.c, r.cat
	p := &Plan{
		Orchestrator:   cat.Name,
		Cluster:        c.Metadata.Name,
		Region:         r.region,
		StackName:      c.StackName(),
		ResourcePrefix: c.ResourcePrefix(),
		Template:       r.template(),
		Capabilities:   slices.Clone(cat.Capabilities),
		InstanceGroups: r.slots,
		Scripts:        r.own,
	}
	p.Tags = r.stackTags(p.Template)
	values := map[string]string{}
	for _, d := range r.tpl.Parameters {
		x, ok := r.params[d.Name]
		switch {
		case ok:
			p.Parameters = append(p.Parameters, *x)
			values[d.Name] = x.Value
		case d.Default != nil:
			p.Parameters = append(p.Parameters, Param{Name: d.Name, Value: *d.Default, Source: FromTemplate})
		default:
			p.Parameters = append(p.Parameters, Param{Name: d.Name, Source: FromTemplate})
			r.errf("templates", "the main template (%s) requires %s, which hpctl does not know how to set: "+
				"pin templates.version to a template hpctl knows", r.main.Origin.URL, d.Name)
		}
	}
	r.ev = r.tpl.Evaluate(template.Env{Params: values, Region: r.region, StackName: p.StackName})
	if err := r.stacks(p); err != nil {
		r.errf("templates", "cannot evaluate the main template (%s): %v", r.main.Origin.URL, err)
		r.ev = nil
		return p
	}
	p.CreateOrder, p.DestroyOrder = r.order(p)
	p.Drift = r.drift(p)
	return p
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

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
