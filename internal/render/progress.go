package render

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hpctl/hpctl/internal/deploy"
	"github.com/hpctl/hpctl/internal/watch"
)

// Progress shows a stream of updates as they come.
type Progress interface {
	Show(watch.Update)
}

// ProgressOptions shape the text views.
type ProgressOptions struct {
	// Loc is the zone times are shown in (default Local).
	Loc *time.Location
	// Color uses ANSI colours for statuses.
	Color bool
	// Heartbeat is the longest silence in the line view (default 60s).
	Heartbeat time.Duration
	// Size returns the terminal's width and height (the live view).
	Size func() (width, height int)
}

func (o ProgressOptions) loc() *time.Location {
	if o.Loc != nil {
		return o.Loc
	}
	return time.Local
}

// Lines writes one line per event, a heartbeat when nothing happened for
// a while, and the summary: for logs and CI.
type Lines struct {
	w       io.Writer
	opt     ProgressOptions
	last    time.Time
	retried int
}

// NewLines makes the line view.
func NewLines(w io.Writer, opt ProgressOptions) *Lines {
	if opt.Heartbeat == 0 {
		opt.Heartbeat = 60 * time.Second
	}
	return &Lines{w: w, opt: opt}
}

// Show writes what the update says.
func (l *Lines) Show(u watch.Update) {
	switch u := u.(type) {
	case deploy.Step:
		l.line(u.Time, "==> "+u.Message)
	case watch.Event:
		if u.StackLevel && strings.Contains(u.Path, "/") && !strings.Contains(u.Status, "ROLLBACK") && !strings.Contains(u.Status, "FAILED") {
			return // the nested stack's resource in its parent says as much
		}
		text := fmt.Sprintf("%-28s %s", colorStatus(u.Status, l.opt.Color), relPath(u.Path, rootOf(u.Path)))
		if !u.StackLevel {
			text += " (" + u.ResourceType + ")"
		}
		if u.Reason != "" {
			text += ": " + u.Reason
		}
		l.line(u.Time, text)
	case watch.Cluster:
		l.line(u.Time, "cluster "+clusterLine(u))
	case watch.ClusterEvent:
		l.line(u.Time, clusterEventLine(u))
	case watch.Tick:
		if u.Retried > l.retried {
			l.retried = u.Retried
			l.line(u.Time, "... "+retriedLine(u))
		}
		if l.last.IsZero() || u.Time.Sub(l.last) >= l.opt.Heartbeat {
			l.line(u.Time, "... "+heartbeat(u))
		}
	case watch.Summary:
		l.last = time.Time{}
		summaryText(l.w, u, l.opt.Color)
	case deploy.Destroyed:
		destroyedText(l.w, u, l.opt.Color)
	}
}

func (l *Lines) line(t time.Time, text string) {
	l.last = t
	fmt.Fprintf(l.w, "%s %s\n", t.In(l.opt.loc()).Format("15:04:05"), text)
}

// heartbeat says where things stand in one line.
func heartbeat(t watch.Tick) string {
	var active []string
	for _, s := range t.Stacks {
		if s.Active && strings.HasSuffix(s.Status, "_IN_PROGRESS") {
			done := fmt.Sprintf("%d done", s.Done)
			if s.Total > 0 {
				done = fmt.Sprintf("%d of %d done", s.Done, s.Total)
			}
			active = append(active, fmt.Sprintf("%s %s (%s, %d in progress)", s.Path, s.Status, done, s.InProgress))
		}
	}
	msg := "still working, " + t.Elapsed.String() + " elapsed"
	switch {
	case len(active) > 0:
		msg += ": " + strings.Join(active[max(0, len(active)-3):], "; ")
	case t.Cluster != nil:
		msg += ": cluster " + clusterLine(*t.Cluster)
	}
	return msg
}

// retriedLine says that reads failed and were tried again, and the last
// error: shown each time the count grows, so a failing network or a
// throttled account is seen, not guessed from silence.
func retriedLine(t watch.Tick) string {
	what := "reads failed and were"
	if t.Retried == 1 {
		what = "read failed and was"
	}
	return fmt.Sprintf("%d %s tried again at the next poll (last: %s)", t.Retried, what, t.LastError)
}

// clusterEventLine is "cluster NAME[/group[/instance]] LEVEL: description",
// the level only when it is not Info.
func clusterEventLine(e watch.ClusterEvent) string {
	where := "cluster " + e.Cluster
	if e.Group != "" {
		where += "/" + e.Group
	}
	if e.Instance != "" {
		where += "/" + e.Instance
	}
	if e.Level != "" && e.Level != "Info" {
		return where + " " + e.Level + ": " + e.Description
	}
	return where + ": " + e.Description
}

// clusterLine is "NAME STATUS: group current/target type, …".
func clusterLine(c watch.Cluster) string { return c.Name + " " + clusterState(c) }

// clusterState is "STATUS: group current/target type, …".
func clusterState(c watch.Cluster) string {
	var groups []string
	for _, g := range c.Groups {
		groups = append(groups, fmt.Sprintf("%s %d/%d %s", g.Name, g.Current, g.Target, g.Type))
	}
	line := c.Status
	if len(groups) > 0 {
		line += ": " + strings.Join(groups, ", ")
	}
	if c.FailureMessage != "" {
		line += " (" + c.FailureMessage + ")"
	}
	return line
}

func rootOf(path string) string {
	root, _, _ := strings.Cut(path, "/")
	return root
}

// relPath drops the root stack's name from a path below it.
func relPath(path, root string) string {
	if rest, ok := strings.CutPrefix(path, root+"/"); ok {
		return rest
	}
	return path
}

const (
	ansiRed   = "\x1b[31m"
	ansiGreen = "\x1b[32m"
	ansiYell  = "\x1b[33m"
	ansiBold  = "\x1b[1m"
	ansiReset = "\x1b[0m"
)

func colorStatus(status string, color bool) string {
	if !color {
		return status
	}
	switch {
	case strings.HasSuffix(status, "_FAILED") || strings.Contains(status, "ROLLBACK"):
		return ansiRed + status + ansiReset
	case strings.HasSuffix(status, "_IN_PROGRESS"):
		return ansiYell + status + ansiReset
	case strings.HasSuffix(status, "_COMPLETE") || status == "InService":
		return ansiGreen + status + ansiReset
	}
	return status
}

// summaryText ends a watched operation: the outcome, the cluster, the
// outputs, and the root cause last, where a person and a log tail look.
func summaryText(w io.Writer, s watch.Summary, color bool) {
	mark, verb := "✓", "in"
	if !s.Succeeded {
		mark, verb = "✗", "after"
	}
	if color {
		if s.Succeeded {
			mark = ansiGreen + mark + ansiReset
		} else {
			mark = ansiRed + mark + ansiReset
		}
	}
	fmt.Fprintf(w, "\n%s %s %s %s %s\n", mark, s.Stack, s.Status, verb, s.Elapsed)
	if s.Succeeded && len(s.Stacks) > 0 {
		// What the live tree showed, kept: each nested stack and how long
		// it took, one line each.
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, st := range s.Stacks {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", strings.TrimPrefix(st.Path, s.Stack+"/"), st.Status, st.Took)
		}
		_ = tw.Flush()
	}
	if s.Cluster != nil {
		fmt.Fprintf(w, "  cluster %s\n", clusterLine(*s.Cluster))
	}
	if len(s.Outputs) > 0 {
		fmt.Fprintln(w, "\nOutputs:")
		keys := slices.Sorted(maps.Keys(s.Outputs))
		width := 0
		for _, k := range keys {
			width = max(width, len(k))
		}
		for _, k := range keys {
			fmt.Fprintf(w, "  %-*s  %s\n", width, k, s.Outputs[k])
		}
	}
	if s.RootCause != nil {
		label := "Root cause:"
		if color {
			label = ansiBold + ansiRed + label + ansiReset
		}
		fmt.Fprintf(w, "\n%s %s\n", label, s.RootCause)
	}
	nodeLogs(w, s)
}

// nodeLogs shows the last lines of each failed node's lifecycle log, and
// how to read all of it.
func nodeLogs(w io.Writer, s watch.Summary) {
	for _, n := range s.FailedNodes {
		if len(n.LastLines) == 0 {
			continue
		}
		fmt.Fprintf(w, "\nLast lines of %s's lifecycle log (%s, %s):\n", n.Instance, n.LogGroup, n.LogStream)
		for _, l := range n.LastLines {
			fmt.Fprintf(w, "  %s\n", l)
		}
		if s.Cluster != nil {
			fmt.Fprintf(w, "The whole log: hpctl logs %s --node %s\n", s.Cluster.Name, n.Instance)
		}
	}
}

// JSONLines writes each update as one JSON object on its own line, with a
// "type" member; progress ticks only as often as the line view's heartbeat,
// and at once when a read failed again. The summary is held back until End,
// which writes it with the exit code: it is the stream's last record, or,
// when the command failed otherwise, the error record is.
type JSONLines struct {
	w         io.Writer
	heartbeat time.Duration
	last      time.Time
	retried   int
	summary   watch.Update
}

// NewJSONLines makes the NDJSON view.
func NewJSONLines(w io.Writer) *JSONLines { return &JSONLines{w: w, heartbeat: 60 * time.Second} }

// Show writes the update as a line of JSON.
func (j *JSONLines) Show(u watch.Update) {
	switch t := u.(type) {
	case watch.Tick:
		if !j.last.IsZero() && t.Time.Sub(j.last) < j.heartbeat && t.Retried == j.retried {
			return
		}
		j.last, j.retried = t.Time, t.Retried
	case watch.Summary, deploy.Destroyed:
		j.summary = u
		return
	}
	_ = WriteJSONLine(j.w, u.Kind(), u)
}

// Record writes a record of the command's own (a change set, a destroy plan).
func (j *JSONLines) Record(kind string, v any) { _ = WriteJSONLine(j.w, kind, v) }

// End closes the stream: the summary held back, with the exit code, then
// the failure, when the command failed in a way the summary does not tell.
func (j *JSONLines) End(code int, f *Failure) {
	if j.summary != nil {
		_ = writeJSONLine(j.w, j.summary.Kind(), code, j.summary)
		j.summary = nil
	}
	if f != nil {
		_ = WriteJSONLine(j.w, f.Kind(), f)
	}
}

// Failure is the record that ends a machine-readable stream, or is the
// one document of a command that writes one, when the command failed.
type Failure struct {
	ExitCode int    `json:"exitCode"`
	Message  string `json:"message"`
	Hint     string `json:"hint,omitempty"`
	// Action is the AWS action that failed, as IAM names it
	// (cloudformation:DescribeStackEvents); AWSCode is its error code.
	Action  string `json:"action,omitempty"`
	AWSCode string `json:"awsCode,omitempty"`
	// Class is fatal or transient (retries ran out) for an AWS error.
	Class string `json:"class,omitempty"`
}

// Kind names a Failure in machine-readable output.
func (Failure) Kind() string { return "error" }

// WriteJSONLine writes v, a JSON object, with a leading "type" member.
func WriteJSONLine(w io.Writer, kind string, v any) error { return writeJSONLine(w, kind, -1, v) }

// writeJSONLine writes v with a leading "type" member and, when code is
// not negative, an "exitCode" member.
func writeJSONLine(w io.Writer, kind string, code int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	head := fmt.Sprintf(`{"type":%q`, kind)
	if code >= 0 {
		head += fmt.Sprintf(`,"exitCode":%d`, code)
	}
	if len(b) > 2 {
		head += ","
	}
	_, err = fmt.Fprintf(w, "%s%s\n", head, b[1:])
	return err
}
