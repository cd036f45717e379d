package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/hpctl/hpctl/internal/emulator"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// stopEmulator runs the tests, then stops the emulator they shared.
type stopEmulator struct{ m *testing.M }

func (s stopEmulator) Run() int { return emulator.Main(s.m) }

func TestMain(m *testing.M) {
	testscript.Main(stopEmulator{m}, map[string]func(){
		"hpctl": func() { os.Exit(Main("test")) },
	})
}

// The scripts run the real command line: flags, exit codes, files, stdin.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// exits N cmd args...: run cmd and require exit code N.
			"exits": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) < 2 {
					ts.Fatalf("usage: exits CODE command [args...]")
				}
				want, err := strconv.Atoi(args[0])
				ts.Check(err)
				err = ts.Exec(args[1], args[2:]...)
				got := 0
				var ee *exec.ExitError
				switch {
				case errors.As(err, &ee):
					got = ee.ExitCode()
				case err != nil:
					ts.Fatalf("%v", err)
				}
				if got != want {
					ts.Fatalf("exit code %d, want %d", got, want)
				}
			},
		},
		Setup: func(env *testscript.Env) error {
			examples, err := filepath.Abs("../../examples")
			env.Setenv("EXAMPLES", examples)
			env.Setenv("AWS_REGION", "")
			env.Setenv("AWS_DEFAULT_REGION", "")
			// Plans read no network and no cache but the script's own.
			env.Setenv("HPCTL_OFFLINE", "1")
			env.Setenv("HPCTL_CACHE_DIR", filepath.Join(env.WorkDir, ".cache"))
			return err
		},
	})
}

// run runs the CLI in this process: offline, with a cache of its own,
// unless env says otherwise.
func run(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	all := map[string]string{"HPCTL_OFFLINE": "1", "HPCTL_CACHE_DIR": t.TempDir()}
	maps.Copy(all, env)
	ios, _, out, errOut := TestIO(all)
	code = Run(context.Background(), args, ios, "test")
	return code, out.String(), errOut.String()
}

// Golden files pin the plan of every example, as text and as JSON.
// `go test ./internal/cli -run Golden -update` rewrites them.
func TestPlanGolden(t *testing.T) {
	files, _ := filepath.Glob("../../examples/*.yaml")
	if len(files) < 5 {
		t.Fatalf("found %d examples", len(files))
	}
	for _, f := range files {
		base := strings.TrimSuffix(filepath.Base(f), ".yaml")
		orch := strings.SplitN(base, "-", 2)[0]
		// The path as a user would type it, so the golden output shows it.
		rel := filepath.Join("examples", filepath.Base(f))
		for _, format := range []string{"text", "json"} {
			t.Run(base+"/"+format, func(t *testing.T) {
				t.Chdir("../..")
				code, out, errOut := run(t, nil, "plan", orch, "-f", rel, "--output", format)
				if code != ExitOK {
					t.Fatalf("exit %d: %s", code, errOut)
				}
				if format == "json" {
					// One document on one line; the golden file holds it
					// indented, for people to read its diffs.
					if strings.Count(out, "\n") != 1 || !json.Valid([]byte(out)) {
						t.Fatalf("plan --output json is not one JSON document on one line:\n%.300s", out)
					}
					var b bytes.Buffer
					if err := json.Indent(&b, []byte(out), "", "  "); err != nil {
						t.Fatal(err)
					}
					out = b.String()
				}
				ext := map[string]string{"text": ".txt", "json": ".json"}[format]
				golden(t, filepath.Join("internal", "cli", "testdata", "golden", "plan-"+base+ext), out)
			})
		}
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(want, []byte(got)) {
		t.Errorf("%s differs from the output (run with -update to accept):\n%s", path, diffLines(string(want), got))
	}
}

// diffLines shows the first lines where two texts part.
func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(w), len(g)) && shown < 8; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("- " + wl + "\n+ " + gl + "\n")
			shown++
		}
	}
	return b.String()
}

func TestRegionComesFromTheEnvironment(t *testing.T) {
	spec := "apiVersion: hpctl/v1alpha1\nkind: Cluster\nmetadata: {name: ml}\norchestrator: slurm\nnetwork: {availabilityZoneIds: [euc1-az1]}\n" +
		"cluster:\n  instanceGroups: [{name: c, type: Controller, instanceType: ml.c5.xlarge, count: 1}]\n"
	dir := t.TempDir()
	path := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(path, []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, map[string]string{"AWS_REGION": "eu-central-1"}, "plan", "slurm", "-f", path, "--output", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var p struct{ Region string }
	if err := json.Unmarshal([]byte(out), &p); err != nil || p.Region != "eu-central-1" {
		t.Errorf("region %q, err %v", p.Region, err)
	}
	code, _, errOut = run(t, nil, "plan", "slurm", "-f", path)
	if code != ExitUsage || !strings.Contains(errOut, "metadata.region: no region") {
		t.Errorf("without a region: exit %d: %s", code, errOut)
	}
}
