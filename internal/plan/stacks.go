package plan

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/hpctl/hpctl/internal/catalog"
	"github.com/hpctl/hpctl/internal/template"
)

// stacks lists the plan's stacks in the template's order: every catalog
// stack the template has, and every nested stack of the template the
// catalog does not know; each created or skipped as the template's own
// condition decides. Companion stacks, which no condition covers, follow.
func (r *resolver) stacks(p *Plan) error {
	r.owner = map[string]string{}
	added := map[string]bool{}
	for _, res := range r.tpl.Resources {
		cs, known := r.cat.ByLogicalID(res.ID)
		switch {
		case !known && res.Type != template.StackType:
			continue
		case !known:
			r.owner[res.ID] = res.ID
			st, err := r.decideUnknown(res)
			if err != nil {
				return err
			}
			p.Stacks = append(p.Stacks, st)
			continue
		}
		r.owner[res.ID] = cs.Name
		if added[cs.Name] {
			continue
		}
		added[cs.Name] = true
		for _, in := range r.cat.Stacks {
			if in.Kind == catalog.Inside && in.Host == cs.Name {
				st, err := r.decideInside(in, res)
				if err != nil {
					return err
				}
				p.Stacks = append(p.Stacks, st)
			}
		}
		created, err := r.ev.Created(res.ID)
		if err != nil {
			return err
		}
		p.Stacks = append(p.Stacks, r.decide(cs, created, r.tpl.Describe(res.Condition)))
	}
	for _, cs := range r.cat.Stacks {
		if cs.Kind == catalog.Companion {
			in, asked := r.intents[cs.Name]
			st := r.decide(cs, asked && in.create, "hpctl deploys it as its own stack")
			if t := r.template(); t.Source == "custom" {
				st.TemplateURL = BucketURL(t.Bucket, r.region, path.Dir(t.Key)+"/"+cs.Template)
			} else {
				st.OwnTemplate = true
			}
			p.Stacks = append(p.Stacks, st)
		}
	}
	r.suppliedBy(p)
	return nil
}

// decide sets a catalog stack's action and its reason from the spec's intent.
func (r *resolver) decide(s catalog.Stack, created bool, condition string) Stack {
	out := Stack{
		Name: s.Name, LogicalIDs: s.LogicalIDs, Kind: s.Kind, Core: s.Core, Known: true, Condition: condition,
		Creates: s.Creates, Note: s.Note, TopLevelName: r.topLevelName(s), Action: Skip,
	}
	if created {
		out.Action = Create
		for _, b := range s.Buckets {
			out.Buckets = append(out.Buckets, strings.ReplaceAll(b, "<prefix>", r.c.ResourcePrefix()))
		}
	}
	in, asked := r.intents[s.Name]
	switch {
	case asked:
		out.Reason, out.DecidedBy = in.reason, in.path
	case created:
		out.Reason = "the template creates it: " + condition
	default:
		out.Reason = "off at the template default (" + condition + "); the spec has no setting for it"
	}
	return out
}

// decideInside decides a stack made of resources inside its host: created
// with the host, when the host is handed its switch as 'true'.
func (r *resolver) decideInside(s catalog.Stack, host template.Resource) (Stack, error) {
	created, err := r.ev.Created(host.ID)
	if err != nil {
		return Stack{}, err
	}
	condition := r.tpl.Describe(host.Condition)
	if s.HostParam != "" {
		params, _ := host.Properties["Parameters"].(map[string]any)
		v, err := r.ev.Resolve(params[s.HostParam])
		if err != nil {
			return Stack{}, fmt.Errorf("%s.%s: %w", host.ID, s.HostParam, err)
		}
		created = created && v.String() == "true"
		if c := template.IfCondition(params[s.HostParam]); c != "" {
			condition += " and " + r.tpl.Describe(c)
		} else {
			condition += " and " + s.HostParam + " = true"
		}
	}
	return r.decide(s, created, condition), nil
}

// decideUnknown plans a nested stack hpctl does not know from the template
// alone: its condition decides, and the spec has no say.
func (r *resolver) decideUnknown(res template.Resource) (Stack, error) {
	created, err := r.ev.Created(res.ID)
	if err != nil {
		return Stack{}, err
	}
	cond := r.tpl.Describe(res.Condition)
	out := Stack{Name: res.ID, LogicalIDs: []string{res.ID}, Kind: catalog.Nested, Condition: cond, Action: Skip,
		Reason: "not known to hpctl; the template skips it: " + cond}
	if created {
		out.Action, out.Reason = Create, "not known to hpctl; the template creates it: "+cond
	}
	if file := r.templateFile(res); file != "" {
		out.Creates = "what " + file + " makes"
	}
	return out, nil
}

// templateFile is the file a nested stack reads, as the template composes
// its URL for this plan ("" when it is known only once the stack runs).
func (r *resolver) templateFile(res template.Resource) string {
	v, err := r.ev.Resolve(res.Properties["TemplateURL"])
	if err != nil || !v.Known() {
		return ""
	}
	return path.Base(v.String())
}

func (r *resolver) topLevelName(s catalog.Stack) string {
	n := strings.ReplaceAll(s.TopLevelName, "<prefix>", r.c.ResourcePrefix())
	return strings.ReplaceAll(n, "<stack>", r.c.StackName())
}

// created reports whether the plan creates a template resource.
func (r *resolver) created(id string) bool {
	ok, err := r.ev.Created(id)
	return ok && err == nil
}

// stackOf is the plan stack a template resource belongs to (its own
// logical ID when it belongs to none).
func (r *resolver) stackOf(id string) string {
	if n, ok := r.owner[id]; ok {
		return n
	}
	return id
}

// reads is what each created resource reads, in the template's order.
type reads struct {
	res  template.Resource
	refs template.Refs
}

func (r *resolver) reads() ([]reads, error) {
	var out []reads
	for _, res := range r.tpl.Resources {
		if !r.created(res.ID) {
			continue
		}
		_, refs, err := r.ev.ResolveProperties(res.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, reads{res: res, refs: refs})
	}
	return out, nil
}

// suppliedBy records, for each skipped stack, the parameters its created
// consumers read in place of its outputs.
func (r *resolver) suppliedBy(p *Plan) {
	all, err := r.reads()
	if err != nil {
		return // stacks() reports what cannot be evaluated
	}
	for _, rd := range all {
		for _, si := range rd.refs.StandIns {
			if path, _ := paramPath(r.c.Orchestrator, si.Param); path == "" {
				continue // optional in place of the output: nothing to supply
			}
			for _, f := range si.For {
				for i, s := range p.Stacks {
					if s.Name == r.stackOf(f.ID) && s.Action == Skip && !slices.Contains(s.SuppliedBy, si.Param) {
						p.Stacks[i].SuppliedBy = append(p.Stacks[i].SuppliedBy, si.Param)
					}
				}
			}
		}
	}
}

// couplings checks what the created resources read: a resource the plan
// does not create makes CloudFormation reject the template, and a parameter
// read in its place must come from the spec.
func (r *resolver) couplings(p *Plan, explained map[string]bool) {
	all, err := r.reads()
	if err != nil {
		r.errf("templates", "cannot evaluate the main template (%s): %v", r.main.Origin.URL, err)
		return
	}
	reported := map[string]bool{}
	need := func(consumer, from, how string) {
		key := consumer + "→" + from
		if reported[key] || consumer == from || explained[from] {
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
	type requirement struct {
		from    string
		readers []string
	}
	required := map[string]*requirement{}
	var order []string
	for _, rd := range all {
		consumer := r.stackOf(rd.res.ID)
		for _, ref := range rd.refs.Resources {
			if r.created(ref.ID) {
				continue
			}
			how := "reads " + r.stackOf(ref.ID) + "." + strings.TrimPrefix(ref.Attr, "Outputs.")
			if slices.Contains(rd.refs.Direct, ref) {
				how += " unconditionally"
			}
			need(consumer, r.stackOf(ref.ID), how)
		}
		for _, d := range rd.res.DependsOn {
			if !r.created(d) {
				need(consumer, r.stackOf(d), "names "+r.stackOf(d)+" in DependsOn")
			}
		}
		for _, si := range rd.refs.StandIns {
			from := r.stackOf(si.For[0].ID)
			if path, _ := paramPath(r.c.Orchestrator, si.Param); path == "" || r.supplied(si.Param) ||
				slices.ContainsFunc(si.For, func(f template.Ref) bool { return explained[r.stackOf(f.ID)] }) {
				continue
			}
			q := required[si.Param]
			if q == nil {
				q = &requirement{from: from}
				required[si.Param] = q
				order = append(order, si.Param)
			}
			if !slices.Contains(q.readers, consumer) {
				q.readers = append(q.readers, consumer)
			}
		}
	}
	for _, param := range order {
		r.required(param, required[param].from, required[param].readers)
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
func (r *resolver) required(param, from string, readers []string) {
	path, hint := paramPath(r.c.Orchestrator, param)
	in := r.intents[from]
	because := "its source " + from + " is skipped"
	if in.path != "" {
		because = fmt.Sprintf("%s is skipped (%s)", from, in.reason)
	}
	r.errf(path, "is required: %s feeds %s, and %s%s", param, strings.Join(readers, ", "), because, hint)
}

// order lists the created stacks in an order CloudFormation could create
// them: each after every stack it reads or names in DependsOn, ties broken
// by the template's order; companions first. Deletion takes the reverse,
// companions still last: they outlive nothing.
func (r *resolver) order(p *Plan) (create, destroy []string) {
	after := map[string][]string{}
	for _, res := range r.tpl.Resources {
		name, owned := r.owner[res.ID]
		if !owned || !r.created(res.ID) {
			continue
		}
		deps, err := r.ev.Deps(res.ID)
		if err != nil {
			continue // couplings() reports it
		}
		for _, d := range deps {
			dn, stack := r.owner[d]
			if stack && dn != name && r.created(d) && !slices.Contains(after[name], dn) {
				after[name] = append(after[name], dn)
			}
		}
	}
	var pending, companions []string
	for _, s := range p.Stacks {
		switch {
		case s.Action != Create || s.Kind == catalog.Inside: // inside goes with its host
		case s.Kind == catalog.Companion:
			companions = append(companions, s.Name)
		default:
			pending = append(pending, s.Name)
		}
	}
	nested, err := template.Order(pending, after)
	if err != nil {
		r.errf("templates", "the main template's stacks: %v", err)
		return nil, nil
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
