package render

import (
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/hpctl/hpctl/internal/deploy"
	"github.com/hpctl/hpctl/internal/watch"
)

// Live draws the stack tree on a terminal and redraws it in place after
// every poll: finished stacks collapse to one line, stacks in progress
// list their resources in progress, and the frame never grows past the
// window. Steps and failures are printed above it and stay.
type Live struct {
	w     io.Writer
	opt   ProgressOptions
	drawn int // lines of the last frame
	// resources in progress by stack path, in the order they started.
	working map[string][]string
	types   map[string]string
	tick    *watch.Tick
	retried int
	// clusterEvent is the newest of HyperPod's events, as a line.
	clusterEvent string
}

// NewLive makes the live view.
func NewLive(w io.Writer, opt ProgressOptions) *Live {
	if opt.Size == nil {
		opt.Size = func() (int, int) { return 100, 30 }
	}
	return &Live{w: w, opt: opt, working: map[string][]string{}, types: map[string]string{}}
}

// Show takes an update; the frame is redrawn on ticks.
func (l *Live) Show(u watch.Update) {
	switch u := u.(type) {
	case deploy.Step:
		l.above("==> " + u.Message)
	case watch.Event:
		l.event(u)
	case watch.ClusterEvent:
		// The newest event shows under the cluster in the tree; errors
		// also stay above it, where the scrollback keeps them.
		l.clusterEvent = clusterEventLine(u)
		if u.Level == "Error" {
			l.above(u.Time.In(l.opt.loc()).Format("15:04:05") + " " + l.clusterEvent)
		} else {
			l.redraw()
		}
	case watch.Cluster:
		if l.tick != nil {
			l.tick.Cluster = &u
			l.redraw()
		}
	case watch.Tick:
		l.tick = &u
		if u.Retried > l.retried {
			l.retried = u.Retried
			l.above(retriedLine(u))
		}
		l.redraw()
	case watch.Summary:
		l.clear()
		l.tick = nil
		l.print(func(w io.Writer) { summaryText(w, u, l.opt.Color) })
	case deploy.Destroyed:
		l.clear()
		l.tick = nil
		l.print(func(w io.Writer) { destroyedText(w, u, l.opt.Color) })
	}
}

func (l *Live) event(e watch.Event) {
	if e.StackLevel {
		return
	}
	stack := e.Path[:strings.LastIndexByte(e.Path, '/')]
	list := l.working[stack]
	i := slices.Index(list, e.LogicalID)
	switch {
	case strings.HasSuffix(e.Status, "_IN_PROGRESS") && i < 0:
		l.working[stack] = append(list, e.LogicalID)
		l.types[e.Path] = e.ResourceType
	case !strings.HasSuffix(e.Status, "_IN_PROGRESS") && i >= 0:
		l.working[stack] = append(list[:i:i], list[i+1:]...)
	}
	if strings.HasSuffix(e.Status, "_FAILED") && !watch.PointsElsewhere(e.Reason) {
		l.above(fmt.Sprintf("%s %s (%s): %s", colorStatus(e.Status, l.opt.Color), relPath(e.Path, rootOf(e.Path)), e.ResourceType, e.Reason))
	}
}

// above prints a line that stays, above the frame.
func (l *Live) above(text string) {
	l.clear()
	l.print(func(w io.Writer) { fmt.Fprintln(w, text) })
	l.redraw()
}

// print writes text that stays on the screen, wrapped between words to the
// terminal's width (the frame is cut instead: it is redrawn).
func (l *Live) print(write func(io.Writer)) {
	width, _ := l.opt.Size()
	w := NewWrapped(l.w, max(width-1, 0))
	write(w)
	_ = w.Flush() // l.w is the terminal; a failed write has nowhere to be told
}

// clear erases the last frame.
func (l *Live) clear() {
	if l.drawn > 0 {
		fmt.Fprintf(l.w, "\x1b[%dA\x1b[J", l.drawn)
		l.drawn = 0
	}
}

func (l *Live) redraw() {
	if l.tick == nil {
		return
	}
	width, height := l.opt.Size()
	lines := l.frame(max(height-1, 3))
	l.clear()
	for _, line := range lines {
		fmt.Fprintln(l.w, fit(line, width-1))
	}
	l.drawn = len(lines)
}

// frame lays out the tree within maxLines: the root and every stack in
// progress first, their resources next, finished stacks last (collapsed
// into a count when there is no room).
func (l *Live) frame(maxLines int) []string {
	t := l.tick
	var head, working, done []string
	// The stacks' rows share their columns: name, status, counts.
	type row struct{ left, status, counts string }
	rows := make([]row, len(t.Stacks))
	nameW, statusW := 0, 0
	for i, s := range t.Stacks {
		indent := strings.Repeat("  ", strings.Count(s.Path, "/"))
		name := s.Path
		if i > 0 {
			name = s.Path[strings.LastIndexByte(s.Path, '/')+1:]
		}
		status := s.Status
		if status == "" {
			status = "waiting"
		}
		counts := fmt.Sprintf("%d done", s.Done)
		if s.Total > 0 {
			counts = fmt.Sprintf("%d of %d done", s.Done, s.Total)
		}
		if s.InProgress > 0 {
			counts += fmt.Sprintf(", %d in progress", s.InProgress)
		}
		if s.Failed > 0 {
			counts += fmt.Sprintf(", %d failed", s.Failed)
		}
		rows[i] = row{indent + mark(s.Status) + " " + name, status, counts}
		nameW, statusW = max(nameW, utf8.RuneCountInString(rows[i].left)), max(statusW, len(status))
	}
	for i, s := range t.Stacks {
		r := rows[i]
		pad := strings.Repeat(" ", nameW-utf8.RuneCountInString(r.left))
		line := fmt.Sprintf("%s%s  %s%s  (%s)", r.left, pad, colorStatus(r.status, l.opt.Color), strings.Repeat(" ", statusW-len(r.status)), r.counts)
		switch {
		case i == 0:
			head = append(head, line+"  "+t.Elapsed.String())
		case strings.HasSuffix(s.Status, "_IN_PROGRESS"):
			working = append(working, line)
			indent := strings.Repeat("  ", strings.Count(s.Path, "/"))
			for _, id := range l.working[s.Path] {
				if typ := l.types[s.Path+"/"+id]; typ != "AWS::CloudFormation::Stack" {
					working = append(working, fmt.Sprintf("%s    %s (%s)", indent, id, typ))
				}
			}
		default:
			done = append(done, line)
		}
	}
	if len(t.Stacks) == 0 {
		// Only the cluster is followed (destroy deletes it before the
		// stacks): its line carries the clock, so the frame is not still.
		line := "waiting for the HyperPod cluster"
		if t.Cluster != nil {
			line = "cluster " + clusterLine(*t.Cluster)
		}
		head = append(head, line+"  "+t.Elapsed.String())
	} else if t.Cluster != nil {
		head = append(head, clusterRows(*t.Cluster)...)
	}
	if t.Cluster != nil && l.clusterEvent != "" {
		head = append(head, "  last event: "+strings.TrimPrefix(l.clusterEvent, "cluster "))
	}
	out := append(head, working...)
	if len(out) > maxLines {
		out = append(out[:maxLines-1], fmt.Sprintf("  … %d more lines", len(out)-maxLines+1))
		return out
	}
	if room := maxLines - len(out); len(done) > room {
		if room > 0 {
			return append(out, fmt.Sprintf("  ✓ %d stacks finished", len(done)))
		}
		return out
	}
	return append(out, done...)
}

// clusterRows are the cluster as a row of the tree under the root, with a
// row per instance group: its counts, type and status.
func clusterRows(c watch.Cluster) []string {
	m := "…"
	switch c.Status {
	case "InService":
		m = "✓"
	case "Failed", "RollingBack":
		m = "✗"
	}
	line := fmt.Sprintf("  %s cluster %s  %s", m, c.Name, c.Status)
	if c.FailureMessage != "" {
		line += "  (" + c.FailureMessage + ")"
	}
	rows := []string{line}
	for _, g := range c.Groups {
		row := fmt.Sprintf("      %s  %d/%d  %s", g.Name, g.Current, g.Target, g.Type)
		if g.Status != "" && g.Status != "InService" {
			row += "  " + g.Status
		}
		rows = append(rows, row)
	}
	return rows
}

func mark(status string) string {
	switch {
	case status == "":
		return "·"
	case strings.HasSuffix(status, "_FAILED") || strings.Contains(status, "ROLLBACK"):
		return "✗"
	case strings.HasSuffix(status, "_IN_PROGRESS"):
		return "…"
	}
	return "✓"
}

// fit cuts a line to the terminal width so that it never wraps (a wrapped
// line would break the count of lines to erase). ANSI sequences take no room.
func fit(s string, width int) string {
	if width <= 0 {
		return s
	}
	var b strings.Builder
	n := 0
	for r, shown := range runes(s) {
		if !shown || n < width {
			b.WriteRune(r)
		}
		if shown {
			n++
		}
	}
	return b.String()
}

// runes yields each rune of s, and whether it takes room on the screen (the
// runes of an ANSI colour code do not).
func runes(s string) iter.Seq2[rune, bool] {
	return func(yield func(rune, bool) bool) {
		esc := false
		for _, r := range s {
			shown := false
			switch {
			case r == '\x1b':
				esc = true
			case esc:
				esc = r != 'm'
			default:
				shown = true
			}
			if !yield(r, shown) {
				return
			}
		}
	}
}
