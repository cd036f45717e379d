package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hpctl/hpctl/internal/cloud/cloudtest"
)

// Every kind of NDJSON record the streaming commands write is pinned by a
// golden file of its shape: each member, its JSON type, and the value of
// the members a reader branches on. Real commands on the fake cloud (a
// deploy, an update, a bad spec, a denied read, a destroy, one stopped
// half-way, a refusal) write the records, and each must conform: no member
// the golden file does not name, no other type or value. Members that show
// only at some moments (a tick's cluster, a retry count) are in the golden
// files too, so timing cannot fail the test. `go test ./internal/cli -run
// Golden -update` adds what the records show to the files; a member that
// goes away is removed from them by hand.
func TestRecordsGolden(t *testing.T) {
	f := world(t)
	kinds := map[string]any{}
	collect := func(scenario string, wantCode int, args ...string) {
		t.Helper()
		code, out, errOut := onFake(t, f, append(args, "--output", "json")...)
		if code != wantCode {
			t.Fatalf("%s: exit %d, want %d\n%s%s", scenario, code, wantCode, out, errOut)
		}
		for _, r := range records(t, out) {
			kind := r["type"].(string)
			if kind == "summary" || kind == "error" {
				kind += "-" + scenario
			}
			kinds[kind] = mergeShapes(kinds[kind], recordShape(r))
		}
	}
	quickstart := "../../examples/eks-quickstart.yaml"
	collect("deploy", 0, "deploy", "eks", "-f", quickstart, "--templates-bucket", standIns)
	collect("update", 0, "deploy", "eks", "-f", specFile(t, "eks-quickstart.yaml", "count: 2", "count: 3"), "--templates-bucket", standIns, "--yes")
	collect("spec", ExitUsage, "deploy", "eks", "-f", specFile(t, "eks-quickstart.yaml", "count: 2", "count: two"), "--templates-bucket", standIns)
	f.Errors["DescribeCluster"] = []error{cloudtest.Denied("sagemaker:DescribeCluster")}
	collect("denied", ExitFailed, "watch", "ml-cluster")
	f.Errors["DeleteStack"] = []error{cloudtest.Outage()}
	code, out, errOut := onFake(t, f, "destroy", "ml-cluster", "--yes", "--output", "json")
	if code != ExitCleanup {
		t.Fatalf("stopped destroy: exit %d\n%s%s", code, out, errOut)
	}
	for _, r := range records(t, out) {
		if k := r["type"].(string); k == "summary" || k == "error" {
			kinds[k+"-stopped"] = mergeShapes(kinds[k+"-stopped"], recordShape(r))
		}
	}
	collect("destroy", 0, "destroy", "ml-cluster", "--yes")
	if err := f.CreateStack("theirs", userStack); err != nil {
		t.Fatal(err)
	}
	collect("refused", ExitUsage, "destroy", "theirs", "--yes")

	for _, want := range []string{"step", "event", "progress", "cluster", "changeSet", "validation", "destroyPlan",
		"summary-deploy", "summary-update", "summary-denied", "summary-destroy", "summary-stopped",
		"error-spec", "error-denied", "error-stopped", "error-refused"} {
		if kinds[want] == nil {
			t.Errorf("no %s record was written", want)
		}
	}
	names := make([]string, 0, len(kinds))
	for k := range kinds {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		path := filepath.Join("testdata/golden/records", k+".json")
		var want any
		if b, err := os.ReadFile(path); err == nil {
			if err := json.Unmarshal(b, &want); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
		}
		if *update {
			var b strings.Builder
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(mergeShapes(want, kinds[k])); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if want == nil {
			t.Errorf("%s: missing (run with -update to create it)", path)
			continue
		}
		for _, problem := range conform(k, kinds[k], want) {
			t.Errorf("%s: %s (run with -update to accept)", path, problem)
		}
	}
	files, _ := filepath.Glob("testdata/golden/records/*.json")
	for _, f := range files {
		if kinds[strings.TrimSuffix(filepath.Base(f), ".json")] == nil {
			t.Errorf("%s: no command writes this record any more", f)
		}
	}
}

// conform lists where a shape the records showed leaves the golden one: a
// member it does not name, or another type or value.
func conform(at string, got, want any) []string {
	gm, gok := got.(map[string]any)
	wm, wok := want.(map[string]any)
	if gok && wok {
		var out []string
		for k, v := range gm {
			w, ok := wm[k]
			if !ok {
				out = append(out, fmt.Sprintf("%s.%s: a member the golden file does not name", at, k))
				continue
			}
			out = append(out, conform(at+"."+k, v, w)...)
		}
		return out
	}
	gl, gok := got.([]any)
	wl, wok := want.([]any)
	if gok && wok {
		if len(gl) == 0 {
			return nil
		}
		if len(wl) == 0 {
			return []string{at + ": a list the golden file has empty"}
		}
		return conform(at+"[]", gl[0], wl[0])
	}
	allowed := strings.Split(describeShape(want), "|")
	var out []string
	for _, g := range strings.Split(describeShape(got), "|") {
		if !slices.Contains(allowed, g) {
			out = append(out, fmt.Sprintf("%s: %s, where the golden file has %s", at, g, describeShape(want)))
		}
	}
	return out
}

// pinned are a record's members whose values the golden files hold too:
// a reader branches on them.
var pinned = []string{"type", "exitCode", "class", "awsCode", "action", "succeeded"}

// recordShape is a record's shape, with its pinned members' values.
func recordShape(r map[string]any) any {
	s := shapeOf("", r).(map[string]any)
	for _, k := range pinned {
		if v, ok := r[k]; ok {
			s[k] = v
		}
	}
	return s
}

// keyed are members whose keys are data (operations, outputs, parameters):
// their shape is that of their values.
var keyed = map[string]bool{"apiCalls": true, "outputs": true, "parameters": true, "tags": true}

// shapeOf is a JSON value's shape: objects member by member, arrays by the
// union of their elements, scalars by their type.
func shapeOf(key string, v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if keyed[key] {
				out["<key>"] = mergeShapes(out["<key>"], shapeOf("", e))
				continue
			}
			out[k] = shapeOf(k, e)
		}
		return out
	case []any:
		var elem any
		for _, e := range x {
			elem = mergeShapes(elem, shapeOf("", e))
		}
		if elem == nil {
			return []any{}
		}
		return []any{elem}
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	}
	return "null"
}

// mergeShapes is the union of two shapes: an object has every member of
// either; scalars that differ are written "a|b".
func mergeShapes(a, b any) any {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		out := map[string]any{}
		for k, v := range am {
			out[k] = v
		}
		for k, v := range bm {
			out[k] = mergeShapes(out[k], v)
		}
		return out
	}
	al, aok := a.([]any)
	bl, bok := b.([]any)
	if aok && bok {
		switch {
		case len(al) == 0:
			return bl
		case len(bl) == 0:
			return al
		}
		return []any{mergeShapes(al[0], bl[0])}
	}
	as, bs := describeShape(a), describeShape(b)
	if as == bs {
		return a
	}
	types := strings.Split(as+"|"+bs, "|")
	slices.Sort(types)
	return strings.Join(slices.Compact(types), "|")
}

func describeShape(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}
