package watch

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/hpctl/hpctl/internal/cloud"
)

const stackType = "AWS::CloudFormation::Stack"

// Options say what to follow and how often.
type Options struct {
	// Stack is the root stack's ID (its ARN, which still answers after a
	// delete) or name.
	Stack string
	// AfterEventID makes only events newer than it count: the root's newest
	// event before the operation began. When it is empty and
	// FromOperationStart is set, the operation starts at the root's last
	// "User Initiated" event; when both are empty, every event counts.
	AfterEventID       string
	FromOperationStart bool
	// Cluster is the HyperPod cluster to follow once the stacks succeed ("" for none).
	Cluster string
	// Deleting says the operation is a delete: DELETE_COMPLETE is success and
	// the cluster is followed until it is gone.
	Deleting bool
	// Groups are the instance counts the spec asks of the cluster's groups:
	// once InService, the cluster has succeeded only when every group has
	// them (with continuous provisioning, InService comes before the nodes).
	Groups map[string]int
	// Logs, when set, reads a failed node's lifecycle log.
	Logs cloud.Logs
	// NodesTimeout is how long a group may stay below its target, its count
	// unchanged, once the cluster is InService (default 30 minutes).
	NodesTimeout time.Duration
	// Resources is how many of the root's own resources the operation
	// creates, updates or deletes (its change set's; 0 when not known):
	// once all have finished, the root's end is near.
	Resources int
	// Interval between polls (default 2s).
	Interval time.Duration
	// Now and Sleep stand in for the clock in tests.
	Now   func() time.Time
	Sleep func(context.Context, time.Duration) error
}

// Watcher follows one operation on one stack tree.
type Watcher struct {
	cfn  cloud.CloudFormation
	sm   cloud.SageMaker
	opt  Options
	emit func(Update)

	start    time.Time
	root     *tracked
	stacks   []*tracked
	byID     map[string]*tracked
	failures []Cause
	// pending are the events of the current poll, emitted at its end.
	pending []Event
	calls   map[string]int
	cluster *Cluster
	// clusterStarted is set while an AWS::SageMaker::Cluster resource is in
	// progress; clusterEvent when one had an event in this poll.
	clusterStarted, clusterEvent bool
	// clusterQuiet counts the cluster's reads in a row that found it
	// unchanged (up to maxClusterSkip); clusterSkip the polls still to pass
	// before the next read; clusterKey is what the last read found.
	clusterQuiet, clusterSkip int
	clusterKey                string
	// noDescribeEvents is set when the endpoint does not offer DescribeEvents,
	// noClusterEvents when it does not offer ListClusterEvents.
	noDescribeEvents, noClusterEvents bool
	// settle is set when a poll saw a nested stack finish.
	settle bool
	// lastErr is the newest read that failed in a way the next poll may
	// not (throttling, 5xx, resets, after the SDK's own retries); such reads
	// are counted in calls["errors"], and both go out in every tick.
	lastErr string
	// clusterFresh is set when the last poll read the cluster.
	clusterFresh bool
	// countsKey is the groups' counts at the last read once InService, and
	// countsSince when they last changed.
	countsKey   string
	countsSince time.Time
	// quick counts the polls still to come at a tenth of the interval: a
	// nested stack finished and none is left in progress, so the root is
	// finishing (or about to start the next one) and a full interval would
	// only delay the end.
	quick int
	// nodes are the failed nodes the evidence found; captured is set once
	// it was read (it is read once, at the first sign of failure).
	nodes    []NodeFailure
	captured bool
	// seenEvents are the cluster events emitted, eventsAfter the newest's
	// time; failedNodes are those of instances that failed, oldest first.
	seenEvents  map[string]bool
	eventsAfter time.Time
	failedNodes []ClusterEvent
	// clusterFailed is set when the cluster resource failed: the poll reads
	// the evidence before the rollback deletes the cluster.
	clusterFailed bool
}

// tracked is one stack of the tree.
type tracked struct {
	id, name, path string
	logicalID      string
	parent         *tracked
	// stirred is set when a nested stack of it had news in this poll;
	// skipped counts the polls in a row that did not read it.
	stirred bool
	skipped int
	// last is the newest event already handled.
	last string
	// since bounds a nested stack's first read to the current operation.
	since     time.Time
	status    string
	active    bool
	resources map[string]*resource
	order     []string
	// began and ended are when its operation started and finished, by its
	// own stack-level events.
	began, ended time.Time
}

type resource struct {
	typ, status string
	child       *tracked // the nested stack, for a stack resource
}

// New makes a watcher; sm may be nil when no cluster is followed.
func New(cfn cloud.CloudFormation, sm cloud.SageMaker, opt Options) *Watcher {
	if opt.Interval == 0 {
		opt.Interval = 2 * time.Second
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Sleep == nil {
		opt.Sleep = sleep
	}
	if opt.NodesTimeout == 0 {
		opt.NodesTimeout = 30 * time.Minute
	}
	return &Watcher{cfn: cfn, sm: sm, opt: opt, byID: map[string]*tracked{}, calls: map[string]int{}}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Run follows the operation to its end and returns the summary, which it
// has also emitted. It returns ctx's error, with the summary so far, when
// ctx ends first: CloudFormation goes on without the watcher.
func (w *Watcher) Run(ctx context.Context, emit func(Update)) (Summary, error) {
	w.emit, w.start = emit, w.opt.Now()
	w.root = &tracked{id: w.opt.Stack, name: cloud.StackName(w.opt.Stack), active: true, resources: map[string]*resource{}}
	w.root.path = w.root.name
	w.add(w.root)

	var summary Summary
	for {
		began := w.opt.Now()
		if err := w.poll(ctx); err != nil {
			return w.partial(), err
		}
		w.emit(w.tick())
		if terminal(w.root.status) {
			break
		}
		// The next poll's reads end an interval after this poll began,
		// however long reads take: it starts the time of this poll's reads
		// early, so that no event waits longer than an interval to be shown
		// (a poll shows its events when its reads are done).
		took := w.opt.Now().Sub(began)
		if err := w.opt.Sleep(ctx, max(0, w.wait()-2*took)); err != nil {
			return w.partial(), err
		}
	}
	summary, err := w.finish(ctx)
	if err != nil {
		return summary, err
	}
	w.emit(summary)
	return summary, nil
}

// wait is the time until the next poll.
func (w *Watcher) wait() time.Duration {
	if w.quick > 0 {
		w.quick--
		return w.opt.Interval / 10
	}
	return w.opt.Interval
}

// quickPolls is how many polls, each a tenth of the interval, follow the
// end of the last nested stack, for one interval: CloudFormation ends the
// root (or starts its next stack) a moment after, and the watch sees it
// within a tenth of an interval. A stack that starts ends them.
const quickPolls = 10

// maxClusterSkip bounds the polls the cluster's reads skip while it stays
// the same: a HyperPod cluster takes tens of minutes to create, and its
// state changes a few times in them. After a change it is read every poll
// again, and the cluster resource's own events come with every poll.
const maxClusterSkip = 4

// clusterDue reports whether this poll reads the cluster.
func (w *Watcher) clusterDue() bool {
	if w.clusterSkip > 0 {
		w.clusterSkip--
		return false
	}
	return true
}

// readCluster reads the cluster, spacing the next read by how long it has
// stayed the same (a cluster that does not exist yet stays the same too).
func (w *Watcher) readCluster(ctx context.Context) error {
	c, err := w.describeCluster(ctx)
	if err != nil {
		return err
	}
	key := "absent"
	if c != nil {
		key = fmt.Sprintf("%s %s %v", c.Status, c.FailureMessage, c.Groups)
	}
	if key != w.clusterKey {
		w.clusterQuiet = 0
	} else {
		w.clusterQuiet = min(w.clusterQuiet+1, maxClusterSkip)
	}
	if c != nil && (w.clusterQuiet == 0 || w.clusterQuiet == maxClusterSkip) {
		w.clusterEvents(ctx)
	}
	w.clusterKey, w.clusterSkip = key, w.clusterQuiet
	return nil
}

// settling starts the quick polls when a nested stack has finished and no
// stack but the root is in progress, and ends them when one is: then the
// root is not finishing but starting its next stack. When the change set
// said how many resources the root has to see to, the polls wait until all
// of them have finished: between two waves of stacks the root's end is not
// near, and quick polls there would only cost calls.
func (w *Watcher) settling() {
	for _, t := range w.stacks {
		if t != w.root && t.active {
			w.quick = 0
			return
		}
	}
	if w.opt.Resources > 0 {
		done := 0
		for _, r := range w.root.resources {
			if !strings.HasSuffix(r.status, "_IN_PROGRESS") {
				done++
			}
		}
		if done < w.opt.Resources {
			w.quick = 0
			return
		}
	}
	if w.settle {
		w.quick = quickPolls
	}
}

func (w *Watcher) add(t *tracked) {
	w.stacks = append(w.stacks, t)
	w.byID[t.id] = t
}

// poll reads the new events of every stack where something is happening,
// children before their parents: a parent that waits only on nested stacks
// still in progress is read when one of them had news (see waiting). A read
// that failed transiently (throttling that outlasted the SDK's retries, a
// network fault) is left for the next poll: the events will still be there.
// A fatal one (denied, expired credentials) ends the watch: polling again
// would only fail again.
func (w *Watcher) poll(ctx context.Context) error {
	read := map[*tracked]bool{}
	// Rounds until nothing is left to read: a read may find a new nested
	// stack (read in the same poll) or stir a parent skipped before.
	for more := true; more; {
		more = false
		for i := len(w.stacks) - 1; i >= 0; i-- {
			t := w.stacks[i]
			if read[t] || !t.active || w.waiting(t) {
				continue
			}
			read[t], more = true, true
			news, err := w.read(ctx, t)
			if err != nil {
				if err := w.failed(ctx, t, err); err != nil {
					return err
				}
			}
			if news && t.parent != nil {
				t.parent.stirred = true
			}
		}
	}
	for _, t := range w.stacks {
		if t.active && !read[t] {
			t.skipped++
		} else {
			t.skipped = 0
		}
		t.stirred = false
	}
	// Shown in time order, a child's events fall between its parent's, as
	// they happened.
	slices.SortStableFunc(w.pending, func(a, b Event) int { return a.Time.Compare(b.Time) })
	for _, ev := range w.pending {
		w.emit(ev)
	}
	w.pending = w.pending[:0]
	if w.settle || w.quick > 0 {
		w.settling()
		w.settle = false
	}
	w.clusterFresh = false
	if w.opt.Cluster != "" && !w.opt.Deleting && (w.clusterEvent || (w.clusterStarted && w.clusterDue())) {
		w.clusterEvent = false
		if err := w.readCluster(ctx); err != nil {
			return w.failed(ctx, nil, err)
		}
		w.clusterFresh = true
	}
	if w.clusterFailed {
		w.evidence(ctx)
	}
	return nil
}

// maxParentSkip bounds the polls in a row that skip a waiting parent.
const maxParentSkip = 4

// waiting reports whether a stack that was read before may skip this poll:
// every resource of it in progress is a nested stack that is itself still
// being read, and none of them had news in this poll. Such a parent can
// change only after one of those nested stacks does (it ends, fails or is
// cancelled, and shows that first), so while a long resource runs deep in
// the tree its parents cost no calls, and when the nested stack has news
// the parent is read in the same poll. A change that starts in the parent
// itself (someone cancels or deletes the stack, its timeout passes) is
// caught by reading it every maxParentSkip+1 polls all the same.
func (w *Watcher) waiting(t *tracked) bool {
	if t.last == "" || t.stirred || t.skipped >= maxParentSkip {
		return false
	}
	waits := false
	for _, r := range t.resources {
		if !strings.HasSuffix(r.status, "_IN_PROGRESS") {
			continue
		}
		if r.child == nil || !r.child.active {
			return false
		}
		waits = true
	}
	return waits
}

// ReadError is a read that failed in a way waiting cannot mend: the
// watch ended on it, and CloudFormation goes on.
type ReadError struct {
	// What was read: a stack's path, or the cluster.
	What string
	Err  error
}

func (e *ReadError) Error() string { return "watching " + e.What + ": " + e.Err.Error() }
func (e *ReadError) Unwrap() error { return e.Err }

// failed decides what a failed read means: the end of the watch (the
// context ended, or the error is fatal), a nested stack that is gone, or a
// read to try again at the next poll, counted for the ticks.
func (w *Watcher) failed(ctx context.Context, t *tracked, err error) error {
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case t != nil && t != w.root && cloud.StackMissing(err):
		t.active = false // deleted while we looked: it has nothing more to say
		return nil
	case cloud.Classify(err) == cloud.Fatal:
		what := "cluster " + w.opt.Cluster
		if t != nil {
			what = "stack " + t.path
		}
		return &ReadError{What: what, Err: err}
	}
	w.calls["errors"]++
	w.lastErr = cloud.Describe(err)
	return nil
}

// read pages DescribeStackEvents back to the last event handled (or to the
// operation's start) and handles what is new, oldest first. It reports
// whether there was anything new.
func (w *Watcher) read(ctx context.Context, t *tracked) (bool, error) {
	var fresh []cftypes.StackEvent
	in := &cloudformation.DescribeStackEventsInput{StackName: aws.String(t.id)}
	for stop := false; !stop; {
		w.calls["DescribeStackEvents"]++
		out, err := w.cfn.DescribeStackEvents(ctx, in)
		if err != nil {
			return false, err
		}
		for _, e := range out.StackEvents {
			id := aws.ToString(e.EventId)
			if id == t.last || (t.last == "" && w.before(t, e)) {
				stop = true
				break
			}
			fresh = append(fresh, e)
			if t.last == "" && t == w.root && w.opt.AfterEventID == "" && w.opt.FromOperationStart && operationStart(e) {
				// A watch that joins an operation times it from its start,
				// not from its own.
				if at := aws.ToTime(e.Timestamp); !at.IsZero() && at.Before(w.start) {
					w.start = at
				}
				stop = true
				break
			}
		}
		if out.NextToken == nil {
			break
		}
		in.NextToken = out.NextToken
	}
	if len(fresh) == 0 {
		return false, nil
	}
	t.last = aws.ToString(fresh[0].EventId)
	for i := len(fresh) - 1; i >= 0; i-- {
		w.handle(t, fresh[i])
	}
	return true, nil
}

// before reports whether e predates the operation, on a stack's first read.
func (w *Watcher) before(t *tracked, e cftypes.StackEvent) bool {
	if t == w.root {
		return w.opt.AfterEventID != "" && aws.ToString(e.EventId) == w.opt.AfterEventID
	}
	return !t.since.IsZero() && aws.ToTime(e.Timestamp).Before(t.since)
}

func operationStart(e cftypes.StackEvent) bool {
	return aws.ToString(e.ResourceType) == stackType && aws.ToString(e.LogicalResourceId) == aws.ToString(e.StackName) &&
		aws.ToString(e.ResourceStatusReason) == "User Initiated"
}

func (w *Watcher) handle(t *tracked, e cftypes.StackEvent) {
	// A root named rather than given by ARN is read by ARN from now on,
	// which still answers once the stack is deleted.
	if strings.HasPrefix(aws.ToString(e.StackId), "arn:") && t == w.root && !strings.HasPrefix(t.id, "arn:") {
		delete(w.byID, t.id)
		t.id = aws.ToString(e.StackId)
		w.byID[t.id] = t
	}
	ev := Event{
		Time: aws.ToTime(e.Timestamp), Stack: t.name, LogicalID: aws.ToString(e.LogicalResourceId),
		PhysicalID: aws.ToString(e.PhysicalResourceId), ResourceType: aws.ToString(e.ResourceType),
		Status: string(e.ResourceStatus), Reason: aws.ToString(e.ResourceStatusReason),
	}
	ev.StackLevel = ev.ResourceType == stackType && (ev.LogicalID == t.name || ev.PhysicalID == t.id)
	if ev.StackLevel {
		ev.Path = t.path
		t.status = ev.Status
		switch {
		case strings.HasSuffix(ev.Status, "_IN_PROGRESS") && t.began.IsZero():
			t.began = ev.Time
		case terminal(ev.Status):
			t.ended = ev.Time
		}
		// A finished nested stack is read again only when its parent shows
		// it in progress; the root is read until the loop sees it finish.
		t.active = t == w.root || !terminal(ev.Status)
		if t != w.root && !t.active {
			w.settle = true
		}
		w.pending = append(w.pending, ev)
		return
	}
	ev.Path = t.path + "/" + ev.LogicalID
	r, ok := t.resources[ev.LogicalID]
	if !ok {
		r = &resource{typ: ev.ResourceType}
		t.resources[ev.LogicalID] = r
		t.order = append(t.order, ev.LogicalID)
	}
	r.status = ev.Status
	switch {
	case ev.ResourceType == stackType && ev.PhysicalID != "" && ev.PhysicalID != t.id:
		r.child = w.follow(t, ev)
	case ev.ResourceType == "AWS::SageMaker::Cluster":
		// Every event of the cluster resource is a moment to read it; once
		// the resource is done, the summary reads it a last time.
		w.clusterStarted = strings.HasSuffix(ev.Status, "_IN_PROGRESS")
		w.clusterEvent, w.clusterSkip = true, 0
		w.clusterFailed = w.clusterFailed || ev.Status == "CREATE_FAILED" || ev.Status == "UPDATE_FAILED"
	}
	if strings.HasSuffix(ev.Status, "_FAILED") && !PointsElsewhere(ev.Reason) {
		w.failures = append(w.failures, Cause{Time: ev.Time, Path: ev.Path, ResourceType: ev.ResourceType, Status: ev.Status, Reason: ev.Reason})
	}
	w.pending = append(w.pending, ev)
}

// follow starts (or resumes) following the nested stack a resource event
// names: it is read while its resource in the parent is in progress.
func (w *Watcher) follow(parent *tracked, ev Event) *tracked {
	child, ok := w.byID[ev.PhysicalID]
	if !ok {
		child = &tracked{id: ev.PhysicalID, name: cloud.StackName(ev.PhysicalID), path: parent.path + "/" + ev.LogicalID,
			logicalID: ev.LogicalID, parent: parent, since: ev.Time, resources: map[string]*resource{}}
		w.add(child)
	}
	if strings.HasSuffix(ev.Status, "_IN_PROGRESS") {
		child.active = true
	}
	return child
}

// PointsElsewhere reports a failure reason that only points at a failure
// elsewhere (a nested stack's, a cancelled sibling's): not a root cause.
func PointsElsewhere(reason string) bool {
	for _, w := range []string{"Embedded stack ", "Resource creation cancelled", "Resource update cancelled",
		"The following resource(s) failed to", "Stack operation failed"} {
		if strings.HasPrefix(reason, w) {
			return true
		}
	}
	return reason == ""
}

// terminal reports whether a stack status ends an operation. A stack in
// REVIEW_IN_PROGRESS runs nothing: it waits for a change set someone must
// execute, so waiting cannot end it.
func terminal(status string) bool {
	return status == "REVIEW_IN_PROGRESS" || status != "" && !strings.HasSuffix(status, "_IN_PROGRESS")
}

// succeeded reports whether a final stack status is the success of the operation.
func (w *Watcher) succeeded(status string) bool {
	if w.opt.Deleting {
		return status == "DELETE_COMPLETE"
	}
	return slices.Contains([]string{"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"}, status)
}

func (w *Watcher) tick() Tick {
	tick := Tick{Time: w.opt.Now(), Elapsed: Duration(w.opt.Now().Sub(w.start)), Cluster: w.cluster,
		Retried: w.calls["errors"], LastError: w.lastErr}
	for _, t := range w.stacks {
		s := StackState{Path: t.path, Status: t.status, Active: t.active}
		if t == w.root {
			s.Total = w.opt.Resources
		}
		for _, id := range t.order {
			switch st := t.resources[id].status; {
			case strings.HasSuffix(st, "_FAILED"):
				s.Failed++
			case strings.HasSuffix(st, "_IN_PROGRESS"):
				s.InProgress++
			default:
				s.Done++
			}
		}
		if s.Done+s.InProgress+s.Failed > s.Total {
			// More than the change set named (an update also updates a
			// nested stack that reads a changed output): no total, rather
			// than a wrong one.
			s.Total = 0
		}
		tick.Stacks = append(tick.Stacks, s)
	}
	return tick
}

// finish describes the root once more for its outputs, follows the cluster
// when the stacks succeeded, and names the cause when something failed.
func (w *Watcher) finish(ctx context.Context) (Summary, error) {
	s := w.partial()
	var out *cloudformation.DescribeStacksOutput
	var err error
	for {
		w.calls["DescribeStacks"]++
		out, err = w.cfn.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(w.root.id)})
		if err == nil || cloud.StackMissing(err) {
			break
		}
		if err := w.failed(ctx, w.root, err); err != nil {
			return s, err
		}
		w.emit(w.tick())
		if err := w.opt.Sleep(ctx, w.opt.Interval); err != nil {
			return s, err
		}
	}
	var reason string
	if err == nil && len(out.Stacks) > 0 {
		st := out.Stacks[0]
		s.Status, reason = string(st.StackStatus), aws.ToString(st.StackStatusReason)
		s.Outputs = cloud.Outputs(&st)
	}
	s.Succeeded = w.succeeded(s.Status)
	if s.Succeeded && w.opt.Cluster != "" && w.sm != nil {
		if err := w.followCluster(ctx, &s); err != nil {
			return w.complete(s), err
		}
	}
	if !s.Succeeded && s.RootCause == nil {
		s.RootCause = w.rootCause(ctx, reason)
	}
	return w.complete(s), nil
}

func (w *Watcher) partial() Summary {
	return w.complete(Summary{Stack: w.root.name, StackID: w.root.id, Status: w.root.status})
}

func (w *Watcher) complete(s Summary) Summary {
	s.Elapsed = Duration(w.opt.Now().Sub(w.start))
	s.Cluster = w.cluster
	if !s.Succeeded {
		s.FailedNodes = w.nodes
	}
	s.Stacks = nil
	for _, t := range w.stacks {
		if t != w.root && !t.began.IsZero() && !t.ended.IsZero() {
			s.Stacks = append(s.Stacks, StackTime{Path: t.path, Status: t.status, Took: Duration(t.ended.Sub(t.began))})
		}
	}
	s.APICalls = map[string]int{}
	for k, v := range w.calls {
		s.APICalls[k] = v
	}
	return s
}

func strconvFloat(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }
