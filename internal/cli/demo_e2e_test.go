package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hpctl/hpctl/internal/emulator"
)

// The demo (make demo's deploy, status and destroy of the EKS quickstart)
// run in a real terminal of 80×24, tmux's, with the live view: no line it
// prints wraps. tmux joins a wrapped line back with capture-pane -J, so
// the capture with and without joining must be the same.
func TestTheDemoFitsEightyByTwentyFour(t *testing.T) {
	tmux, err := exec.LookPath("tmux")
	switch {
	case err != nil && os.Getenv("CI") == "true":
		t.Fatal("no tmux on this CI machine (.ci/run installs it)")
	case err != nil:
		t.Skip("no tmux on this machine")
	}
	onEmulator(t, emulator.Settings{ResourceSeconds: 0.01, ClusterSeconds: 1})
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "hpctl")
	if err := os.Symlink(self, bin); err != nil {
		t.Fatal(err)
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	var script strings.Builder
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") || strings.HasPrefix(k, "HPCTL_") || k == "PATH" || k == "HOME" {
			fmt.Fprintf(&script, "export %s\n", shellQuote(kv))
		}
	}
	fmt.Fprintf(&script, "export TERM=screen LANG=C.UTF-8\nunset CI\ncd %s\n", shellQuote(root))
	// The commands as make demo shows and runs them (its echo lines too).
	for _, c := range []struct{ shown, args string }{
		{"deploy eks -f examples/eks-quickstart.yaml \\\n    --templates-bucket hpctl-demo-templates --stand-ins",
			"deploy eks -f examples/eks-quickstart.yaml --templates-bucket " + standIns + " --poll-interval 100ms"},
		{"status ml-cluster", "status ml-cluster"},
		{"destroy ml-cluster --yes", "destroy ml-cluster --yes --poll-interval 100ms"},
	} {
		for _, line := range strings.Split("$ hpctl "+c.shown, "\n") {
			fmt.Fprintf(&script, "printf '%%s\\n' %s\n", shellQuote(line))
		}
		fmt.Fprintf(&script, "%s %s\n", shellQuote(bin), c.args)
	}
	script.WriteString("echo DEMO-DONE; sleep 300\n")
	run := filepath.Join(dir, "demo.sh")
	conf := filepath.Join(dir, "tmux.conf")
	if err := os.WriteFile(run, []byte(script.String()), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(conf, []byte("set -g history-limit 100000\nset -g status off\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	socket := "hpctl-demo-" + filepath.Base(dir)
	tm := func(args ...string) (string, error) {
		out, err := exec.Command(tmux, append([]string{"-L", socket, "-f", conf}, args...)...).CombinedOutput()
		return string(out), err
	}
	if out, err := tm("new-session", "-d", "-x", "80", "-y", "24", "sh", run); err != nil {
		t.Fatalf("tmux: %v\n%s", err, out)
	}
	defer tm("kill-server")
	var plain string
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(300 * time.Millisecond) {
		if plain, err = tm("capture-pane", "-p", "-S", "-", "-E", "-"); err != nil {
			t.Fatalf("capture: %v\n%s", err, plain)
		}
		if strings.Contains(plain, "DEMO-DONE") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the demo did not end:\n%s", plain)
		}
	}
	if testing.Verbose() {
		t.Logf("the demo at 80×24:\n%s", plain)
	}
	joined, err := tm("capture-pane", "-p", "-J", "-S", "-", "-E", "-")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"✓ hpctl-ml-cluster CREATE_COMPLETE", "Cluster ml-cluster: InService", "✓ destroyed hpctl-ml-cluster"} {
		if !strings.Contains(plain, want) {
			t.Errorf("the demo lacks %q:\n%s", want, plain)
		}
	}
	p, j := strings.Split(strings.TrimRight(plain, "\n"), "\n"), strings.Split(strings.TrimRight(joined, "\n"), "\n")
	if len(p) != len(j) {
		for _, line := range j {
			if n := utf8.RuneCountInString(line); n > 80 {
				t.Errorf("a line of %d columns wraps at 80: %s", n, line)
			}
		}
		t.Errorf("%d lines wrapped at 80 columns", len(p)-len(j))
	}
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
