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
