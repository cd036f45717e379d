package cli

import (
	"strings"
	"testing"

	"github.com/hpctl/hpctl/internal/emulator"
)

// No credential or session token reaches the output, at any verbosity, on
// success or failure.
func TestNoCredentialInAnyOutput(t *testing.T) {
	e := onEmulator(t, emulator.Settings{})
	secrets := map[string]string{
		"AWS_ACCESS_KEY_ID":     "AKIAHPCTLLEAKTEST777",
		"AWS_SECRET_ACCESS_KEY": "hpctl/secret+must+not+leak/0123456789abcdef",
		"AWS_SESSION_TOKEN":     "hpctl-session-token-must-not-leak-FwoGZXIvYXdzE",
	}
	for k, v := range secrets {
		t.Setenv(k, v)
	}
	var all strings.Builder
	run := func(args ...string) {
		code, out, errOut := e.hpctl(args...)
		all.WriteString(out + errOut)
		t.Logf("hpctl %s: exit %d", strings.Join(args, " "), code)
	}
	run("deploy", "slurm", "-f", "../../examples/slurm-quickstart.yaml", "--templates-bucket", standIns, "-v")
	run("deploy", "slurm", "-f", "../../examples/slurm-quickstart.yaml", "--templates-bucket", standIns, "-v", "--output", "json")
	run("status", "slurm-cluster", "-v", "--output", "json")
	run("watch", "slurm-cluster", "-v")
	run("deploy", "eks", "-f", "../../examples/eks-quickstart.yaml", "--templates-bucket", "no-such-bucket-anywhere", "-v")
	run("destroy", "slurm-cluster", "--yes", "-v")
	run("status", "nothing-here", "-v", "--endpoint-url", "http://192.0.2.1:4566")
	run("version", "-v", "--output", "json")
	text := all.String()
	if !strings.Contains(text, "✓ destroyed hpctl-slurm-cluster") {
		t.Fatalf("the commands did not run as expected:\n%s", text)
	}
	for k, v := range secrets {
		for _, part := range []string{v, v[:12], v[len(v)-12:]} {
			if strings.Contains(text, part) {
				t.Errorf("%s (or part of it) appears in the output", k)
			}
		}
	}
}
