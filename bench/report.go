package main

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"
)

// toolResult is every run of one tool.
type toolResult struct {
	tool     *tool
	runs     []*measurement
	failures []*measurement
}

// medianOf is the median of a figure over the successful runs.
func medianOf[T int | time.Duration](runs []*measurement, figure func(*measurement) T) T {
	xs := make([]T, len(runs))
	for i, m := range runs {
		xs[i] = figure(m)
	}
	slices.Sort(xs)
	return xs[len(xs)/2]
}

func (r *toolResult) calls() int {
	return medianOf(r.runs, func(m *measurement) int { return m.total })
}

func (r *toolResult) latency() time.Duration {
	return medianOf(r.runs, func(m *measurement) time.Duration { return m.latency })
}

func (r *toolResult) cpu() time.Duration {
	return medianOf(r.runs, func(m *measurement) time.Duration { return m.cpu })
}

func (r *toolResult) duration() time.Duration {
	return medianOf(r.runs, func(m *measurement) time.Duration { return m.duration })
}

func (r *toolResult) peakMB() float64 {
	var peak int64
	for _, m := range append(slices.Clone(r.runs), r.failures...) {
		peak = max(peak, m.peakKB)
	}
	return float64(peak) / 1024
}

// topCalls names the operations of the median run, most called first.
func (r *toolResult) topCalls() string {
	var med *measurement
	for _, m := range r.runs {
		if m.total == r.calls() {
			med = m
		}
	}
	ops := slices.Collect(maps.Keys(med.calls))
	sort.Slice(ops, func(i, j int) bool {
		return med.calls[ops[i]] > med.calls[ops[j]] || (med.calls[ops[i]] == med.calls[ops[j]] && ops[i] < ops[j])
	})
	var parts []string
	for _, op := range ops[:min(3, len(ops))] {
		parts = append(parts, fmt.Sprintf("%s %d", op, med.calls[op]))
	}
	return strings.Join(parts, ", ")
}

func (r *toolResult) exits() string {
	var codes []string
	for _, m := range r.runs {
		codes = append(codes, fmt.Sprint(m.exit))
	}
	var failed []string
	for _, m := range r.failures {
		failed = append(failed, fmt.Sprint(m.exit))
	}
	return strings.Join(slices.Compact(codes), "/") + " (failures: " + strings.Join(slices.Compact(failed), "/") + ")"
}

func (r *toolResult) nested() string {
	m := r.runs[len(r.runs)/2]
	return fmt.Sprintf("%d of %d", m.nested, m.nestedAll)
}

func (r *toolResult) causes() (named, of int) {
	for _, m := range r.failures {
		if m.cause {
			named++
		}
	}
	return named, len(r.failures)
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

// perMinute is the median run's calls per minute of deployment.
func (r *toolResult) perMinute() float64 {
	return float64(r.calls()) / r.duration().Minutes()
}

// delays are the event delays of every successful run, sorted.
func (r *toolResult) delays() []time.Duration {
	var all []time.Duration
	for _, m := range r.runs {
		all = append(all, m.delays...)
	}
	slices.Sort(all)
	return all
}

// shown says how many of the tree's events the median run printed as records.
func (r *toolResult) shown() string {
	m := r.runs[len(r.runs)/2]
	if len(m.delays) == 0 {
		return "none as records"
	}
	return fmt.Sprintf("%d of %d", len(m.delays), m.events)
}

func (r *toolResult) delayText() string {
	d := r.delays()
	if len(d) == 0 {
		return "—"
	}
	return fmt.Sprintf("%s / %s", secs(d[len(d)/2]), secs(d[len(d)-1]))
}

// poll is hpctl's default interval between polls.
const poll = 2 * time.Second

// render writes the results as Markdown, with the targets of issue 11.
func render(c config, results []*toolResult, at time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# hpctl against rain and the AWS CLI\n\n")
	fmt.Fprintf(&b, "Written by `make bench` (`go run ./bench`) on %s. One EKS deployment: hpctl's stand-in of the hosted main\n", at.UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "stack with the parameters hpctl plans for `%s` (12 nested stacks), on the local emulator, which\n", example)
	if c.timeScale > 0 {
		fmt.Fprintf(&b, "runs resources in parallel as CloudFormation does, each taking its type's time on AWS (the emulator's timing profile,\n")
		fmt.Fprintf(&b, "README \"Local AWS\") times %g. ", c.timeScale)
	} else {
		fmt.Fprintf(&b, "runs resources in parallel as CloudFormation does, each taking %.1f s. ", c.resourceSeconds)
	}
	fmt.Fprintf(&b, "Each tool deployed it %d times (medians below) and %d times with `%s` in\n", c.runs, c.failures, failedID)
	fmt.Fprintf(&b, "`PrivateSubnetStack` failing (`%s`), talking through its own counting proxy. rain %s; the AWS CLI v1 as\n", reason, c.rainVersion)
	fmt.Fprintf(&b, "installed. Output was not a terminal; hpctl wrote NDJSON (`--output json`), one record per event, so that the\n")
	fmt.Fprintf(&b, "time from each event to its line can be read off (rain and the AWS CLI print no event records). The template is\n")
	fmt.Fprintf(&b, "the stand-in without its parameter descriptions, so that it fits a TemplateBody for the AWS CLI; hpctl reads the\n")
	fmt.Fprintf(&b, "same body from the bucket.\n\n")
	fmt.Fprintf(&b, "| tool | exit | API calls | calls per deployment-minute | most called | run | events shown | event → line, median / worst | completion → exit | CPU | peak RSS | nested resources named | failed resource and reason named |\n")
	fmt.Fprintf(&b, "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range results {
		named, of := r.causes()
		fmt.Fprintf(&b, "| %s | %s | %d | %.0f | %s | %s | %s | %s | %s | %s | %.0f MB | %s | %d of %d |\n", r.tool.name, r.exits(), r.calls(),
			r.perMinute(), r.topCalls(), secs(r.duration()), r.shown(), r.delayText(), secs(r.latency()), secs(r.cpu()), r.peakMB(),
			r.nested(), named, of)
	}
	hp, rain := find(results, "hpctl"), find(results, "rain deploy")
	if hp == nil || rain == nil {
		return b.String()
	}
	named, of := hp.causes()
	check := func(ok bool) string {
		if ok {
			return "met"
		}
		return "**missed**"
	}
	d := hp.delays()
	worst := time.Duration(0)
	if len(d) > 0 {
		worst = d[len(d)-1]
	}
	m := hp.runs[len(hp.runs)/2]
	fmt.Fprintf(&b, "\nTargets (issue 11):\n\n")
	fmt.Fprintf(&b, "- API calls at most a tenth of rain's: %d against %d (%.0f%%): %s\n", hp.calls(), rain.calls(),
		100*float64(hp.calls())/float64(rain.calls()), check(10*hp.calls() <= rain.calls()))
	fmt.Fprintf(&b, "- every event shown, within one poll interval (%s): %s, the worst %s later: %s\n", secs(poll), hp.shown(), secs(worst),
		check(len(d) > 0 && len(m.delays) == m.events && worst <= poll))
	fmt.Fprintf(&b, "- completion to exit within 0.2 s (median of %d): %s: %s\n", c.runs, secs(hp.latency()), check(hp.latency() <= 200*time.Millisecond))
	fmt.Fprintf(&b, "- every nested resource's progress without a terminal: %s: %s\n", hp.nested(), check(hp.runs[0].nested == hp.runs[0].nestedAll))
	fmt.Fprintf(&b, "- peak memory no higher than rain's: %.0f MB against %.0f MB: %s\n", hp.peakMB(), rain.peakMB(), check(hp.peakMB() <= rain.peakMB()))
	fmt.Fprintf(&b, "- CPU no higher than rain's: %s against %s: %s\n", secs(hp.cpu()), secs(rain.cpu()), check(hp.cpu() <= rain.cpu()))
	fmt.Fprintf(&b, "- the failed resource and its real reason in every failure run: %d of %d: %s\n", named, of, check(named == of))
	return b.String()
}

func find(results []*toolResult, name string) *toolResult {
	for _, r := range results {
		if r.tool.name == name {
			return r
		}
	}
	return nil
}
