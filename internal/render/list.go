package render

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hpctl/hpctl/internal/deploy"
)

// Listing is what `hpctl list` found: the deployments, and the regions it
// could not read (an opt-in region the account has not enabled).
type Listing struct {
	Regions     []string            `json:"regions"`
	Deployments []deploy.Deployment `json:"deployments"`
	Unread      []string            `json:"unreadRegions,omitempty"`
}

// ListText writes one aligned row per deployment, its age against now.
func ListText(w io.Writer, l Listing, now time.Time) error {
	ew := &errWriter{w: w}
	if len(l.Deployments) == 0 {
		ew.printf("No deployments of hpctl's in %s.\n", strings.Join(l.Regions, ", "))
	} else {
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tREGION\tORCHESTRATOR\tSTACK\tSTACK STATUS\tCLUSTER\tGROUPS\tTEMPLATE\tAGE")
		for _, d := range l.Deployments {
			var groups []string
			for _, g := range d.Groups {
				groups = append(groups, fmt.Sprintf("%s %d/%d", g.Name, g.Current, g.Target))
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.Name, d.Region, d.Orchestrator, d.Stack, d.StackStatus,
				orDash(d.ClusterStatus), orDash(strings.Join(groups, ", ")), orDash(d.Template), age(now.Sub(d.Created)))
		}
		_ = tw.Flush()
	}
	if len(l.Unread) > 0 {
		ew.printf("Not read (not enabled for this account, or denied): %s\n", strings.Join(l.Unread, ", "))
	}
	return ew.err
}

// age is a duration as a list shows it: 45s, 12m, 5h, 3d.
func age(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
