package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/hpctl/hpctl/internal/cloud"
	"github.com/hpctl/hpctl/internal/deploy"
	"github.com/hpctl/hpctl/internal/emulator"
)

// measurement is one run of one tool.
type measurement struct {
	exit     int
	calls    map[string]int
	total    int
	duration time.Duration
	// latency is from the root stack's last event to the tool's exit.
	latency time.Duration
	cpu     time.Duration
	peakKB  int64
	output  string
	// nested counts the resources of nested stacks the output names, of all.
	nested, nestedAll int
	// cause says the output named the failed resource and its reason.
	cause bool
	// delays are, for each event the tool printed as a record of its
	// own (hpctl's NDJSON), the time from the event to its line.
	delays []time.Duration
	// events counts the events of the tree's stacks during the run.
	events int
}

// lines keeps a process's output and when each line of it arrived.
type lines struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	partial []byte
	at      []time.Time
	text    []string
}

func (l *lines) Write(p []byte) (int, error) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			return len(p), nil
		}
		l.text, l.at = append(l.text, string(l.partial[:i])), append(l.at, now)
		l.partial = l.partial[i+1:]
	}
}

// eventDelays reads the NDJSON event records and how late each was shown.
func (l *lines) eventDelays() []time.Duration {
	var out []time.Duration
	for i, line := range l.text {
		var rec struct {
			Type string    `json:"type"`
			Time time.Time `json:"time"`
		}
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Type == "event" && !rec.Time.IsZero() {
			out = append(out, l.at[i].Sub(rec.Time))
		}
	}
	return out
}

// deployOnce resets the emulator, fills the template bucket, and runs one
// deployment of the tool through a counting proxy.
func deployOnce(ctx context.Context, emu *emulator.Emulator, c config, in *inputs, t *tool, fail bool, run int) (*measurement, error) {
	stack := in.plan.StackName
	if err := emu.Reset(ctx); err != nil {
		return nil, err
	}
	settings := emulator.Settings{ResourceSeconds: c.resourceSeconds, ClusterSeconds: 3, TimeScale: c.timeScale}
	if fail {
		settings.Failures = []emulator.Failure{{Stack: stack + "-PrivateSubnetStack-*", LogicalID: failedID, Reason: reason}}
	}
	if err := emu.Configure(ctx, settings); err != nil {
		return nil, err
	}
	clients, err := emu.Clients(ctx)
	if err != nil {
		return nil, err
	}
	files, err := deploy.StandIns()
	if err != nil {
		return nil, err
	}
	for i := range files {
		if files[i].Key == mainKey {
			files[i].Body = in.body // the same template the other tools deploy
		}
	}
	d := &deploy.Deployer{CFN: clients.CloudFormation, S3: clients.S3, SM: clients.SageMaker, Region: clients.Region}
	if _, err := d.Upload(ctx, bucket, files); err != nil {
		return nil, err
	}

	proxy, err := emulator.NewCounter(emu.URL)
	if err != nil {
		return nil, err
	}
	defer proxy.Close()
	proxy.Log()
	out := &lines{}
	cmd := command(ctx, t, stack, proxy.URL)
	cmd.Stdout, cmd.Stderr = out, out
	start := time.Now()
	runErr := cmd.Run()
	exited := time.Now()
	m := &measurement{exit: cmd.ProcessState.ExitCode(), calls: proxy.Counts(), total: proxy.Total(), duration: exited.Sub(start),
		output: out.buf.String(), delays: out.eventDelays()}
	if runErr != nil && m.exit < 0 {
		return nil, fmt.Errorf("run: %w\n%s", runErr, m.output)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.peakKB = ru.Maxrss
		m.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	done, err := lastEvent(ctx, clients, stack)
	if err != nil {
		return nil, err
	}
	m.latency = exited.Sub(done)
	if c.trace != "" {
		if err := writeTrace(c.trace, t, fail, run, start, done, proxy.Calls(), out); err != nil {
			return nil, err
		}
	}
	if fail {
		m.cause = strings.Contains(m.output, failedID) && strings.Contains(m.output, "InvalidSubnet.Range")
	} else if err := countNested(ctx, clients, stack, m); err != nil {
		return nil, err
	}
	if !fail {
		if m.events, err = countEvents(ctx, clients, stack); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// countEvents counts the events of the deployment's operation in the stack
// and in every stack nested in it: what a tool could have shown. The main
// stack's REVIEW_IN_PROGRESS is not the operation's: CloudFormation writes
// it when the change set is created, before the operation starts (hpctl
// reports that as a step record of its own).
func countEvents(ctx context.Context, c *cloud.Clients, stack string) (int, error) {
	n := 0
	p := cloudformation.NewDescribeStackEventsPaginator(c.CloudFormation, &cloudformation.DescribeStackEventsInput{StackName: aws.String(stack)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return 0, err
		}
		for _, e := range page.StackEvents {
			if string(e.ResourceStatus) != string(cftypes.StackStatusReviewInProgress) {
				n++
			}
		}
	}
	res, err := c.CloudFormation.ListStackResources(ctx, &cloudformation.ListStackResourcesInput{StackName: aws.String(stack)})
	if err != nil {
		return 0, err
	}
	for _, r := range res.StackResourceSummaries {
		if aws.ToString(r.ResourceType) == "AWS::CloudFormation::Stack" && aws.ToString(r.PhysicalResourceId) != "" {
			k, err := countEvents(ctx, c, aws.ToString(r.PhysicalResourceId))
			if err != nil {
				return 0, err
			}
			n += k
		}
	}
	return n, nil
}

// lastEvent is the time of the root stack's last event: its completion.
func lastEvent(ctx context.Context, c *cloud.Clients, stack string) (time.Time, error) {
	out, err := c.CloudFormation.DescribeStackEvents(ctx, &cloudformation.DescribeStackEventsInput{StackName: aws.String(stack)})
	if err != nil {
		return time.Time{}, fmt.Errorf("events of %s: %w", stack, err)
	}
	for _, e := range out.StackEvents {
		if aws.ToString(e.LogicalResourceId) == stack && !strings.HasSuffix(string(e.ResourceStatus), "_IN_PROGRESS") {
			return aws.ToTime(e.Timestamp), nil
		}
	}
	return time.Time{}, fmt.Errorf("%s has not finished", stack)
}

// countNested counts the resources of the nested stacks that the output
// names: progress a user could follow without a terminal.
func countNested(ctx context.Context, c *cloud.Clients, stack string, m *measurement) error {
	root, err := c.CloudFormation.ListStackResources(ctx, &cloudformation.ListStackResourcesInput{StackName: aws.String(stack)})
	if err != nil {
		return err
	}
	for _, r := range root.StackResourceSummaries {
		if aws.ToString(r.ResourceType) != "AWS::CloudFormation::Stack" {
			continue
		}
		child, err := c.CloudFormation.ListStackResources(ctx, &cloudformation.ListStackResourcesInput{StackName: r.PhysicalResourceId})
		if err != nil {
			return err
		}
		for _, cr := range child.StackResourceSummaries {
			m.nestedAll++
			if regexp.MustCompile(`\b` + regexp.QuoteMeta(aws.ToString(cr.LogicalResourceId)) + `\b`).MatchString(m.output) {
				m.nested++
			}
		}
	}
	return nil
}

// writeTrace writes one run's API calls and output lines in the order they
// happened, each at its offset from the start, to see where calls go.
func writeTrace(dir string, t *tool, fail bool, run int, start, done time.Time, calls []emulator.Call, out *lines) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	kind := "ok"
	if fail {
		kind = "fail"
	}
	type entry struct {
		at   time.Time
		text string
	}
	var all []entry
	for _, c := range calls {
		all = append(all, entry{c.At, "call " + c.Op + " " + c.Subject})
	}
	for i, l := range out.text {
		all = append(all, entry{out.at[i], "line " + l})
	}
	all = append(all, entry{done, "---- the root stack's last event"})
	sort.SliceStable(all, func(i, j int) bool { return all[i].at.Before(all[j].at) })
	var b strings.Builder
	for _, e := range all {
		fmt.Fprintf(&b, "%8.3f %s\n", e.at.Sub(start).Seconds(), e.text)
	}
	name := filepath.Join(dir, fmt.Sprintf("%s-%s-%d.log", strings.Fields(t.name)[0], kind, run))
	return os.WriteFile(name, []byte(b.String()), 0o644)
}
