package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"

	"github.com/hpctl/hpctl/internal/emulator"
)

// Every kind of NDJSON record the streaming commands write is pinned by a
// golden file of its shape (each member and its JSON type, the union over
// every record of that kind the commands wrote), taken from real commands
// on the emulator: a deploy, an update, a bad spec, a denied read, a
// destroy, one stopped half-way, and a refusal. `go test ./internal/cli -run Golden
// -update` rewrites them.
func TestRecordsGolden(t *testing.T) {
	e := onEmulator(t, emulator.Settings{ResourceSeconds: 0.005, ClusterSeconds: 0.2})
	kinds := map[string]any{}
	collect := func(scenario string, wantCode int, args ...string) {
		t.Helper()
		code, out, errOut := e.hpctl(append(args, "--output", "json")...)
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
	e.denyVia(t, emulator.Denial{Op: "DescribeCluster", Code: "AccessDenied"})
	collect("denied", ExitFailed, "watch", "ml-cluster")
	t.Setenv("AWS_ENDPOINT_URL", e.emu.URL)
	e.denyVia(t, emulator.Denial{Op: "DeleteStack", Code: emulator.Outage})
	t.Setenv("AWS_MAX_ATTEMPTS", "")
	code, out, errOut := e.hpctlEnv(map[string]string{"AWS_MAX_ATTEMPTS": "1"}, "destroy", "ml-cluster", "--yes", "--output", "json")
	if code != ExitCleanup {
		t.Fatalf("stopped destroy: exit %d\n%s%s", code, out, errOut)
	}
	for _, r := range records(t, out) {
		if k := r["type"].(string); k == "summary" || k == "error" {
			kinds[k+"-stopped"] = mergeShapes(kinds[k+"-stopped"], recordShape(r))
		}
	}
	t.Setenv("AWS_ENDPOINT_URL", e.emu.URL)
	collect("destroy", 0, "destroy", "ml-cluster", "--yes")
	if _, err := e.c.CloudFormation.CreateStack(e.ctx, &cloudformation.CreateStackInput{StackName: aws.String("theirs"), TemplateBody: aws.String(userStack)}); err != nil {
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
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(kinds[k]); err != nil {
			t.Fatal(err)
		}
		golden(t, filepath.Join("testdata/golden/records", k+".json"), b.String())
	}
	files, _ := filepath.Glob("testdata/golden/records/*.json")
	for _, f := range files {
		if kinds[strings.TrimSuffix(filepath.Base(f), ".json")] == nil {
			t.Errorf("%s: no command writes this record any more", f)
			if *update {
				_ = os.Remove(f)
			}
		}
	}
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
