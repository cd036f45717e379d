// Package cloudtest is an in-memory stand-in for the CloudFormation, S3
// and SageMaker APIs hpctl calls, on a fake clock that Sleep advances. A
// test scripts stacks event by event (watching, pagination, throttling,
// root causes), or lets the fake run change sets from the templates in its
// S3 (play.go, changesets.go), so that whole commands run in milliseconds.
// The emulator proves the real SDK path; this proves command logic.
package cloudtest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	smtypes "github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
	"github.com/aws/smithy-go"

	"github.com/hpctl/hpctl/internal/cloud"
)

// Fake is the scripted cloud. Its zero value is not usable; call New.
type Fake struct {
	mu       sync.Mutex
	start    time.Time
	now      time.Time
	stacks   map[string]*Stack
	clusters map[string][]ClusterState
	// PageSize is how many events a DescribeStackEvents page holds.
	PageSize int
	// Calls counts the calls by operation.
	Calls map[string]int
	// Errors are returned, one per call, before the operation answers.
	Errors map[string][]error
	// DescribeEvents answers with these operation events; nil makes the
	// operation unsupported, as on an emulator.
	OperationEvents []cftypes.OperationEvent
	// Latency is how long each call takes on the fake clock (0: none).
	Latency time.Duration
	// Limit ends any sleep past this much fake time (24h) with an error.
	Limit time.Duration
	// Step is how long each resource of a played operation takes (1s).
	Step time.Duration
	// Fail makes the creation or update of resources of these logical IDs
	// fail with the reason; FailDelete their deletion, FailRollback the
	// rollback of their failed update.
	Fail, FailDelete, FailRollback map[string]string
	// Short keeps these groups (by name) at this many instances once their
	// cluster is InService, as continuous provisioning can.
	Short map[string]int32
	// Events are HyperPod's events of each cluster (by name), for
	// ListClusterEvents and DescribeClusterEvent.
	Events     map[string][]smtypes.ClusterEventDetail
	seq        int
	buckets    map[string]*Bucket
	changeSets map[string]*changeSet
	tokens     map[string]bool
}

var _ cloud.CloudFormation = (*Fake)(nil)
var _ cloud.SageMaker = (*Fake)(nil)

func (f *Fake) next() int {
	f.seq++
	return f.seq
}

// New makes a fake cloud whose clock starts at a fixed time.
func New() *Fake {
	start := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	return &Fake{start: start, now: start, stacks: map[string]*Stack{}, clusters: map[string][]ClusterState{},
		PageSize: 100, Calls: map[string]int{}, Errors: map[string][]error{}, Step: time.Second, Limit: 24 * time.Hour,
		Fail: map[string]string{}, FailDelete: map[string]string{}, FailRollback: map[string]string{}, Short: map[string]int32{}, Events: map[string][]smtypes.ClusterEventDetail{}, buckets: map[string]*Bucket{},
		changeSets: map[string]*changeSet{}, tokens: map[string]bool{}}
}

// Now is the fake clock.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// Sleep advances the fake clock.
func (f *Fake) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
	if f.now.Sub(f.start) > f.Limit {
		// On a fake clock a wait for what never comes spins for ever.
		return fmt.Errorf("cloudtest: the fake clock ran past %s: the command waits for something the fake will never do", f.Limit)
	}
	return nil
}

// Throttling is the error AWS gives when calls come too fast.
func Throttling() error {
	return &smithy.GenericAPIError{Code: "Throttling", Message: "Rate exceeded", Fault: smithy.FaultClient}
}

// Denied is the error AWS gives an identity without the permission, in
// the service's own code: the JSON-protocol services (SageMaker) say
// AccessDeniedException, CloudFormation and S3 AccessDenied.
func Denied(action string) error {
	code := "AccessDenied"
	if strings.HasPrefix(action, "sagemaker:") {
		code = "AccessDeniedException"
	}
	return &smithy.GenericAPIError{Code: code, Fault: smithy.FaultClient,
		Message: "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: " + action}
}

// Expired is the error AWS gives for a session token past its end.
func Expired() error {
	return &smithy.GenericAPIError{Code: "ExpiredToken", Message: "The security token included in the request is expired", Fault: smithy.FaultClient}
}

// Stack is a stack: scripted event by event, or played from a template.
type Stack struct {
	f       *Fake
	ID      string
	Name    string
	events  []timed
	outputs map[string]string
	reason  string
	// What a played stack runs, and what it made.
	run       played
	res       map[string]*resource
	order     []string
	parent    *Stack
	tags      []cftypes.Tag
	created   time.Time
	updated   *time.Time
	protected bool
	executed  string
}

type timed struct {
	at time.Duration
	e  cftypes.StackEvent
}

// Stack adds a stack.
func (f *Fake) Stack(name string) *Stack {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.newStack(name)
}

func (f *Fake) newStack(name string) *Stack {
	s := &Stack{f: f, Name: name, ID: fmt.Sprintf("arn:aws:cloudformation:us-west-2:%s:stack/%s/%08d-0000", account, name, f.next()),
		created: f.now, res: map[string]*resource{}}
	f.stacks[s.ID], f.stacks[name] = s, s
	return s
}

// Status adds an event for the stack itself at a time after the clock's start.
func (s *Stack) Status(at time.Duration, status, reason string) *Stack {
	return s.event(at, s.Name, s.ID, "AWS::CloudFormation::Stack", status, reason)
}

// Resource adds an event for one of the stack's resources.
func (s *Stack) Resource(at time.Duration, logicalID, typ, status, reason string) *Stack {
	return s.event(at, logicalID, "", typ, status, reason)
}

// Nested adds an event for a nested-stack resource whose stack is child.
func (s *Stack) Nested(at time.Duration, logicalID string, child *Stack, status, reason string) *Stack {
	return s.event(at, logicalID, child.ID, "AWS::CloudFormation::Stack", status, reason)
}

// Outputs sets what DescribeStacks shows once the stack completes.
func (s *Stack) Outputs(kv map[string]string) *Stack {
	s.outputs = kv
	return s
}

// Reason sets the stack's StackStatusReason.
func (s *Stack) Reason(r string) *Stack {
	s.reason = r
	return s
}

func (s *Stack) event(at time.Duration, logicalID, physicalID, typ, status, reason string) *Stack {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	s.eventLocked(at, logicalID, physicalID, typ, status, reason)
	return s
}

// eventLocked adds an event; the fake's lock is held.
func (s *Stack) eventLocked(at time.Duration, logicalID, physicalID, typ, status, reason string) {
	e := cftypes.StackEvent{
		EventId: aws.String("ev-" + strconv.Itoa(s.f.next())), StackId: aws.String(s.ID), StackName: aws.String(s.Name),
		LogicalResourceId: aws.String(logicalID), PhysicalResourceId: aws.String(physicalID), ResourceType: aws.String(typ),
		ResourceStatus: cftypes.ResourceStatus(status), Timestamp: aws.Time(s.f.start.Add(at)),
	}
	if reason != "" {
		e.ResourceStatusReason = aws.String(reason)
	}
	s.events = append(s.events, timed{at: at, e: e})
}

// final is the status the stack's operation ends in, visible yet or not:
// what a playing operation goes by.
func (s *Stack) final() string {
	for i := len(s.events) - 1; i >= 0; i-- {
		if aws.ToString(s.events[i].e.LogicalResourceId) == s.Name {
			return string(s.events[i].e.ResourceStatus)
		}
	}
	return ""
}

// status is the stack's visible status ("" before its first event).
func (s *Stack) status() string {
	for _, e := range s.visible() {
		if aws.ToString(e.LogicalResourceId) == s.Name {
			return string(e.ResourceStatus)
		}
	}
	return ""
}

// EventID is the ID of the stack's i-th scripted event, counting from 0.
func (s *Stack) EventID(i int) string {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	return aws.ToString(s.events[i].e.EventId)
}

// LastEventID is the ID of the newest event visible now.
func (s *Stack) LastEventID() string {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	v := s.visible()
	if len(v) == 0 {
		return ""
	}
	return aws.ToString(v[0].EventId)
}

// visible returns the events whose time has come, newest first.
func (s *Stack) visible() []cftypes.StackEvent {
	var out []cftypes.StackEvent
	for i := len(s.events) - 1; i >= 0; i-- {
		if s.f.start.Add(s.events[i].at).Compare(s.f.now) <= 0 {
			out = append(out, s.events[i].e)
		}
	}
	return out
}

// call counts a call and answers the error scripted for it, wrapped as the
// SDK wraps a service's error: the operation and service it came from,
// which hpctl turns into the IAM action it names.
func (f *Fake) call(op string) error {
	f.Calls[op]++
	f.now = f.now.Add(f.Latency)
	if errs := f.Errors[op]; len(errs) > 0 {
		f.Errors[op] = errs[1:]
		if errs[0] == nil {
			return nil
		}
		return &smithy.OperationError{ServiceID: serviceOf(op), OperationName: op, Err: errs[0]}
	}
	return nil
}

func serviceOf(op string) string {
	switch op {
	case "DescribeCluster", "ListClusterNodes", "DeleteCluster":
		return "SageMaker"
	case "HeadBucket", "HeadObject", "GetObject", "PutObject", "CopyObject", "ListObjectsV2", "CreateBucket", "PutBucketEncryption",
		"PutPublicAccessBlock", "PutBucketTagging", "GetBucketTagging", "GetBucketEncryption", "GetPublicAccessBlock",
		"ListObjectVersions", "DeleteObjects":
		return "S3"
	}
	return "CloudFormation"
}

// Outage is the error of a service that fails every call (a 500), after
// the SDK's retries gave up.
func Outage() error {
	return &httpError{GenericAPIError: smithy.GenericAPIError{Code: "InternalFailure", Message: "We encountered an internal error. Please try again.",
		Fault: smithy.FaultServer}, status: 500}
}

// stackCall counts a call on a stack and finds it; the lock is held.
func (f *Fake) stackCall(op string, name *string) (*Stack, error) {
	if err := f.call(op); err != nil {
		return nil, err
	}
	return f.lookup(aws.ToString(name))
}

// lookup finds a stack by ID, or by name while it is not deleted, as
// CloudFormation does.
func (f *Fake) lookup(name string) (*Stack, error) {
	s, ok := f.stacks[name]
	if !ok || (s.ID != name && s.status() == "DELETE_COMPLETE") {
		return nil, &smithy.GenericAPIError{Code: "ValidationError", Message: "Stack with id " + name + " does not exist"}
	}
	return s, nil
}

const stackType = "AWS::CloudFormation::Stack"

// DescribeStackEvents pages the visible events, newest first.
func (f *Fake) DescribeStackEvents(_ context.Context, in *cloudformation.DescribeStackEventsInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStackEventsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, err := f.stackCall("DescribeStackEvents", in.StackName)
	if err != nil {
		return nil, err
	}
	events, next := page(s.visible(), in.NextToken, f.PageSize)
	return &cloudformation.DescribeStackEventsOutput{StackEvents: events, NextToken: next}, nil
}

// page is one page of items, size at a time, and the token of the next
// (nil after the last), as the paginated List and Describe calls answer.
func page[T any](items []T, token *string, size int) ([]T, *string) {
	from := 0
	if token != nil {
		from, _ = strconv.Atoi(*token)
	}
	from = min(from, len(items))
	to := min(from+size, len(items))
	if to < len(items) {
		return items[from:to], aws.String(strconv.Itoa(to))
	}
	return items[from:to], nil
}

// DescribeStacks shows the status of the latest visible stack-level event,
// and what a played stack runs with.
func (f *Fake) DescribeStacks(_ context.Context, in *cloudformation.DescribeStacksInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("DescribeStacks"); err != nil {
		return nil, err
	}
	if in.StackName == nil { // every stack that is not deleted, in one page
		out := &cloudformation.DescribeStacksOutput{}
		for _, s := range f.stacks {
			if f.stacks[s.Name] == s && s.status() != "DELETE_COMPLETE" && !slices.ContainsFunc(out.Stacks, func(x cftypes.Stack) bool { return *x.StackId == s.ID }) {
				out.Stacks = append(out.Stacks, s.describe())
			}
		}
		slices.SortFunc(out.Stacks, func(a, b cftypes.Stack) int { return strings.Compare(*a.StackId, *b.StackId) })
		return out, nil
	}
	s, err := f.lookup(aws.ToString(in.StackName))
	if err != nil {
		return nil, err
	}
	return &cloudformation.DescribeStacksOutput{Stacks: []cftypes.Stack{s.describe()}}, nil
}

// describe is the stack as DescribeStacks shows it.
func (s *Stack) describe() cftypes.Stack {
	st := cftypes.Stack{StackId: aws.String(s.ID), StackName: aws.String(s.Name), StackStatus: cftypes.StackStatus(s.status()),
		CreationTime: aws.Time(s.created), LastUpdatedTime: s.updated, Tags: s.tags, EnableTerminationProtection: aws.Bool(s.protected)}
	if s.executed != "" {
		st.ChangeSetId = aws.String(s.executed)
	}
	if s.parent != nil {
		st.ParentId, st.RootId = aws.String(s.parent.ID), aws.String(s.root().ID)
	}
	for _, k := range slices.Sorted(maps.Keys(s.run.params)) {
		st.Parameters = append(st.Parameters, cftypes.Parameter{ParameterKey: aws.String(k), ParameterValue: aws.String(s.run.params[k])})
	}
	switch st.StackStatus {
	case cftypes.StackStatusCreateComplete, cftypes.StackStatusUpdateComplete, cftypes.StackStatusUpdateRollbackComplete:
		for _, k := range slices.Sorted(maps.Keys(s.outputs)) {
			st.Outputs = append(st.Outputs, cftypes.Output{OutputKey: aws.String(k), OutputValue: aws.String(s.outputs[k])})
		}
	}
	if s.reason != "" {
		st.StackStatusReason = aws.String(s.reason)
	}
	return st
}

func (s *Stack) root() *Stack {
	for s.parent != nil {
		s = s.parent
	}
	return s
}

// DescribeEvents answers with OperationEvents, or as an endpoint without it.
func (f *Fake) DescribeEvents(context.Context, *cloudformation.DescribeEventsInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeEventsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("DescribeEvents"); err != nil {
		return nil, err
	}
	if f.OperationEvents == nil {
		return nil, &smithy.GenericAPIError{Code: "InvalidAction", Message: "not offered here"}
	}
	return &cloudformation.DescribeEventsOutput{OperationEvents: f.OperationEvents}, nil
}

// GroupDetails is an instance group as DescribeCluster shows it.
type GroupDetails = smtypes.ClusterInstanceGroupDetails

// ClusterState is what DescribeCluster answers from a time on.
type ClusterState struct {
	At      time.Duration
	Status  string
	Message string
	Groups  []smtypes.ClusterInstanceGroupDetails
	Missing bool
}

// Cluster scripts a cluster's states.
func (f *Fake) Cluster(name string, states ...ClusterState) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clusters[name] = states
}

// Group is an instance group's counts, for ClusterState.
func Group(name string, current, target int32) smtypes.ClusterInstanceGroupDetails {
	return smtypes.ClusterInstanceGroupDetails{InstanceGroupName: aws.String(name), InstanceType: "ml.g5.8xlarge",
		CurrentCount: aws.Int32(current), TargetCount: aws.Int32(target)}
}

// DescribeCluster answers with the latest state whose time has come.
func (f *Fake) DescribeCluster(_ context.Context, in *sagemaker.DescribeClusterInput, _ ...func(*sagemaker.Options)) (*sagemaker.DescribeClusterOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("DescribeCluster"); err != nil {
		return nil, err
	}
	name := aws.ToString(in.ClusterName)
	cur, err := f.existing(name)
	if err != nil {
		return nil, err
	}
	out := &sagemaker.DescribeClusterOutput{ClusterName: aws.String(name), ClusterStatus: smtypes.ClusterStatus(cur.Status), InstanceGroups: cur.Groups}
	if cur.Message != "" {
		out.FailureMessage = aws.String(cur.Message)
	}
	return out, nil
}

// ListClusterEvents lists the Events whose time has come, newest first
// (oldest first with SortOrder Ascending), by resource type and time. The
// events go with their cluster: a cluster that does not exist (any more)
// is ResourceNotFound, as the API reference lists and the emulator does.
func (f *Fake) ListClusterEvents(_ context.Context, in *sagemaker.ListClusterEventsInput, _ ...func(*sagemaker.Options)) (*sagemaker.ListClusterEventsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("ListClusterEvents"); err != nil {
		return nil, err
	}
	if _, err := f.existing(aws.ToString(in.ClusterName)); err != nil {
		return nil, err
	}
	var out []smtypes.ClusterEventSummary
	events := slices.Backward(f.Events[aws.ToString(in.ClusterName)])
	if in.SortOrder == smtypes.SortOrderAscending {
		events = slices.All(f.Events[aws.ToString(in.ClusterName)])
	}
	for _, e := range events {
		if e.EventTime.After(f.now) {
			continue
		}
		if (in.ResourceType == "" || e.ResourceType == in.ResourceType) && (in.EventTimeAfter == nil || e.EventTime.After(*in.EventTimeAfter)) {
			out = append(out, smtypes.ClusterEventSummary{EventId: e.EventId, ClusterName: e.ClusterName, ResourceType: e.ResourceType,
				EventTime: e.EventTime, EventLevel: e.EventLevel, Description: e.Description, InstanceGroupName: e.InstanceGroupName, InstanceId: e.InstanceId})
		}
	}
	return &sagemaker.ListClusterEventsOutput{Events: out}, nil
}

// DescribeClusterEvent is one of Events, whole, while its cluster exists.
func (f *Fake) DescribeClusterEvent(_ context.Context, in *sagemaker.DescribeClusterEventInput, _ ...func(*sagemaker.Options)) (*sagemaker.DescribeClusterEventOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("DescribeClusterEvent"); err != nil {
		return nil, err
	}
	if _, err := f.existing(aws.ToString(in.ClusterName)); err != nil {
		return nil, err
	}
	for _, e := range f.Events[aws.ToString(in.ClusterName)] {
		if aws.ToString(e.EventId) == aws.ToString(in.EventId) {
			return &sagemaker.DescribeClusterEventOutput{EventDetails: &e}, nil
		}
	}
	return nil, &smtypes.ResourceNotFound{Message: aws.String("no event " + aws.ToString(in.EventId))}
}

// existing is the cluster's state now, or ResourceNotFound as SageMaker
// words it when the cluster does not exist.
func (f *Fake) existing(name string) (*ClusterState, error) {
	if cur := f.clusterNow(name); cur != nil {
		return cur, nil
	}
	return nil, &smtypes.ResourceNotFound{Message: aws.String("Could not find cluster '" + name + "'.")}
}

// clusterNow is the cluster's latest state whose time has come (nil when
// it does not exist).
func (f *Fake) clusterNow(name string) *ClusterState {
	var cur *ClusterState
	for i, st := range f.clusters[name] {
		if f.start.Add(st.At).Compare(f.now) <= 0 {
			cur = &f.clusters[name][i]
		}
	}
	if cur == nil || cur.Missing {
		return nil
	}
	return cur
}

// Live are the stacks that are not deleted and the clusters that exist.
func (f *Fake) Live() (stacks, clusters []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for name, s := range f.stacks {
		if name == s.Name && s.status() != "DELETE_COMPLETE" {
			stacks = append(stacks, name)
		}
	}
	for name := range f.clusters {
		if f.clusterNow(name) != nil {
			clusters = append(clusters, name)
		}
	}
	slices.Sort(stacks)
	slices.Sort(clusters)
	return stacks, clusters
}
