package watch

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	smtypes "github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
	"go.uber.org/goleak"

	"github.com/hpctl/hpctl/internal/cloud"
	"github.com/hpctl/hpctl/internal/cloud/cloudtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const s = time.Second

func itoa(n int32) string { return strconv.Itoa(int(n)) }

// tree scripts a root with one nested stack holding two resources.
func tree(f *cloudtest.Fake) (root, vpc *cloudtest.Stack) {
	root = f.Stack("hpctl-ml")
	vpc = f.Stack("hpctl-ml-VPCStack-ABC")
	root.Status(0, "CREATE_IN_PROGRESS", "User Initiated").
		Resource(1*s, "VPCStack", "AWS::CloudFormation::Stack", "CREATE_IN_PROGRESS", "").
		Nested(1500*time.Millisecond, "VPCStack", vpc, "CREATE_IN_PROGRESS", "Resource creation Initiated")
	vpc.Status(1500*time.Millisecond, "CREATE_IN_PROGRESS", "").
		Resource(2*s, "Vpc", "AWS::EC2::VPC", "CREATE_IN_PROGRESS", "").
		Resource(3*s, "Vpc", "AWS::EC2::VPC", "CREATE_COMPLETE", "").
		Resource(3*s, "Subnet", "AWS::EC2::Subnet", "CREATE_IN_PROGRESS", "").
		Resource(4*s, "Subnet", "AWS::EC2::Subnet", "CREATE_COMPLETE", "").
		Status(4*s, "CREATE_COMPLETE", "")
	return root, vpc
}

func run(t *testing.T, f *cloudtest.Fake, opt Options) (Summary, []Update, error) {
	t.Helper()
	opt.Now, opt.Sleep = f.Now, f.Sleep
	if opt.Interval == 0 {
		opt.Interval = s
	}
	var updates []Update
	sum, err := New(f, f, opt).Run(context.Background(), func(u Update) { updates = append(updates, u) })
	return sum, updates, err
}

func events(updates []Update) []string {
	var out []string
	for _, u := range updates {
		if e, ok := u.(Event); ok {
			line := e.Path + " " + e.Status
			if e.Reason != "" {
				line += " " + e.Reason
			}
			out = append(out, line)
		}
	}
	return out
}

func TestFollowsNestedStacksDiscoveredFromEvents(t *testing.T) {
	f := cloudtest.New()
	root, _ := tree(f)
	root.Resource(4500*time.Millisecond, "VPCStack", "AWS::CloudFormation::Stack", "CREATE_COMPLETE", "").
		Status(5*s, "CREATE_COMPLETE", "").Outputs(map[string]string{"OutputVpcId": "vpc-1"})
	sum, updates, err := run(t, f, Options{Stack: root.ID})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"hpctl-ml CREATE_IN_PROGRESS User Initiated",
		"hpctl-ml/VPCStack CREATE_IN_PROGRESS",
		"hpctl-ml/VPCStack CREATE_IN_PROGRESS Resource creation Initiated",
		"hpctl-ml/VPCStack CREATE_IN_PROGRESS",
		"hpctl-ml/VPCStack/Vpc CREATE_IN_PROGRESS",
		"hpctl-ml/VPCStack/Vpc CREATE_COMPLETE",
		"hpctl-ml/VPCStack/Subnet CREATE_IN_PROGRESS",
		"hpctl-ml/VPCStack/Subnet CREATE_COMPLETE",
		"hpctl-ml/VPCStack CREATE_COMPLETE",
		"hpctl-ml/VPCStack CREATE_COMPLETE",
		"hpctl-ml CREATE_COMPLETE",
	}
	if got := events(updates); !slices.Equal(got, want) {
		t.Errorf("events:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	if !sum.Succeeded || sum.Status != "CREATE_COMPLETE" || sum.Outputs["OutputVpcId"] != "vpc-1" || sum.RootCause != nil {
		t.Errorf("summary %+v", sum)
	}
	if _, ok := updates[len(updates)-1].(Summary); !ok {
		t.Error("the summary comes last")
	}
}

// Each poll reads only new events, and a nested stack stops being read once
// it has finished: few calls, no event twice.
func TestReadsOnlyNewEventsAndOnlyActiveStacks(t *testing.T) {
	f := cloudtest.New()
	root, _ := tree(f)
	root.Resource(4500*time.Millisecond, "VPCStack", "AWS::CloudFormation::Stack", "CREATE_COMPLETE", "").
		Resource(5*s, "Bucket", "AWS::S3::Bucket", "CREATE_IN_PROGRESS", "").
		Resource(20*s, "Bucket", "AWS::S3::Bucket", "CREATE_COMPLETE", "").
		Status(21*s, "CREATE_COMPLETE", "")
	f.PageSize = 2
	sum, updates, err := run(t, f, Options{Stack: root.ID})
	if err != nil {
		t.Fatal(err)
	}
	got := events(updates)
	seen := map[string]int{}
	for _, e := range got {
		seen[e]++
	}
	if len(got) != 13 {
		t.Errorf("%d events, want 13:\n%s", len(got), strings.Join(got, "\n"))
	}
	// 22 polls of the root (0s..21s, one page each but the first), the child
	// from 1s to 4s, the ten quick polls after the child's end: well under
	// one call per stack per second.
	if n := f.Calls["DescribeStackEvents"]; n > 38 {
		t.Errorf("%d DescribeStackEvents calls", n)
	}
	if sum.APICalls["DescribeStackEvents"] != f.Calls["DescribeStackEvents"] {
		t.Errorf("the summary counts %d calls, the cloud saw %d", sum.APICalls["DescribeStackEvents"], f.Calls["DescribeStackEvents"])
	}
}

func TestRootCauseIsTheEarliestRealFailureEvenAfterRollback(t *testing.T) {
	f := cloudtest.New()
	root := f.Stack("hpctl-ml")
	net := f.Stack("hpctl-ml-PrivateSubnetStack-XYZ")
	reason := "InvalidSubnet.Range: The CIDR '10.99.9.0/24' is invalid."
	root.Status(0, "CREATE_IN_PROGRESS", "User Initiated").
		Nested(1*s, "PrivateSubnetStack", net, "CREATE_IN_PROGRESS", "Resource creation Initiated").
		Resource(1*s, "Bucket", "AWS::S3::Bucket", "CREATE_IN_PROGRESS", "").
		Resource(4*s, "Bucket", "AWS::S3::Bucket", "CREATE_FAILED", "Resource creation cancelled").
		Nested(4*s, "PrivateSubnetStack", net, "CREATE_FAILED", "Embedded stack "+net.ID+" was not successfully created: The following resource(s) failed to create: [PrivateSubnet2]. ").
		Status(4*s, "ROLLBACK_IN_PROGRESS", "The following resource(s) failed to create: [PrivateSubnetStack, Bucket]. Rollback requested by user.").
		Nested(5*s, "PrivateSubnetStack", net, "DELETE_IN_PROGRESS", "").
		Nested(7*s, "PrivateSubnetStack", net, "DELETE_COMPLETE", "").
		Status(8*s, "ROLLBACK_COMPLETE", "")
	net.Status(1*s, "CREATE_IN_PROGRESS", "").
		Resource(2*s, "PrivateSubnet2", "AWS::EC2::Subnet", "CREATE_IN_PROGRESS", "").
		Resource(3*s, "PrivateSubnet2", "AWS::EC2::Subnet", "CREATE_FAILED", reason).
		Status(3*s, "ROLLBACK_IN_PROGRESS", "The following resource(s) failed to create: [PrivateSubnet2]. Rollback requested by user.").
		Resource(4*s, "PrivateSubnet2", "AWS::EC2::Subnet", "DELETE_COMPLETE", "").
		Status(4*s, "ROLLBACK_COMPLETE", "").
		Status(5*s, "DELETE_IN_PROGRESS", "").
		Status(6*s, "DELETE_COMPLETE", "")
	sum, updates, err := run(t, f, Options{Stack: root.ID})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Succeeded || sum.RootCause == nil {
		t.Fatalf("summary %+v", sum)
	}
	want := "hpctl-ml/PrivateSubnetStack/PrivateSubnet2 (AWS::EC2::Subnet): " + reason
	if got := sum.RootCause.String(); got != want {
		t.Errorf("cause %q\nwant  %q", got, want)
	}
	// The child was read again when its parent began deleting it.
	if !slices.Contains(events(updates), "hpctl-ml/PrivateSubnetStack DELETE_COMPLETE") {
		t.Errorf("the child's deletion was not followed:\n%s", strings.Join(events(updates), "\n"))
	}
	if f.Calls["DescribeEvents"] != 1 {
		t.Errorf("DescribeEvents asked %d times; once, then never again where it is not offered", f.Calls["DescribeEvents"])
	}
}

// A custom resource that made a stack of its own (the EKS observability
// stack) fails naming that stack; the real cause is in the stack's events,
// which the tree never held.
func TestTheCauseIsFoundInAStackACustomResourceMade(t *testing.T) {
	f := cloudtest.New()
	root := f.Stack("hpctl-ml")
	obs := f.Stack("sagemaker-ml-ObservabilityStack")
	reason := "Properties validation failed for resource EksAddOn with message: #/PodIdentityAssociations/0: required key [RoleArn] not found"
	obs.Status(1*s, "CREATE_IN_PROGRESS", "User Initiated").
		Resource(2*s, "EksAddOn", "AWS::EKS::Addon", "CREATE_FAILED", reason).
		Resource(2*s, "Record", "AWS::SSM::Parameter", "CREATE_FAILED", "Resource creation cancelled").
		Status(3*s, "ROLLBACK_COMPLETE", "")
	root.Status(0, "CREATE_IN_PROGRESS", "User Initiated").
		Resource(1*s, "ObservabilityCustomResource", "Custom::ObservabilityStack", "CREATE_IN_PROGRESS", "").
		Resource(4*s, "ObservabilityCustomResource", "Custom::ObservabilityStack", "CREATE_FAILED", "the stack "+obs.ID+" ended ROLLBACK_COMPLETE").
		Status(4*s, "ROLLBACK_IN_PROGRESS", "The following resource(s) failed to create: [ObservabilityCustomResource]. Rollback requested by user.").
		Status(5*s, "ROLLBACK_COMPLETE", "")
	sum, _, err := run(t, f, Options{Stack: root.ID})
	if err != nil || sum.RootCause == nil {
		t.Fatalf("%v %+v", err, sum)
	}
	want := "hpctl-ml/ObservabilityCustomResource/sagemaker-ml-ObservabilityStack/EksAddOn (AWS::EKS::Addon): " + reason
	if got := sum.RootCause.String(); got != want {
		t.Errorf("cause %q\nwant  %q", got, want)
	}
}

func TestDescribeEventsAddsWhatStackEventsNeverShow(t *testing.T) {
	f := cloudtest.New()
	root := f.Stack("hpctl-ml")
	root.Status(0, "CREATE_IN_PROGRESS", "User Initiated").
		Status(2*s, "ROLLBACK_IN_PROGRESS", "Stack operation failed").Status(3*s, "ROLLBACK_COMPLETE", "")
	f.OperationEvents = []cftypes.OperationEvent{{
		StackId: aws.String(root.ID), Timestamp: aws.Time(f.Now().Add(1 * s)), ValidationStatus: cftypes.ValidationStatusFailed,
		ValidationName: aws.String("NameConflictValidation"), ValidationPath: aws.String("Resources/Bucket"),
		ValidationStatusReason: aws.String("Resource of type AWS::S3::Bucket with identifier sagemaker-ml-bucket already exists."),
	}}
	sum, _, err := run(t, f, Options{Stack: root.ID})
	if err != nil {
		t.Fatal(err)
	}
	if sum.RootCause == nil || !strings.Contains(sum.RootCause.String(), "hpctl-ml/Resources/Bucket") ||
		!strings.Contains(sum.RootCause.Reason, "already exists") {
		t.Errorf("cause %+v", sum.RootCause)
	}
}

func TestThrottlingIsRiddenOut(t *testing.T) {
	f := cloudtest.New()
	root, _ := tree(f)
	root.Resource(4500*time.Millisecond, "VPCStack", "AWS::CloudFormation::Stack", "CREATE_COMPLETE", "").Status(5*s, "CREATE_COMPLETE", "")
	f.Errors["DescribeStackEvents"] = []error{cloudtest.Throttling(), cloudtest.Throttling(), cloudtest.Throttling()}
	f.Errors["DescribeStacks"] = nil
	sum, updates, err := run(t, f, Options{Stack: root.ID})
	if err != nil || !sum.Succeeded {
		t.Fatalf("%v %+v", err, sum)
	}
	got := events(updates)
	seen := map[string]bool{}
	for _, e := range got {
		if seen[e] && !strings.HasSuffix(e, "VPCStack CREATE_COMPLETE") && !strings.HasSuffix(e, "VPCStack CREATE_IN_PROGRESS") {
			t.Errorf("event twice: %s", e)
		}
		seen[e] = true
	}
	if len(got) != 11 || sum.APICalls["errors"] != 3 {
		t.Errorf("%d events, %d errors", len(got), sum.APICalls["errors"])
	}
}

// Re-attaching to a stack reads from its operation's start; a deploy reads
// only what follows the event it saw last before executing.
func TestOperationBoundaries(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  func(root *cloudtest.Stack, last string) Options
		// older says the first event read is the earlier update's end.
		older bool
	}{
		{"after an event", func(root *cloudtest.Stack, last string) Options {
			return Options{Stack: root.ID, AfterEventID: last}
		}, false},
		{"after an event older than the last finish", func(root *cloudtest.Stack, _ string) Options {
			return Options{Stack: root.ID, AfterEventID: root.EventID(2)} // the earlier UPDATE_IN_PROGRESS
		}, true},
		{"from the operation's start", func(root *cloudtest.Stack, _ string) Options {
			return Options{Stack: root.ID, FromOperationStart: true}
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := cloudtest.New()
			root := f.Stack("hpctl-ml")
			root.Status(0, "CREATE_IN_PROGRESS", "User Initiated").Status(0, "CREATE_COMPLETE", "").
				Status(0, "UPDATE_IN_PROGRESS", "User Initiated").Status(0, "UPDATE_COMPLETE", "").
				Status(10*s, "UPDATE_IN_PROGRESS", "User Initiated").Resource(11*s, "Bucket", "AWS::S3::Bucket", "UPDATE_IN_PROGRESS", "").
				Resource(12*s, "Bucket", "AWS::S3::Bucket", "UPDATE_COMPLETE", "").Status(13*s, "UPDATE_COMPLETE", "")
			last := root.LastEventID() // the earlier update's UPDATE_COMPLETE
			_ = f.Sleep(context.Background(), 10*s)
			_, updates, err := run(t, f, tc.opt(root, last))
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"hpctl-ml UPDATE_IN_PROGRESS User Initiated", "hpctl-ml/Bucket UPDATE_IN_PROGRESS",
				"hpctl-ml/Bucket UPDATE_COMPLETE", "hpctl-ml UPDATE_COMPLETE"}
			if tc.older {
				want = append([]string{"hpctl-ml UPDATE_COMPLETE"}, want...)
			}
			if got := events(updates); !slices.Equal(got, want) {
				t.Errorf("got\n  %s", strings.Join(got, "\n  "))
			}
		})
	}
}

// clusterStacks scripts the start of a root whose one nested stack, begun
// at 1 s, makes the cluster "ml"; the caller scripts the rest.
func clusterStacks(f *cloudtest.Fake) (root, hp *cloudtest.Stack) {
	root, hp = f.Stack("hpctl-ml"), f.Stack("hpctl-ml-HyperPodClusterStack-Q")
	root.Status(0, "CREATE_IN_PROGRESS", "User Initiated").
		Nested(1*s, "HyperPodClusterStack", hp, "CREATE_IN_PROGRESS", "Resource creation Initiated")
	hp.Status(1*s, "CREATE_IN_PROGRESS", "")
	return root, hp
}

// clusterTree scripts a root whose one nested stack makes the cluster "ml".
func clusterTree(f *cloudtest.Fake) *cloudtest.Stack {
	root, hp := clusterStacks(f)
	root.Nested(4*s, "HyperPodClusterStack", hp, "CREATE_COMPLETE", "").Status(5*s, "CREATE_COMPLETE", "")
	hp.Resource(2*s, "NewHyperPodCluster", "AWS::SageMaker::Cluster", "CREATE_IN_PROGRESS", "").
		Resource(4*s, "NewHyperPodCluster", "AWS::SageMaker::Cluster", "CREATE_COMPLETE", "").Status(4*s, "CREATE_COMPLETE", "")
	return root
}

func TestClusterIsFollowedUntilInService(t *testing.T) {
	f := cloudtest.New()
	root := clusterTree(f)
	f.Cluster("ml", cloudtest.ClusterState{At: 2 * s, Status: "Creating", Groups: []cloudtest.GroupDetails{cloudtest.Group("workers", 0, 2)}},
		cloudtest.ClusterState{At: 3 * s, Status: "Creating", Groups: []cloudtest.GroupDetails{cloudtest.Group("workers", 1, 2)}},
		cloudtest.ClusterState{At: 8 * s, Status: "InService", Groups: []cloudtest.GroupDetails{cloudtest.Group("workers", 2, 2)}})
	sum, updates, err := run(t, f, Options{Stack: root.ID, Cluster: "ml"})
	if err != nil {
		t.Fatal(err)
	}
	var states []string
	for _, u := range updates {
		if c, ok := u.(Cluster); ok {
			states = append(states, c.Status+" "+strings.Join([]string{itoa(c.Groups[0].Current), itoa(c.Groups[0].Target)}, "/"))
		}
	}
	if !slices.Equal(states, []string{"Creating 0/2", "Creating 1/2", "InService 2/2"}) {
		t.Errorf("cluster states %v", states)
	}
	if !sum.Succeeded || sum.Cluster == nil || sum.Cluster.Status != "InService" {
		t.Errorf("summary %+v", sum)
	}
}

// With continuous provisioning a cluster is InService before its nodes: the
// deploy has succeeded when every group has its target and the spec's count.
// A group whose count stops moving below its target fails the deploy after
// NodesTimeout, with the counts; a target other than the spec's fails it at
// once.
func TestInServiceIsNotDoneUntilEveryGroupHasItsNodes(t *testing.T) {
	in := func(at time.Duration, current, target int32) cloudtest.ClusterState {
		return cloudtest.ClusterState{At: at, Status: "InService", Groups: []cloudtest.GroupDetails{cloudtest.Group("workers", current, target)}}
	}
	for _, tc := range []struct {
		name   string
		states []cloudtest.ClusterState
		spec   int
		ok     bool
		cause  string
		end    time.Duration
	}{
		{"nodes come", []cloudtest.ClusterState{in(3*s, 0, 2), in(9*s, 1, 2), in(16*s, 2, 2)}, 2, true, "", 16 * s},
		{"a node never comes", []cloudtest.ClusterState{in(3*s, 1, 2)}, 2, false,
			"cluster ml (AWS::SageMaker::Cluster): the cluster is InService but short of nodes, unchanged for 10s: workers 1 of 2", 15 * s},
		{"a node never comes, with HyperPod's word", []cloudtest.ClusterState{in(3*s, 1, 2)}, 2, false,
			"nodes: i-0b (workers): We currently do not have sufficient capacity", 15 * s},
		{"the target is not the spec's", []cloudtest.ClusterState{in(3*s, 2, 2)}, 3, false,
			"cluster ml/workers (AWS::SageMaker::Cluster): group workers targets 2 instances, the spec asks 3", 5 * s},
	} {
		f := cloudtest.New()
		root := clusterTree(f)
		f.Cluster("ml", tc.states...)
		// HyperPod's own event for the node that did not come: its message
		// joins the cause.
		f.Events["ml"] = []smtypes.ClusterEventDetail{{EventId: aws.String("e1"), ClusterName: aws.String("ml"), EventTime: aws.Time(f.Now().Add(4 * s)),
			ResourceType: smtypes.ClusterEventResourceTypeInstance, EventLevel: smtypes.ClusterEventLevelError, InstanceGroupName: aws.String("workers"),
			InstanceId: aws.String("i-0b"), Description: aws.String("Instance i-0b failed"),
			EventDetails: &smtypes.EventDetails{EventMetadata: &smtypes.EventMetadataMemberInstance{Value: smtypes.InstanceMetadata{
				FailureMessage: aws.String("We currently do not have sufficient capacity")}}}}}
		start := f.Now()
		sum, _, err := run(t, f, Options{Stack: root.ID, Cluster: "ml", Groups: map[string]int{"workers": tc.spec}, NodesTimeout: 10 * s})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if sum.Succeeded != tc.ok || (tc.cause != "" && (sum.RootCause == nil || !strings.Contains(sum.RootCause.String(), tc.cause))) {
			t.Errorf("%s: succeeded %v, cause %v", tc.name, sum.Succeeded, sum.RootCause)
		}
		if took := f.Now().Sub(start); took != tc.end {
			t.Errorf("%s: ended after %s, want %s", tc.name, took, tc.end)
		}
	}
}

// A rollback may delete the failed cluster before the watch reads it
// Failed, and its events go with it: a cluster read Deleting while the
// watch follows a create is the moment to read the failed nodes' details
// (HyperPod's FailureMessage), not after, when only the event's summary
// was kept.
func TestAClusterSeenOnlyDeletingStillGivesItsNodesMessages(t *testing.T) {
	f := cloudtest.New()
	root, hp := clusterStacks(f)
	root.Nested(8*s, "HyperPodClusterStack", hp, "CREATE_FAILED", "Embedded stack failed").
		Status(9*s, "ROLLBACK_IN_PROGRESS", "").Status(10*s, "ROLLBACK_COMPLETE", "")
	hp.Resource(2*s, "NewHyperPodCluster", "AWS::SageMaker::Cluster", "CREATE_IN_PROGRESS", "").
		Resource(6*s, "NewHyperPodCluster", "AWS::SageMaker::Cluster", "CREATE_FAILED", "Cluster ml failed: Lifecycle scripts did not run successfully").
		Status(7*s, "CREATE_FAILED", "")
	groups := []cloudtest.GroupDetails{cloudtest.Group("workers", 0, 1)}
	f.Cluster("ml", cloudtest.ClusterState{At: 2 * s, Status: "Creating", Groups: groups},
		cloudtest.ClusterState{At: 3 * s, Status: "Deleting", Groups: groups},
		cloudtest.ClusterState{At: 5 * s, Missing: true})
	f.Events["ml"] = []smtypes.ClusterEventDetail{{EventId: aws.String("e1"), ClusterName: aws.String("ml"), EventTime: aws.Time(f.Now().Add(3 * s)),
		ResourceType: smtypes.ClusterEventResourceTypeInstance, EventLevel: smtypes.ClusterEventLevelError, InstanceGroupName: aws.String("workers"),
		InstanceId: aws.String("i-0b"), Description: aws.String("Instance i-0b failed"),
		EventDetails: &smtypes.EventDetails{EventMetadata: &smtypes.EventMetadataMemberInstance{Value: smtypes.InstanceMetadata{
			FailureMessage: aws.String("Lifecycle script on_create.sh exited with code 100")}}}}}
	sum, _, err := run(t, f, Options{Stack: root.ID, Cluster: "ml"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "nodes: i-0b (workers): Lifecycle script on_create.sh exited with code 100"; sum.Succeeded || sum.RootCause == nil || !strings.Contains(sum.RootCause.String(), want) {
		t.Errorf("succeeded %v, cause %v; want it to name %q", sum.Succeeded, sum.RootCause, want)
	}
}

// While the cluster stays the same its reads are spaced out, up to one in
// five polls; a change brings them back to every poll, and so does each
// event of the cluster resource, so that its end is shown at once.
func TestAnUnchangingClusterIsReadLessOften(t *testing.T) {
	f := cloudtest.New()
	root, hp := clusterStacks(f)
	root.Nested(61*s, "HyperPodClusterStack", hp, "CREATE_COMPLETE", "").Status(61*s, "CREATE_COMPLETE", "")
	hp.Resource(2*s, "NewHyperPodCluster", "AWS::SageMaker::Cluster", "CREATE_IN_PROGRESS", "").
		Resource(61*s, "NewHyperPodCluster", "AWS::SageMaker::Cluster", "CREATE_COMPLETE", "").Status(61*s, "CREATE_COMPLETE", "")
	f.Cluster("ml", cloudtest.ClusterState{At: 2 * s, Status: "Creating", Groups: []cloudtest.GroupDetails{cloudtest.Group("workers", 0, 2)}},
		cloudtest.ClusterState{At: 40 * s, Status: "Creating", Groups: []cloudtest.GroupDetails{cloudtest.Group("workers", 1, 2)}},
		cloudtest.ClusterState{At: 61 * s, Status: "InService", Groups: []cloudtest.GroupDetails{cloudtest.Group("workers", 2, 2)}})
	start := f.Now()
	var updates []Update
	readsAtInService := 0
	sum, err := New(f, f, Options{Stack: root.ID, Cluster: "ml", Interval: s, Now: f.Now, Sleep: f.Sleep}).Run(context.Background(), func(u Update) {
		if c, ok := u.(Cluster); ok && c.Status == "InService" {
			readsAtInService = f.Calls["DescribeCluster"]
		}
		updates = append(updates, u)
	})
	if err != nil || !sum.Succeeded {
		t.Fatalf("%v %+v", err, sum)
	}
	// The stacks end in the poll that read it InService, and that read is
	// the last: the summary does not ask again what it has just been told.
	if n := f.Calls["DescribeCluster"]; n != readsAtInService {
		t.Errorf("%d DescribeCluster calls, %d of them before InService was shown", n, readsAtInService)
	}
	var shown []string
	for _, u := range updates {
		if c, ok := u.(Cluster); ok {
			shown = append(shown, fmt.Sprintf("%s %s %d/%d", c.Time.Sub(start), c.Status, c.Groups[0].Current, c.Groups[0].Target))
		}
	}
	// The change at 40 s is read within five polls; InService with the
	// cluster resource's own event, in the same poll.
	if len(shown) != 3 || !strings.HasSuffix(shown[0], "Creating 0/2") || shown[2] != "1m1s InService 2/2" {
		t.Errorf("cluster shown %v", shown)
	}
	if at, _ := time.ParseDuration(strings.Fields(shown[1])[0]); at < 40*s || at > 45*s {
		t.Errorf("the change at 40s was shown at %s", at)
	}
	// 60 polls while the cluster is created; every poll would be 60 reads.
	if n := f.Calls["DescribeCluster"]; n > 20 {
		t.Errorf("%d DescribeCluster calls in the cluster's 60 s", n)
	}
}

func TestFailedClusterIsTheCause(t *testing.T) {
	f := cloudtest.New()
	root := f.Stack("hpctl-ml")
	root.Status(0, "CREATE_IN_PROGRESS", "User Initiated").Status(1*s, "CREATE_COMPLETE", "")
	f.Cluster("ml", cloudtest.ClusterState{At: 0, Status: "Creating"},
		cloudtest.ClusterState{At: 3 * s, Status: "Failed", Message: "Insufficient capacity for ml.p5.48xlarge"})
	sum, _, err := run(t, f, Options{Stack: root.ID, Cluster: "ml"})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Succeeded || sum.RootCause == nil || sum.RootCause.String() != "cluster ml (AWS::SageMaker::Cluster): Insufficient capacity for ml.p5.48xlarge" {
		t.Errorf("%+v %v", sum, sum.RootCause)
	}
}

func TestInterruptEndsTheWatchNotTheStack(t *testing.T) {
	f := cloudtest.New()
	root, _ := tree(f)
	ctx, cancel := context.WithCancel(context.Background())
	polls := 0
	w := New(f, f, Options{Stack: root.ID, Interval: s, Now: f.Now, Sleep: f.Sleep})
	sum, err := w.Run(ctx, func(u Update) {
		if _, ok := u.(Tick); ok {
			if polls++; polls == 2 {
				cancel()
			}
		}
	})
	if err != context.Canceled || sum.Status != "CREATE_IN_PROGRESS" {
		t.Errorf("%v %+v", err, sum)
	}
}

// Between two waves of nested stacks the root's end is not near: told how
// many resources the root has to see to, the watch keeps its pace there and
// polls quickly only once the last of them has finished.
func TestQuickPollsWaitForTheRootsLastResource(t *testing.T) {
	script := func(f *cloudtest.Fake) *cloudtest.Stack {
		root := f.Stack("hpctl-ml")
		a, b := f.Stack("hpctl-ml-A-1"), f.Stack("hpctl-ml-B-2")
		root.Status(0, "CREATE_IN_PROGRESS", "User Initiated").
			Nested(1*s, "A", a, "CREATE_IN_PROGRESS", "Resource creation Initiated").
			Nested(3*s, "A", a, "CREATE_COMPLETE", "").
			Nested(6*s, "B", b, "CREATE_IN_PROGRESS", "Resource creation Initiated").
			Nested(8*s, "B", b, "CREATE_COMPLETE", "").
			Status(8300*time.Millisecond, "CREATE_COMPLETE", "")
		a.Status(1*s, "CREATE_IN_PROGRESS", "").Status(3*s, "CREATE_COMPLETE", "")
		b.Status(6*s, "CREATE_IN_PROGRESS", "").Status(8*s, "CREATE_COMPLETE", "")
		return root
	}
	for _, tc := range []struct {
		resources int
		calls     int
	}{{0, 25}, {2, 16}} { // without the count, ten quick polls between the waves
		f := cloudtest.New()
		root := script(f)
		start := f.Now()
		sum, _, err := run(t, f, Options{Stack: root.ID, Resources: tc.resources})
		if err != nil || !sum.Succeeded {
			t.Fatalf("%v %+v", err, sum)
		}
		if took := f.Now().Sub(start); took != 8300*time.Millisecond {
			t.Errorf("resources %d: the end was read after %s, want 8.3s", tc.resources, took)
		}
		if n := f.Calls["DescribeStackEvents"]; n != tc.calls {
			t.Errorf("resources %d: %d DescribeStackEvents calls, want %d", tc.resources, n, tc.calls)
		}
	}
}

// reads records when each stack's events were read.
type reads struct {
	*cloudtest.Fake
	at map[string][]time.Duration
}

func (r *reads) DescribeStackEvents(ctx context.Context, in *cloudformation.DescribeStackEventsInput, opts ...func(*cloudformation.Options)) (*cloudformation.DescribeStackEventsOutput, error) {
	name := cloud.StackName(aws.ToString(in.StackName))
	r.at[name] = append(r.at[name], r.Now().Sub(time.Time{}))
	return r.Fake.DescribeStackEvents(ctx, in, opts...)
}

// While the only thing in progress under the root is a nested stack that
// is itself being read, the root is read one poll in five: it can change
// only after that stack does. When the nested stack has news, the root is
// read in the same poll, so that no event of the tree is shown later than
// an interval after it happened; and a change that starts in the root
// alone (here a cancel, before the nested stack shows it) is read within
// five polls.
func TestAParentWaitingOnANestedStackIsReadLessOften(t *testing.T) {
	for _, cancel := range []bool{false, true} {
		f := cloudtest.New()
		root := f.Stack("hpctl-ml")
		hp := f.Stack("hpctl-ml-HyperPodClusterStack-Q")
		root.Status(0, "CREATE_IN_PROGRESS", "User Initiated").
			Nested(1*s, "HyperPodClusterStack", hp, "CREATE_IN_PROGRESS", "Resource creation Initiated")
		hp.Status(1*s, "CREATE_IN_PROGRESS", "").
			Resource(2*s, "Cluster", "AWS::SageMaker::Cluster", "CREATE_IN_PROGRESS", "")
		if cancel {
			root.Status(30500*time.Millisecond, "ROLLBACK_IN_PROGRESS", "Stack creation time exceeded the specified timeout")
			hp.Resource(33500*time.Millisecond, "Cluster", "AWS::SageMaker::Cluster", "CREATE_FAILED", "Resource creation cancelled").
				Status(34*s, "CREATE_FAILED", "")
			root.Nested(35*s, "HyperPodClusterStack", hp, "CREATE_FAILED", "Resource creation cancelled").
				Status(36*s, "ROLLBACK_COMPLETE", "")
		} else {
			hp.Resource(60500*time.Millisecond, "Cluster", "AWS::SageMaker::Cluster", "CREATE_COMPLETE", "").
				Status(60500*time.Millisecond, "CREATE_COMPLETE", "")
			root.Nested(60500*time.Millisecond, "HyperPodClusterStack", hp, "CREATE_COMPLETE", "").
				Status(60500*time.Millisecond, "CREATE_COMPLETE", "")
		}
		r := &reads{Fake: f, at: map[string][]time.Duration{}}
		start := f.Now()
		var late []string
		var worst time.Duration
		_, err := New(r, f, Options{Stack: root.ID, Interval: s, Now: f.Now, Sleep: f.Sleep}).Run(context.Background(), func(u Update) {
			if e, ok := u.(Event); ok && f.Now().Sub(e.Time) > s {
				late = append(late, fmt.Sprintf("%s %s at %s", e.Path, e.Status, e.Time.Sub(start)))
				worst = max(worst, f.Now().Sub(e.Time))
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		offset := start.Sub(time.Time{})
		rootReads := r.at["hpctl-ml"]
		for i := 1; i < len(rootReads); i++ {
			if gap := rootReads[i] - rootReads[i-1]; gap > 5*s {
				t.Errorf("cancel %v: the root went unread from %s to %s", cancel, rootReads[i-1]-offset, rootReads[i]-offset)
			}
		}
		switch {
		case cancel && (len(late) != 1 || late[0] != "hpctl-ml ROLLBACK_IN_PROGRESS at 30.5s" || worst > 5*s):
			t.Errorf("cancel: late events %v, the latest %s", late, worst)
		case !cancel && len(late) > 0:
			t.Errorf("late events %v", late)
		case !cancel && (len(rootReads) > 16 || len(r.at["hpctl-ml-HyperPodClusterStack-Q"]) < 59):
			t.Errorf("%d reads of the root and %d of the nested stack in 60 s, want at most 16 and one a poll",
				len(rootReads), len(r.at["hpctl-ml-HyperPodClusterStack-Q"]))
		}
	}
}

// A poll's reads end an interval after the previous poll began, however
// long they take: on a slow endpoint (a quarter of a second a call) the
// root is still read once a second, and no event waits longer than an
// interval to be shown.
func TestPollsKeepTheirPaceOnASlowEndpoint(t *testing.T) {
	f := cloudtest.New()
	root, _ := tree(f)
	root.Resource(4*s, "VPCStack", "AWS::CloudFormation::Stack", "CREATE_COMPLETE", "").
		Resource(5*s, "Bucket", "AWS::S3::Bucket", "CREATE_IN_PROGRESS", "").
		Resource(30*s, "Bucket", "AWS::S3::Bucket", "CREATE_COMPLETE", "").
		Status(31*s, "CREATE_COMPLETE", "")
	f.Latency = 250 * time.Millisecond
	var reads []time.Duration
	start := f.Now()
	_, updates, err := run(t, f, Options{Stack: root.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range updates {
		if tick, ok := u.(Tick); ok {
			reads = append(reads, tick.Time.Sub(start))
		}
	}
	steady := 0
	for i := 1; i < len(reads); i++ {
		if reads[i-1] < 7*s { // the quick polls after VPCStack end by 7s
			continue
		}
		// A tick comes when a poll's reads are done; the poll began one
		// call's time before.
		if span := reads[i] - (reads[i-1] - f.Latency); span != s {
			t.Fatalf("poll %d ends %s after poll %d began, want 1s: %v", i, span, i-1, reads)
		}
		steady++
	}
	if steady < 20 {
		t.Errorf("%d steady polls: %v", steady, reads)
	}
}

// Once no nested stack is left in progress, the root is read ten times as
// often for an interval: its end is near, and a full interval would only
// delay the exit.
func TestTheEndIsReadSoon(t *testing.T) {
	f := cloudtest.New()
	root, _ := tree(f)
	root.Resource(4*s, "VPCStack", "AWS::CloudFormation::Stack", "CREATE_COMPLETE", "").
		Status(4300*time.Millisecond, "CREATE_COMPLETE", "")
	start := f.Now()
	sum, _, err := run(t, f, Options{Stack: root.ID})
	if err != nil || !sum.Succeeded {
		t.Fatalf("%v %+v", err, sum)
	}
	if took := f.Now().Sub(start); took != 4300*time.Millisecond {
		t.Errorf("the end was read after %s, want 4.3s (the third quick poll after 4s)", took)
	}
}

// A stack waiting for its change set runs nothing: the watch ends at once
// rather than wait for what only a person can start.
func TestReviewInProgressEndsTheWatch(t *testing.T) {
	f := cloudtest.New()
	root := f.Stack("hpctl-ml")
	root.Status(0, "REVIEW_IN_PROGRESS", "User Initiated")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	polls := 0
	w := New(f, f, Options{Stack: root.ID, FromOperationStart: true, Interval: s, Now: f.Now, Sleep: f.Sleep})
	sum, err := w.Run(ctx, func(u Update) {
		if _, ok := u.(Tick); ok {
			if polls++; polls > 3 {
				cancel() // still waiting: the test fails rather than hangs
			}
		}
	})
	if err != nil || polls != 1 || sum.Succeeded || sum.Status != "REVIEW_IN_PROGRESS" {
		t.Errorf("%v after %d polls: %+v", err, polls, sum)
	}
}

func TestDeleteFollowsTheStackToItsEnd(t *testing.T) {
	f := cloudtest.New()
	root := f.Stack("hpctl-ml")
	root.Status(0, "DELETE_IN_PROGRESS", "User Initiated").Resource(1*s, "Bucket", "AWS::S3::Bucket", "DELETE_IN_PROGRESS", "").
		Resource(2*s, "Bucket", "AWS::S3::Bucket", "DELETE_FAILED", "The bucket you tried to delete is not empty").
		Status(3*s, "DELETE_FAILED", "The following resource(s) failed to delete: [Bucket]. ")
	sum, _, err := run(t, f, Options{Stack: root.ID, Deleting: true})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Succeeded || sum.RootCause.String() != "hpctl-ml/Bucket (AWS::S3::Bucket): The bucket you tried to delete is not empty" {
		t.Errorf("%+v", sum.RootCause)
	}
}

// A cluster being deleted is followed until it is gone, its groups draining.
func TestRunClusterFollowsADeletionUntilGone(t *testing.T) {
	f := cloudtest.New()
	f.Cluster("ml", cloudtest.ClusterState{At: 0, Status: "Deleting", Groups: []cloudtest.GroupDetails{cloudtest.Group("workers", 2, 0)}},
		cloudtest.ClusterState{At: 2 * s, Status: "Deleting", Groups: []cloudtest.GroupDetails{cloudtest.Group("workers", 1, 0)}},
		cloudtest.ClusterState{At: 4 * s, Missing: true})
	var states []string
	w := New(f, f, Options{Cluster: "ml", Deleting: true, Interval: s, Now: f.Now, Sleep: f.Sleep})
	sum, err := w.RunCluster(context.Background(), func(u Update) {
		if c, ok := u.(Cluster); ok {
			states = append(states, c.Status+" "+itoa(c.Groups[0].Current))
		}
	})
	if err != nil || !sum.Succeeded || sum.Status != "deleted" {
		t.Fatalf("%v %+v", err, sum)
	}
	if !slices.Equal(states, []string{"Deleting 2", "Deleting 1"}) {
		t.Errorf("states %v", states)
	}
}

func TestRunClusterNamesAFailedDeletion(t *testing.T) {
	f := cloudtest.New()
	f.Cluster("ml", cloudtest.ClusterState{At: 0, Status: "Deleting"},
		cloudtest.ClusterState{At: 3 * s, Status: "Failed", Message: "instances could not be terminated"})
	w := New(f, f, Options{Cluster: "ml", Deleting: true, Interval: s, Now: f.Now, Sleep: f.Sleep})
	sum, err := w.RunCluster(context.Background(), func(Update) {})
	if err != nil || sum.Succeeded || sum.RootCause == nil || !strings.Contains(sum.RootCause.Reason, "instances could not be terminated") {
		t.Errorf("%v %+v %v", err, sum, sum.RootCause)
	}
}

// A read that waiting cannot mend (denied, expired credentials) ends the
// watch at the poll that met it, naming what was read; a transient one is
// tried again and counted in the ticks.
func TestFatalReadsEndTheWatchAtOnce(t *testing.T) {
	cluster := func(f *cloudtest.Fake) (*cloudtest.Stack, Options) {
		root := clusterTree(f)
		f.Cluster("ml", cloudtest.ClusterState{At: 2 * s, Status: "Creating"}, cloudtest.ClusterState{At: 30 * s, Status: "InService"})
		return root, Options{Stack: root.ID, Cluster: "ml"}
	}
	for _, tc := range []struct {
		name   string
		op     string
		errs   []error
		what   string
		action string
	}{
		{"denied stack events", "DescribeStackEvents", []error{cloudtest.Denied("cloudformation:DescribeStackEvents")}, "stack hpctl-ml", "AccessDenied"},
		{"expired on a nested stack", "DescribeStackEvents", []error{nil, nil, cloudtest.Expired()}, "stack hpctl-ml/HyperPodClusterStack", "ExpiredToken"},
		{"denied cluster", "DescribeCluster", []error{cloudtest.Denied("sagemaker:DescribeCluster")}, "cluster ml", "AccessDeniedException"},
		{"denied cluster after the stacks", "DescribeCluster", []error{nil, nil, nil, cloudtest.Denied("sagemaker:DescribeCluster")}, "cluster ml", "AccessDeniedException"},
		{"denied final describe", "DescribeStacks", []error{cloudtest.Denied("cloudformation:DescribeStacks")}, "stack hpctl-ml", "AccessDenied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := cloudtest.New()
			_, opt := cluster(f)
			f.Errors[tc.op] = tc.errs
			_, _, err := run(t, f, opt)
			var re *ReadError
			if !errors.As(err, &re) || re.What != tc.what || cloud.Code(err) != tc.action || cloud.Classify(err) != cloud.Fatal {
				t.Fatalf("err %v (%T)", err, err)
			}
			if calls := f.Calls[tc.op]; calls != len(tc.errs) {
				t.Errorf("%s called %d times after the fatal error; want it to be the last call", tc.op, calls)
			}
		})
	}
	t.Run("transient reads are counted in the ticks", func(t *testing.T) {
		f := cloudtest.New()
		_, opt := cluster(f)
		f.Errors["DescribeCluster"] = []error{cloudtest.Throttling(), nil, cloudtest.Throttling()}
		sum, updates, err := run(t, f, opt)
		if err != nil || !sum.Succeeded {
			t.Fatalf("%v %+v", err, sum)
		}
		var last Tick
		for _, u := range updates {
			if tick, ok := u.(Tick); ok {
				last = tick
			}
		}
		if last.Retried != 2 || !strings.Contains(last.LastError, "Throttling: Rate exceeded") {
			t.Errorf("last tick: %d retried, %q", last.Retried, last.LastError)
		}
	})
}

// A watch that joins an operation already under way times it from the
// operation's start, not its own.
func TestAJoiningWatchTimesTheOperation(t *testing.T) {
	f := cloudtest.New()
	root := f.Stack("hpctl-ml")
	root.Status(0, "CREATE_IN_PROGRESS", "User Initiated").Resource(1*s, "Bucket", "AWS::S3::Bucket", "CREATE_IN_PROGRESS", "").
		Resource(50*s, "Bucket", "AWS::S3::Bucket", "CREATE_COMPLETE", "").Status(50*s, "CREATE_COMPLETE", "")
	_ = f.Sleep(context.Background(), 40*s) // the watch starts 40 s into the operation
	sum, _, err := run(t, f, Options{Stack: root.ID, FromOperationStart: true})
	if err != nil || !sum.Succeeded {
		t.Fatalf("%v %+v", err, sum)
	}
	if got := time.Duration(sum.Elapsed); got < 50*s || got > 52*s {
		t.Errorf("elapsed %s, want the operation's 50 s", got)
	}
}
