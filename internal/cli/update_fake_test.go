package cli

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// changeSetName is the part of a change set's name that differs by run.
var changeSetName = regexp.MustCompile(`hpctl-\d{8}-\d{6}-[A-Za-z0-9-]+`)

// An update shows what it changes in a group field by field (and in the
// Tags parameter tag by tag), and marks a change that replaces a group,
// with what is lost; golden files pin the text and the JSON record.
func TestUpdatesYouCanReadGolden(t *testing.T) {
	for _, tc := range []struct{ name, old, new string }{
		{"update-scale", "count: 2", "count: 3"},
		{"update-replace", "instanceType: ml.g5.8xlarge", "instanceType: ml.g5.12xlarge"},
		{"update-tags", "tags: {team: ml-platform}", "tags: {team: ml-infra, cost: gpu}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := world(t)
			mustDeploy(t, f, "eks", quickstart)
			spec := specFile(t, "eks-quickstart.yaml", tc.old, tc.new)
			code, out, errOut := onFakeTTY(t, f, "n\n", "deploy", "-f", spec, "--templates-bucket", standIns)
			if code != ExitUsage || !strings.Contains(errOut, "Cancelled; nothing changed.") {
				t.Fatalf("exit %d\n%s%s", code, out, errOut)
			}
			text := out[strings.Index(out, "Change set "):]
			golden(t, "testdata/golden/"+tc.name+".txt", changeSetName.ReplaceAllString(text, "CHANGESET"))

			code, out, _ = onFake(t, f, "deploy", "-f", spec, "--templates-bucket", standIns, "--output", "json")
			var record string
			for _, line := range strings.Split(out, "\n") {
				if strings.HasPrefix(line, `{"type":"changeSet"`) {
					var v any
					if err := json.Unmarshal([]byte(line), &v); err != nil {
						t.Fatal(err)
					}
					b, _ := json.MarshalIndent(v, "", "  ")
					record = changeSetName.ReplaceAllString(string(b), "CHANGESET") + "\n"
				}
			}
			if code != ExitUsage || record == "" {
				t.Fatalf("json: exit %d\n%s", code, out)
			}
			golden(t, "testdata/golden/"+tc.name+".json", record)
		})
	}
}

// A replacing update needs the cluster's name typed, or --yes; y is not
// enough, and without a terminal the refusal says what would be lost.
func TestAReplacingUpdateNeedsTheNameTyped(t *testing.T) {
	f := world(t)
	mustDeploy(t, f, "eks", quickstart)
	spec := specFile(t, "eks-quickstart.yaml", "instanceType: ml.g5.8xlarge", "instanceType: ml.g5.12xlarge")
	deploy := []string{"deploy", "-f", spec, "--templates-bucket", standIns}
	code, _, errOut := onFakeTTY(t, f, "y\n", deploy...)
	if code != ExitUsage || !strings.Contains(errOut, "Type the cluster's name to apply it to hpctl-ml-cluster (ml-cluster): ") || f.Calls["ExecuteChangeSet"] != 1 {
		t.Fatalf("y: exit %d, %d executions\n%s", code, f.Calls["ExecuteChangeSet"], errOut)
	}
	code, _, errOut = onFake(t, f, deploy...)
	if code != ExitUsage || !strings.Contains(errOut, "the update cannot be made in place (group workers is replaced: its 2 nodes and their local data (instance storage, EBS volumes) are lost): there is no terminal to ask on") {
		t.Fatalf("no terminal: exit %d\n%s", code, errOut)
	}
	code, _, errOut = onFakeTTY(t, f, "ml-cluster\n", deploy...)
	if f.Calls["ExecuteChangeSet"] != 2 {
		t.Fatalf("the name typed: exit %d, %d executions\n%s", code, f.Calls["ExecuteChangeSet"], errOut)
	}
}
