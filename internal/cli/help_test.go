package cli

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// Every command has examples, and its help lists only the global flags that
// act on it.
func TestEveryCommandHasExamplesAndItsGlobals(t *testing.T) {
	ios, _, _, _ := TestIO(nil)
	root := NewRoot(ios, "test")
	root.InitDefaultCompletionCmd()
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if sub.Name() == "help" || sub.Name() == "completion" || sub.Hidden {
				continue
			}
			if sub.Example == "" {
				t.Errorf("%s has no Example", sub.CommandPath())
			}
			if sub.Runnable() {
				if _, ok := actingGlobals[sub.CommandPath()]; !ok {
					t.Errorf("%s does not say which global flags act on it (actingGlobals)", sub.CommandPath())
				}
			}
			walk(sub)
		}
	}
	walk(root)
	for _, tc := range []struct {
		args       []string
		has, hasnt []string
	}{
		{[]string{"schema", "--help"}, nil, []string{"Global Flags", "--region"}},
		{[]string{"validate", "--help"}, []string{"--output", "--region"}, []string{"--yes", "--profile", "--timeout"}},
		{[]string{"deploy", "--help"}, []string{"--yes", "--profile", "--timeout", "--offline", "Examples:"}, nil},
	} {
		ios, _, out, _ := TestIO(nil)
		if code := Run(t.Context(), tc.args, ios, "test"); code != 0 {
			t.Fatalf("%v: exit %d", tc.args, code)
		}
		for _, s := range tc.has {
			if !strings.Contains(out.String(), s) {
				t.Errorf("%v lacks %q:\n%s", tc.args, s, out)
			}
		}
		for _, s := range tc.hasnt {
			if strings.Contains(out.String(), s) {
				t.Errorf("%v shows %q:\n%s", tc.args, s, out)
			}
		}
	}
}

// On an 80-column terminal the plan's long lines break between words and
// nothing is lost; without a terminal every line stays whole.
func TestPlanFitsTheTerminal(t *testing.T) {
	plan := func(tty bool) string {
		ios, _, out, errOut := TestIO(map[string]string{"HPCTL_CACHE_DIR": t.TempDir()})
		ios.OutTTY, ios.Size = tty, func() (int, int) { return 80, 24 }
		if code := Run(t.Context(), []string{"plan", "-f", quickstart, "--offline"}, ios, "test"); code != 0 {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
		return out.String()
	}
	whole, fitted := plan(false), plan(true)
	longest := 0
	for _, line := range strings.Split(whole, "\n") {
		longest = max(longest, len([]rune(line)))
	}
	if longest <= 80 {
		t.Fatalf("no line of the plan is over 80 columns (%d): the test shows nothing", longest)
	}
	for _, line := range strings.Split(fitted, "\n") {
		if n := len([]rune(line)); n > 80 {
			t.Errorf("%d columns: %q", n, line)
		}
	}
	// Long words (URLs, JSON) break after a comma or slash: without the
	// breaks and the indents, the text is the same.
	if squeeze(fitted) != squeeze(whole) {
		t.Error("fitting the plan changed its text")
	}
}

func squeeze(s string) string { return strings.Join(strings.Fields(s), "") }
