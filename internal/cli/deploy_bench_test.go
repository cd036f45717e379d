package cli

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hpctl/hpctl/internal/emulator"
)

// BenchmarkWatchedEKSQuickstart deploys the EKS quickstart to the emulator
// at the production poll interval, with every resource taking half a
// second, through a proxy that counts every API call hpctl makes: the
// upload of the stand-ins, preflight, change set, execution, watching and
// the wait for InService.
func BenchmarkWatchedEKSQuickstart(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		e := onEmulator(b, emulator.Settings{ResourceSeconds: 0.5, ClusterSeconds: 10})
		counter, err := emulator.NewCounter(e.emu.URL)
		if err != nil {
			b.Fatal(err)
		}
		b.Setenv("AWS_ENDPOINT_URL", counter.URL)
		b.StartTimer()
		ios, _, out, errOut := TestIO(map[string]string{"AWS_REGION": emulator.Region, "HPCTL_CACHE_DIR": b.TempDir()})
		code := Run(e.ctx, []string{"deploy", "eks", "-f", "../../examples/eks-quickstart.yaml", "--templates-bucket", standIns}, ios, "bench")
		b.StopTimer()
		if code != 0 || !strings.Contains(out.String(), "InService") {
			b.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
		counts := counter.Counts()
		b.ReportMetric(float64(counter.Total()), "calls/op")
		b.ReportMetric(float64(strings.Count(out.String(), "\n")), "lines/op")
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(counts)) {
			parts = append(parts, k+"="+strconv.Itoa(counts[k]))
		}
		b.Logf("API calls: %s", strings.Join(parts, " "))
		_ = counter.Close()
		b.StartTimer()
	}
}
