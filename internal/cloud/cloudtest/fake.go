// Package cloudtest is a scripted stand-in for the CloudFormation and
// SageMaker APIs: stacks publish events at set times on a fake clock that
// Sleep advances, so that tests of watching, pagination, throttling and
// root causes are exact and fast.
package cloudtest

import (
	"context"
	"fmt"
	"strconv"
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
	seq             int
}

var _ cloud.CloudFormation = (*Fake)(nil)
var _ cloud.SageMaker = (*Fake)(nil)

// New makes a fake cloud whose clock starts at a fixed time.
func New() *Fake {
	start := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	return &Fake{start: start, now: start, stacks: map[string]*Stack{}, clusters: map[string][]ClusterState{},
		PageSize: 100, Calls: map[string]int{}, Errors: map[string][]error{}}
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
	return nil
}

// Throttling is the error AWS gives when calls come too fast.
func Throttling() error {
	return &smithy.GenericAPIError{Code: "Throttling", Message: "Rate exceeded", Fault: smithy.FaultClient}
}

// Denied is the error AWS gives an identity without the permission.
func Denied(action string) error {
	return &smithy.GenericAPIError{Code: "AccessDenied", Fault: smithy.FaultClient,
		Message: "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: " + action}
}

// Expired is the error AWS gives for a session token past its end.
func Expired() error {
	return &smithy.GenericAPIError{Code: "ExpiredToken", Message: "The security token included in the request is expired", Fault: smithy.FaultClient}
}

// Stack is a scripted stack.
type Stack struct {
	f       *Fake
	ID      string
	Name    string
	events  []timed
	outputs map[string]string
	reason  string
}

type timed struct {
	at time.Duration
	e  cftypes.StackEvent
}

// Stack adds a stack.
func (f *Fake) Stack(name string) *Stack {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	s := &Stack{f: f, Name: name, ID: fmt.Sprintf("arn:aws:cloudformation:us-west-2:123456789012:stack/%s/%08d-0000", name, f.seq)}
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
	s.f.seq++
	e := cftypes.StackEvent{
		EventId: aws.String("ev-" + strconv.Itoa(s.f.seq)), StackId: aws.String(s.ID), StackName: aws.String(s.Name),
		LogicalResourceId: aws.String(logicalID), PhysicalResourceId: aws.String(physicalID), ResourceType: aws.String(typ),
		ResourceStatus: cftypes.ResourceStatus(status), Timestamp: aws.Time(s.f.start.Add(at)),
	}
	if reason != "" {
		e.ResourceStatusReason = aws.String(reason)
	}
	s.events = append(s.events, timed{at: at, e: e})
	return s
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

func (f *Fake) call(op string) error {
	f.Calls[op]++
	if errs := f.Errors[op]; len(errs) > 0 {
		f.Errors[op] = errs[1:]
		return errs[0]
	}
	return nil
}

func (f *Fake) lookup(name string) (*Stack, error) {
	s, ok := f.stacks[name]
	if !ok {
		return nil, &smithy.GenericAPIError{Code: "ValidationError", Message: "Stack with id " + name + " does not exist"}
	}
	return s, nil
}

// DescribeStackEvents pages the visible events, newest first.
func (f *Fake) DescribeStackEvents(_ context.Context, in *cloudformation.DescribeStackEventsInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStackEventsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("DescribeStackEvents"); err != nil {
		return nil, err
	}
	s, err := f.lookup(aws.ToString(in.StackName))
	if err != nil {
		return nil, err
	}
	events := s.visible()
	from := 0
	if in.NextToken != nil {
		from, _ = strconv.Atoi(*in.NextToken)
	}
	to := min(from+f.PageSize, len(events))
	out := &cloudformation.DescribeStackEventsOutput{StackEvents: events[from:to]}
	if to < len(events) {
		out.NextToken = aws.String(strconv.Itoa(to))
	}
	return out, nil
}

// DescribeStacks shows the status of the latest visible stack-level event.
func (f *Fake) DescribeStacks(_ context.Context, in *cloudformation.DescribeStacksInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("DescribeStacks"); err != nil {
		return nil, err
	}
	s, err := f.lookup(aws.ToString(in.StackName))
	if err != nil {
		return nil, err
	}
	st := cftypes.Stack{StackId: aws.String(s.ID), StackName: aws.String(s.Name)}
	for _, e := range s.visible() {
		if aws.ToString(e.LogicalResourceId) == s.Name {
			st.StackStatus = cftypes.StackStatus(e.ResourceStatus)
			break
		}
	}
	if st.StackStatus == cftypes.StackStatusCreateComplete || st.StackStatus == cftypes.StackStatusUpdateComplete {
		for k, v := range s.outputs {
			st.Outputs = append(st.Outputs, cftypes.Output{OutputKey: aws.String(k), OutputValue: aws.String(v)})
		}
	}
	if s.reason != "" {
		st.StackStatusReason = aws.String(s.reason)
	}
	return &cloudformation.DescribeStacksOutput{Stacks: []cftypes.Stack{st}}, nil
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
	var cur *ClusterState
	for i, st := range f.clusters[name] {
		if f.start.Add(st.At).Compare(f.now) <= 0 {
			cur = &f.clusters[name][i]
		}
	}
	if cur == nil || cur.Missing {
		return nil, &smtypes.ResourceNotFound{Message: aws.String("Could not find cluster '" + name + "'.")}
	}
	out := &sagemaker.DescribeClusterOutput{ClusterName: aws.String(name), ClusterStatus: smtypes.ClusterStatus(cur.Status), InstanceGroups: cur.Groups}
	if cur.Message != "" {
		out.FailureMessage = aws.String(cur.Message)
	}
	return out, nil
}

func notScripted(op string) error { return fmt.Errorf("cloudtest: %s is not scripted", op) }

// The operations below are not scripted; a test that needs one fails loudly.

func (f *Fake) ListStackResources(context.Context, *cloudformation.ListStackResourcesInput, ...func(*cloudformation.Options)) (*cloudformation.ListStackResourcesOutput, error) {
	return nil, notScripted("ListStackResources")
}
func (f *Fake) ValidateTemplate(context.Context, *cloudformation.ValidateTemplateInput, ...func(*cloudformation.Options)) (*cloudformation.ValidateTemplateOutput, error) {
	return nil, notScripted("ValidateTemplate")
}
func (f *Fake) CreateChangeSet(context.Context, *cloudformation.CreateChangeSetInput, ...func(*cloudformation.Options)) (*cloudformation.CreateChangeSetOutput, error) {
	return nil, notScripted("CreateChangeSet")
}
func (f *Fake) DescribeChangeSet(context.Context, *cloudformation.DescribeChangeSetInput, ...func(*cloudformation.Options)) (*cloudformation.DescribeChangeSetOutput, error) {
	return nil, notScripted("DescribeChangeSet")
}
func (f *Fake) ExecuteChangeSet(context.Context, *cloudformation.ExecuteChangeSetInput, ...func(*cloudformation.Options)) (*cloudformation.ExecuteChangeSetOutput, error) {
	return nil, notScripted("ExecuteChangeSet")
}
func (f *Fake) DeleteChangeSet(context.Context, *cloudformation.DeleteChangeSetInput, ...func(*cloudformation.Options)) (*cloudformation.DeleteChangeSetOutput, error) {
	return nil, notScripted("DeleteChangeSet")
}
func (f *Fake) DeleteStack(context.Context, *cloudformation.DeleteStackInput, ...func(*cloudformation.Options)) (*cloudformation.DeleteStackOutput, error) {
	return nil, notScripted("DeleteStack")
}
func (f *Fake) ListChangeSets(context.Context, *cloudformation.ListChangeSetsInput, ...func(*cloudformation.Options)) (*cloudformation.ListChangeSetsOutput, error) {
	return nil, notScripted("ListChangeSets")
}
func (f *Fake) ListClusterNodes(context.Context, *sagemaker.ListClusterNodesInput, ...func(*sagemaker.Options)) (*sagemaker.ListClusterNodesOutput, error) {
	return nil, notScripted("ListClusterNodes")
}
func (f *Fake) GetTemplate(context.Context, *cloudformation.GetTemplateInput, ...func(*cloudformation.Options)) (*cloudformation.GetTemplateOutput, error) {
	return nil, notScripted("GetTemplate")
}
func (f *Fake) UpdateTerminationProtection(context.Context, *cloudformation.UpdateTerminationProtectionInput, ...func(*cloudformation.Options)) (*cloudformation.UpdateTerminationProtectionOutput, error) {
	return nil, notScripted("UpdateTerminationProtection")
}
func (f *Fake) DeleteCluster(context.Context, *sagemaker.DeleteClusterInput, ...func(*sagemaker.Options)) (*sagemaker.DeleteClusterOutput, error) {
	return nil, notScripted("DeleteCluster")
}
