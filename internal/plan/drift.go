package plan

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/hpctl/hpctl/internal/catalog"
	"github.com/hpctl/hpctl/internal/template"
)

// drift compares the template with what hpctl knows of it. The plan
// follows the template either way; drift says where it does so blind.
func (r *resolver) drift(p *Plan) Drift {
	d := Drift{NotSent: r.notSent}
	for _, tp := range r.tpl.Parameters {
		cp, known := r.cat.Param(tp.Name)
		switch {
		case !known:
			dp := DriftParam{Name: tp.Name, Type: tp.Type, Required: tp.Default == nil}
			if tp.Default != nil {
				dp.Default = *tp.Default
			}
			d.UnknownParameters = append(d.UnknownParameters, dp)
		case r.params[tp.Name] == nil && tp.Default != nil && *tp.Default != cp.Default:
			d.ChangedDefaults = append(d.ChangedDefaults, DriftDefault{Name: tp.Name, Known: cp.Default, Template: *tp.Default})
		}
	}
	for _, cp := range r.cat.Params {
		if !r.declares(cp.Name) {
			d.MissingParameters = append(d.MissingParameters, cp.Name)
		}
	}
	for _, s := range p.Stacks {
		if !s.Known {
			ds := DriftStack{LogicalID: s.Name, Condition: s.Condition, Action: s.Action}
			if res, ok := r.tpl.Resource(s.Name); ok {
				ds.Template = r.templateFile(res)
			}
			d.UnknownStacks = append(d.UnknownStacks, ds)
		}
	}
	for _, cs := range r.cat.Stacks {
		if cs.Kind != catalog.Nested && cs.Kind != catalog.CustomResource {
			continue
		}
		if _, ok := p.Stack(cs.Name); !ok {
			if cs.Retired == "" { // a stack the newest template replaced is no drift
				d.MissingStacks = append(d.MissingStacks, cs.Name)
			}
			continue
		}
		// The catalog's knowledge of the condition, held against the
		// template's own decision for this plan's values.
		s, _ := p.Stack(cs.Name)
		if cs.When.Eval(r.value, r.region) != (s.Action == Create) {
			d.ChangedConditions = append(d.ChangedConditions, DriftCondition{Stack: cs.Name, Known: cs.When.String(), Template: s.Condition, Action: s.Action})
		}
	}
	return d
}

// checkValues holds every value hpctl sends to its declaration in the
// template: allowed values, pattern, length, number and range. A value the
// user wrote is reported at its spec path; one of hpctl's own that the
// template refuses means the template moved on.
func (r *resolver) checkValues(p *Plan) {
	for _, x := range p.Sent() {
		decl, ok := r.tpl.Parameter(x.Name)
		if !ok {
			continue
		}
		problem := valueProblem(decl, x.Value)
		if problem == "" {
			continue
		}
		if x.Source == FromSpec {
			r.errf(x.From, "%s for %s: %s", quoteValue(x.Value), x.Name, problem)
		} else {
			r.errf("templates", "the main template (%s) refuses hpctl's value %s for %s (%s): %s",
				r.main.Origin.URL, quoteValue(x.Value), x.Name, x.From, problem)
		}
	}
}

// valueProblem says what is wrong with a value for a declaration ("" when
// CloudFormation would take it).
func valueProblem(d template.Parameter, v string) string {
	items := []string{v}
	list := d.Type == "CommaDelimitedList" || strings.HasPrefix(d.Type, "List<")
	if list {
		items = strings.Split(v, ",")
	}
	if len(d.AllowedValues) > 0 && !list && !slices.Contains(d.AllowedValues, v) {
		return "the template allows only " + strings.Join(quoteAll(d.AllowedValues), ", ")
	}
	if d.AllowedPattern != "" {
		if re, err := regexp.Compile("^(?:" + d.AllowedPattern + ")$"); err == nil {
			for _, it := range items {
				if !re.MatchString(it) {
					return fmt.Sprintf("does not match the template's pattern %s", d.AllowedPattern)
				}
			}
		}
	}
	if d.MinLength != nil && len(v) < *d.MinLength {
		return fmt.Sprintf("shorter than the template's minimum of %d characters", *d.MinLength)
	}
	if d.MaxLength != nil && len(v) > *d.MaxLength {
		return fmt.Sprintf("longer than the template's maximum of %d characters", *d.MaxLength)
	}
	if d.Type == "Number" || d.Type == "List<Number>" {
		for _, it := range items {
			n, err := strconv.ParseFloat(strings.TrimSpace(it), 64)
			switch {
			case err != nil:
				return "the template declares a Number"
			case d.MinValue != nil && n < *d.MinValue:
				return fmt.Sprintf("below the template's minimum of %v", *d.MinValue)
			case d.MaxValue != nil && n > *d.MaxValue:
				return fmt.Sprintf("above the template's maximum of %v", *d.MaxValue)
			}
		}
	}
	if prefix, ok := idTypes[strings.TrimSuffix(strings.TrimPrefix(d.Type, "List<"), ">")]; ok {
		for _, it := range items {
			if !strings.HasPrefix(strings.TrimSpace(it), prefix) {
				return fmt.Sprintf("the template declares %s, whose IDs start with %s", d.Type, prefix)
			}
		}
	}
	return ""
}

// idTypes are the AWS-specific parameter types whose values hpctl can check
// by shape.
var idTypes = map[string]string{
	"AWS::EC2::VPC::Id":           "vpc-",
	"AWS::EC2::Subnet::Id":        "subnet-",
	"AWS::EC2::SecurityGroup::Id": "sg-",
}

func quoteValue(v string) string {
	if len(v) > 60 {
		v = v[:59] + "…"
	}
	return strconv.Quote(v)
}

func quoteAll(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = strconv.Quote(v)
	}
	return out
}
