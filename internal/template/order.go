package template

import (
	"fmt"
	"slices"
)

// Order sorts nodes so that each comes after every node it waits for
// (after), ties broken by the order given: an order CloudFormation could
// create them in; deletion takes the reverse. Waits on nodes outside the
// list are ignored.
func Order(nodes []string, after map[string][]string) ([]string, error) {
	done := map[string]bool{}
	var out []string
	for len(out) < len(nodes) {
		progressed := false
		for _, n := range nodes {
			if done[n] || slices.ContainsFunc(after[n], func(d string) bool { return !done[d] && slices.Contains(nodes, d) }) {
				continue
			}
			done[n], progressed = true, true
			out = append(out, n)
		}
		if !progressed {
			var stuck []string
			for _, n := range nodes {
				if !done[n] {
					stuck = append(stuck, n)
				}
			}
			return nil, fmt.Errorf("%v wait for each other in a cycle", stuck)
		}
	}
	return out, nil
}

// NestedOrder lists the created nested stacks in an order CloudFormation
// could create them: each after every stack it reads or names in DependsOn,
// directly or through other resources.
func (e *Evaluation) NestedOrder() ([]string, error) {
	var stacks []string
	after := map[string][]string{}
	for _, r := range e.t.NestedStacks() {
		created, err := e.Created(r.ID)
		if err != nil {
			return nil, err
		}
		if !created {
			continue
		}
		stacks = append(stacks, r.ID)
		deps, err := e.stackDeps(r.ID, map[string]bool{})
		if err != nil {
			return nil, err
		}
		after[r.ID] = deps
	}
	return Order(stacks, after)
}

// stackDeps are the nested stacks a resource waits for, following waits
// through resources that are not stacks.
func (e *Evaluation) stackDeps(id string, seen map[string]bool) ([]string, error) {
	deps, err := e.Deps(id)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, d := range deps {
		if seen[d] {
			continue
		}
		seen[d] = true
		r, ok := e.t.Resource(d)
		if !ok {
			continue
		}
		if r.Type == StackType {
			out = append(out, d)
			continue
		}
		more, err := e.stackDeps(d, seen)
		if err != nil {
			return nil, err
		}
		out = append(out, more...)
	}
	return out, nil
}
