// Command bench deploys the same EKS deployment with hpctl, `rain deploy`
// and `aws cloudformation deploy` on the local emulator, each through a
// proxy that counts its API calls, and writes bench/results.md: API
// calls, completion-to-exit latency, CPU, peak memory, and whether each
// tool showed nested progress and named the cause of an injected failure.
//
//	go run ./bench [-runs 5] [-failures 3] [-time-scale 0.025] [-out bench/results.md] [-only hpctl] [-trace DIR]
//
// The deployment is hpctl's stand-in of the hosted EKS main stack with the
// parameters hpctl plans for examples/eks-quickstart.yaml: 12 nested
// stacks on the parallel emulator, each resource taking its type's time on
// AWS times time-scale (or, with -time-scale 0, resource-seconds each).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/hpctl/hpctl/internal/emulator"
)

type config struct {
	runs, failures  int
	resourceSeconds float64
	timeScale       float64
	out             string
	rainVersion     string
	work            string
	only            string // run this tool alone
	trace           string // write each run's calls and output lines here
}

func main() {
	var c config
	flag.IntVar(&c.runs, "runs", 5, "successful deployments per tool (the latency is their median)")
	flag.IntVar(&c.failures, "failures", 3, "failing deployments per tool")
	flag.Float64Var(&c.timeScale, "time-scale", 0.025, "each resource takes its type's time on AWS times this (0: resource-seconds each)")
	flag.Float64Var(&c.resourceSeconds, "resource-seconds", 0.6, "seconds each resource takes when -time-scale is 0")
	flag.StringVar(&c.out, "out", "bench/results.md", "where the results go")
	flag.StringVar(&c.rainVersion, "rain", "v1.24.4", "rain version to install")
	flag.StringVar(&c.only, "only", "", "run only this tool (hpctl, rain or aws); the report then holds it alone")
	flag.StringVar(&c.trace, "trace", "", "write a timeline of each run's API calls and output lines into this folder")
	flag.Parse()
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(c config) error {
	ctx := context.Background()
	work, err := os.MkdirTemp("", "hpctl-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	c.work = work

	tools, in, err := prepareTools(ctx, c)
	if err != nil {
		return err
	}
	emu, err := emulator.Start(ctx, emulator.Options{})
	if err != nil {
		return err
	}
	defer emu.Stop()

	var results []*toolResult
	for _, t := range tools {
		if c.only != "" && !strings.HasPrefix(t.name, c.only) {
			continue
		}
		r := &toolResult{tool: t}
		for _, set := range []struct {
			runs *[]*measurement
			n    int
			fail bool
		}{{&r.runs, c.runs, false}, {&r.failures, c.failures, true}} {
			for i := 0; i < set.n; i++ {
				fmt.Fprintf(os.Stderr, "%s: deployment %d of %d (failing: %v)\n", t.name, i+1, set.n, set.fail)
				m, err := deployOnce(ctx, emu, c, in, t, set.fail, i+1)
				if err != nil {
					return fmt.Errorf("%s: %w", t.name, err)
				}
				*set.runs = append(*set.runs, m)
			}
		}
		results = append(results, r)
	}
	report := render(c, results, time.Now())
	if err := os.MkdirAll(filepath.Dir(c.out), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(c.out, []byte(report), 0o644); err != nil {
		return err
	}
	fmt.Print(report)
	return nil
}

// goBuild builds a package into dir, returning the binary's path.
func goBuild(ctx context.Context, dir, name string, args ...string) (string, error) {
	bin := filepath.Join(dir, name)
	cmd := exec.CommandContext(ctx, "go", append([]string{"build", "-o", bin}, args...)...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build %s: %w", name, err)
	}
	return bin, nil
}

// installRain installs rain at the given version into dir with go install.
func installRain(ctx context.Context, dir, version string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "install", "github.com/aws-cloudformation/rain/cmd/rain@"+version)
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "GOFLAGS=")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("install rain %s: %w", version, err)
	}
	bin := filepath.Join(dir, "rain")
	if _, err := os.Stat(bin); err != nil {
		return "", errors.New("go install left no rain binary")
	}
	return bin, nil
}
