package render

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	smtypes "github.com/aws/aws-sdk-go-v2/service/sagemaker/types"

	"github.com/hpctl/hpctl/internal/cloud/cloudtest"
	"github.com/hpctl/hpctl/internal/deploy"
	"github.com/hpctl/hpctl/internal/watch"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// golden compares got with testdata/NAME, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./internal/render -update writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

const s = time.Second

// scripted plays a small deployment on the scripted cloud: a nested VPC
// stack, then a HyperPod cluster that takes a while; with fail, the
// subnet fails and everything rolls back.
func scripted(t *testing.T, fail bool) []watch.Update {
	f := cloudtest.New()
	root, vpc, hp := f.Stack("hpctl-ml"), f.Stack("hpctl-ml-VPCStack-A"), f.Stack("hpctl-ml-HyperPodClusterStack-B")
	root.Status(0, "CREATE_IN_PROGRESS", "User Initiated").
		Nested(1*s, "VPCStack", vpc, "CREATE_IN_PROGRESS", "Resource creation Initiated")
	vpc.Status(1*s, "CREATE_IN_PROGRESS", "").
		Resource(2*s, "Vpc", "AWS::EC2::VPC", "CREATE_IN_PROGRESS", "").
		Resource(3*s, "Vpc", "AWS::EC2::VPC", "CREATE_COMPLETE", "").
		Resource(3*s, "Subnet", "AWS::EC2::Subnet", "CREATE_IN_PROGRESS", "")
	if fail {
		vpc.Resource(4*s, "Subnet", "AWS::EC2::Subnet", "CREATE_FAILED", "InvalidSubnet.Range: The CIDR '10.99.9.0/24' is invalid.").
			Status(4*s, "ROLLBACK_IN_PROGRESS", "The following resource(s) failed to create: [Subnet]. Rollback requested by user.").
			Resource(5*s, "Vpc", "AWS::EC2::VPC", "DELETE_COMPLETE", "").Status(5*s, "ROLLBACK_COMPLETE", "")
		root.Nested(5*s, "VPCStack", vpc, "CREATE_FAILED", "Embedded stack "+vpc.ID+" was not successfully created: The following resource(s) failed to create: [Subnet]. ").
			Status(5*s, "ROLLBACK_IN_PROGRESS", "The following resource(s) failed to create: [VPCStack]. Rollback requested by user.").
			Nested(6*s, "VPCStack", vpc, "DELETE_COMPLETE", "").Status(7*s, "ROLLBACK_COMPLETE", "")
	} else {
		vpc.Resource(4*s, "Subnet", "AWS::EC2::Subnet", "CREATE_COMPLETE", "").Status(4*s, "CREATE_COMPLETE", "")
		root.Nested(4*s, "VPCStack", vpc, "CREATE_COMPLETE", "").
			Nested(5*s, "HyperPodClusterStack", hp, "CREATE_IN_PROGRESS", "Resource creation Initiated").
			Nested(8*s, "HyperPodClusterStack", hp, "CREATE_COMPLETE", "").
			Status(9*s, "CREATE_COMPLETE", "").Outputs(map[string]string{"OutputVpcId": "vpc-1", "OutputHyperPodClusterArn": "arn:aws:sagemaker:us-west-2:123456789012:cluster/ml"})
		hp.Status(5*s, "CREATE_IN_PROGRESS", "").
			Resource(6*s, "NewHyperPodCluster", "AWS::SageMaker::Cluster", "CREATE_IN_PROGRESS", "").
			Resource(8*s, "NewHyperPodCluster", "AWS::SageMaker::Cluster", "CREATE_COMPLETE", "").Status(8*s, "CREATE_COMPLETE", "")
		f.Cluster("ml", cloudtest.ClusterState{At: 6 * s, Status: "Creating", Groups: []cloudtest.GroupDetails{cloudtest.Group("workers", 0, 2)}},
			cloudtest.ClusterState{At: 9 * s, Status: "Creating", Groups: []cloudtest.GroupDetails{cloudtest.Group("workers", 1, 2)}},
			cloudtest.ClusterState{At: 200 * s, Status: "InService", Groups: []cloudtest.GroupDetails{cloudtest.Group("workers", 2, 2)}})
		// HyperPod's own events, shown as lines of their own.
		f.Events["ml"] = []smtypes.ClusterEventDetail{
			{EventId: aws.String("e1"), ClusterName: aws.String("ml"), EventTime: aws.Time(f.Now().Add(9 * s)), ResourceType: smtypes.ClusterEventResourceTypeInstance,
				EventLevel: smtypes.ClusterEventLevelInfo, InstanceGroupName: aws.String("workers"), InstanceId: aws.String("i-0a"), Description: aws.String("Instance i-0a is running")},
			{EventId: aws.String("e2"), ClusterName: aws.String("ml"), EventTime: aws.Time(f.Now().Add(150 * s)), ResourceType: smtypes.ClusterEventResourceTypeInstance,
				EventLevel: smtypes.ClusterEventLevelError, InstanceGroupName: aws.String("workers"), InstanceId: aws.String("i-0b"), Description: aws.String("Instance i-0b failed a health check; replacing it")},
		}
	}
	updates := []watch.Update{deploy.Step{Time: f.Now(), Message: "executing change set hpctl-20261128-120000"}}
	// The change set says the root has two resources to see to.
	w := watch.New(f, f, watch.Options{Stack: root.ID, Cluster: "ml", Resources: 2, Interval: s, Now: f.Now, Sleep: f.Sleep})
	if _, err := w.Run(context.Background(), func(u watch.Update) { updates = append(updates, u) }); err != nil {
		t.Fatal(err)
	}
	return updates
}

func show(p Progress, updates []watch.Update) {
	for _, u := range updates {
		p.Show(u)
	}
}

func TestLinesGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		fail bool
	}{{"lines-success.txt", false}, {"lines-failure.txt", true}} {
		var b bytes.Buffer
		show(NewLines(&b, ProgressOptions{Loc: time.UTC}), scripted(t, tc.fail))
		golden(t, tc.name, b.Bytes())
	}
}

// Logs never fall silent for more than the heartbeat, even while only the
// cluster is being waited for.
func TestLinesHeartbeat(t *testing.T) {
	var b bytes.Buffer
	show(NewLines(&b, ProgressOptions{Loc: time.UTC}), scripted(t, false))
	var last time.Time
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if len(line) < 8 || line[2] != ':' {
			continue // the summary
		}
		at, err := time.Parse("15:04:05", line[:8])
		if err != nil {
			t.Fatal(err)
		}
		if !last.IsZero() && at.Sub(last) > 60*time.Second {
			t.Errorf("%s of silence before %q", at.Sub(last), line)
		}
		last = at
	}
}

func TestJSONLinesEachParseAndEndInTheSummary(t *testing.T) {
	var b bytes.Buffer
	j := NewJSONLines(&b)
	show(j, scripted(t, true))
	j.End(1, nil)
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	for _, l := range lines {
		var v map[string]any
		if err := json.Unmarshal([]byte(l), &v); err != nil || v["type"] == nil {
			t.Fatalf("line %q: %v", l, err)
		}
	}
	var sum struct {
		Type      string
		ExitCode  *int
		Status    string
		RootCause struct{ Path, Reason string }
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Type != "summary" || sum.ExitCode == nil || *sum.ExitCode != 1 || sum.Status != "ROLLBACK_COMPLETE" || sum.RootCause.Path != "hpctl-ml/VPCStack/Subnet" {
		t.Errorf("last line %s", lines[len(lines)-1])
	}
	golden(t, "json-failure.ndjson", b.Bytes())
}

// A stream that ends otherwise than its summary says (interrupted, a
// denied read) ends with the error record, after the summary so far; one
// that ends before any summary, with the error record alone.
func TestJSONLinesEndWithTheErrorRecord(t *testing.T) {
	for _, tc := range []struct {
		name    string
		updates []watch.Update
		code    int
		f       *Failure
		want    string
	}{
		{"a denied read after the summary so far", []watch.Update{watch.Summary{Stack: "hpctl-ml", Status: "CREATE_IN_PROGRESS"}}, 1,
			&Failure{ExitCode: 1, Message: "watching stack hpctl-ml: cloudformation:DescribeStackEvents was denied (AccessDenied): no",
				Action: "cloudformation:DescribeStackEvents", AWSCode: "AccessDenied", Class: "fatal"},
			`{"type":"summary","exitCode":1,"stack":"hpctl-ml","stackId":"","status":"CREATE_IN_PROGRESS","succeeded":false,"elapsed":0.0}` + "\n" +
				`{"type":"error","exitCode":1,"message":"watching stack hpctl-ml: cloudformation:DescribeStackEvents was denied (AccessDenied): no","action":"cloudformation:DescribeStackEvents","awsCode":"AccessDenied","class":"fatal"}` + "\n"},
		{"a refusal before anything streamed", nil, 2, &Failure{ExitCode: 2, Message: "stack x is UPDATE_ROLLBACK_FAILED", Hint: "continue the rollback"},
			`{"type":"error","exitCode":2,"message":"stack x is UPDATE_ROLLBACK_FAILED","hint":"continue the rollback"}` + "\n"},
		{"success", []watch.Update{deploy.Destroyed{Stack: "hpctl-ml", Status: "gone", Succeeded: true}}, 0, nil,
			`{"type":"summary","exitCode":0,"stack":"hpctl-ml","status":"gone","succeeded":true,"deleted":null,"leftovers":null,"elapsed":0.0}` + "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			j := NewJSONLines(&b)
			for _, u := range tc.updates {
				j.Show(u)
			}
			j.End(tc.code, tc.f)
			if b.String() != tc.want {
				t.Errorf("got\n%s\nwant\n%s", b.String(), tc.want)
			}
		})
	}
}

// The live view redraws in place, within the window, and keeps failures
// above the frame.
func TestLiveGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		fail bool
	}{{"live-success.txt", false}, {"live-failure.txt", true}} {
		var b bytes.Buffer
		show(NewLive(&b, ProgressOptions{Loc: time.UTC, Size: func() (int, int) { return 72, 8 }}), scripted(t, tc.fail))
		golden(t, tc.name, b.Bytes())
	}
}

// A frame line never wraps: a wrapped line would break the count of lines
// the next redraw erases. Colours take no room.
func TestFit(t *testing.T) {
	for _, tc := range []struct {
		in    string
		width int
		want  string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"one too long", 11, "one too lon"},
		{"\x1b[32mCREATE_COMPLETE\x1b[0m VPCStack", 10, "\x1b[32mCREATE_COM\x1b[0m"},
		{"… ✓ wide runes", 4, "… ✓ "},
	} {
		if got := fit(tc.in, tc.width); got != tc.want {
			t.Errorf("fit(%q, %d) = %q, want %q", tc.in, tc.width, got, tc.want)
		}
	}
}

func TestFrameFitsTheWindow(t *testing.T) {
	l := NewLive(&bytes.Buffer{}, ProgressOptions{})
	tick := watch.Tick{Stacks: []watch.StackState{{Path: "root", Status: "CREATE_IN_PROGRESS"}}}
	for _, name := range []string{"A", "B", "C", "D", "E", "F"} {
		tick.Stacks = append(tick.Stacks, watch.StackState{Path: "root/" + name, Status: "CREATE_COMPLETE", Done: 3})
	}
	tick.Stacks = append(tick.Stacks, watch.StackState{Path: "root/G", Status: "CREATE_IN_PROGRESS", InProgress: 1})
	l.tick = &tick
	for _, max := range []int{3, 4, 8, 20} {
		frame := l.frame(max)
		if len(frame) > max {
			t.Errorf("%d lines in a frame of %d", len(frame), max)
		}
		if !strings.Contains(frame[1], "G") {
			t.Errorf("the stack in progress is not shown first: %q", frame)
		}
	}
}

// While only the cluster is followed (a destroy's first phase), the live
// frame still shows the clock, which moves.
func TestLiveClusterPhaseHasAClock(t *testing.T) {
	var b bytes.Buffer
	l := NewLive(&b, ProgressOptions{Loc: time.UTC})
	c := &watch.Cluster{Name: "ml", Status: "Deleting"}
	l.Show(watch.Tick{Elapsed: watch.Duration(65 * time.Second), Cluster: c})
	l.Show(watch.Tick{Elapsed: watch.Duration(67 * time.Second), Cluster: c})
	if out := b.String(); !strings.Contains(out, "cluster ml Deleting  1m5s") || !strings.Contains(out, "cluster ml Deleting  1m7s") {
		t.Errorf("%q", out)
	}
}

// Where the change set says how many resources the root has, its line and
// the heartbeat say how far along it is.
func TestTheRootLineHasItsTotal(t *testing.T) {
	tick := watch.Tick{Elapsed: watch.Duration(90 * time.Second), Stacks: []watch.StackState{
		{Path: "hpctl-ml", Status: "CREATE_IN_PROGRESS", Done: 7, InProgress: 2, Total: 12, Active: true}}}
	var live, lines bytes.Buffer
	NewLive(&live, ProgressOptions{Loc: time.UTC}).Show(tick)
	NewLines(&lines, ProgressOptions{Loc: time.UTC}).Show(tick)
	if !strings.Contains(live.String(), "(7 of 12 done, 2 in progress)") || !strings.Contains(lines.String(), "(7 of 12 done, 2 in progress)") {
		t.Errorf("live %q\nlines %q", live.String(), lines.String())
	}
}
