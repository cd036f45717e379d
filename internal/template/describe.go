package template

import (
	"fmt"
	"slices"
	"strings"
)

// Describe renders a named condition for people, the way a plan explains
// it: "CreateVPCStack = true", "Prefix != (empty)", "the region is
// in AMPRegionMapping".
func (t *Template) Describe(name string) string {
	if name == "" {
		return "always"
	}
	body, ok := t.Conditions[name]
	if !ok {
		return name + " (not declared)"
	}
	return t.describe(body, 0)
}

func (t *Template) describe(x any, depth int) string {
	fn, arg, ok := intrinsic(x)
	if !ok || depth > 20 {
		return render(x)
	}
	args, _ := arg.([]any)
	switch fn {
	case "Condition":
		name, _ := arg.(string)
		return t.describe(t.Conditions[name], depth+1)
	case "Fn::Equals":
		if len(args) != 2 {
			break
		}
		if m := regionMap(args[0]); m != "" {
			return "the region is in " + m
		}
		return operand(args[0]) + " = " + quoted(operand(args[1]))
	case "Fn::Not":
		if len(args) != 1 {
			break
		}
		if f, a, ok := intrinsic(args[0]); ok && f == "Fn::Equals" {
			if eq, _ := a.([]any); len(eq) == 2 {
				if m := regionMap(eq[0]); m != "" {
					return "the region is not in " + m
				}
				return operand(eq[0]) + " != " + quoted(operand(eq[1]))
			}
		}
		return "not (" + t.describe(args[0], depth+1) + ")"
	case "Fn::And", "Fn::Or":
		sep := map[string]string{"Fn::And": " and ", "Fn::Or": " or "}[fn]
		parts := make([]string, len(args))
		for i, a := range args {
			parts[i] = t.describe(a, depth+1)
			if f, _, ok := intrinsic(t.inline(a)); ok && (f == "Fn::And" || f == "Fn::Or") && f != fn {
				parts[i] = "(" + parts[i] + ")"
			}
		}
		return strings.Join(parts, sep)
	}
	return fn + " " + render(arg)
}

// inline follows Condition references to the function they name.
func (t *Template) inline(x any) any {
	for range 20 {
		fn, arg, ok := intrinsic(x)
		if !ok || fn != "Condition" {
			return x
		}
		name, _ := arg.(string)
		x = t.Conditions[name]
	}
	return x
}

func operand(x any) string {
	if fn, arg, ok := intrinsic(x); ok && fn == "Ref" {
		return fmt.Sprint(arg)
	}
	return render(x)
}

func quoted(v string) string {
	if v == "" || strings.ContainsAny(v, " []") {
		return "'" + v + "'"
	}
	return v
}

// regionMap is the mapping a value looks the region up in ("" when it is
// not Fn::FindInMap [M, Ref AWS::Region, …]).
func regionMap(x any) string {
	m, _ := regionLookup(x)
	return m
}

// regionLookup is the mapping and second-level key of Fn::FindInMap
// [M, Ref AWS::Region, K, …].
func regionLookup(x any) (mapping, key string) {
	fn, arg, ok := intrinsic(x)
	if !ok || fn != "Fn::FindInMap" {
		return "", ""
	}
	args, _ := arg.([]any)
	if len(args) < 3 {
		return "", ""
	}
	if f, a, ok := intrinsic(args[1]); ok && f == "Ref" && a == "AWS::Region" {
		mapping, _ = args[0].(string)
		key, _ = args[2].(string)
	}
	return mapping, key
}

// Regions lists the regions a named condition's region lookups allow: the
// top-level keys of the mapping whose entry equals what the condition
// compares it with. It is nil when the condition does not look the region up.
func (t *Template) Regions(name string) []string {
	var out []string
	var walk func(any, int)
	walk = func(x any, depth int) {
		fn, arg, ok := intrinsic(x)
		if !ok || depth > 20 {
			return
		}
		args, _ := arg.([]any)
		switch fn {
		case "Condition":
			n, _ := arg.(string)
			walk(t.Conditions[n], depth+1)
		case "Fn::Equals":
			if len(args) != 2 {
				return
			}
			m, key := regionLookup(args[0])
			if m == "" {
				return
			}
			want := render(args[1])
			for region, entry := range t.Mappings[m] {
				if render(entry[key]) == want && !slices.Contains(out, region) {
					out = append(out, region)
				}
			}
		default:
			for _, a := range args {
				walk(a, depth+1)
			}
		}
	}
	walk(t.Conditions[name], 0)
	slices.Sort(out)
	return out
}

// IfCondition is the condition an Fn::If picks its branch by, when x is an
// Fn::If whose first branch is 'true' ("" otherwise): the switch a main
// stack hands a nested stack as a parameter.
func IfCondition(x any) string {
	fn, arg, ok := intrinsic(x)
	if !ok || fn != "Fn::If" {
		return ""
	}
	args, _ := arg.([]any)
	if len(args) != 3 || render(args[1]) != "true" {
		return ""
	}
	name, _ := args[0].(string)
	return name
}
