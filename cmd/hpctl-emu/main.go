// Command hpctl-emu starts and stops the local AWS emulator outside tests:
//
//	hpctl-emu up [-port N] [-resource-seconds F] [-cluster-seconds F] [-time-scale F]
//	                         start it in the background; print the environment that points tools at it
//	hpctl-emu env            print that environment again
//	hpctl-emu inventory      list what it holds that a deployment could have made
//	hpctl-emu down           stop it and everything it started
//	hpctl-emu python MODULE  print an interpreter that can import MODULE
//
// Its state lives in .emu/ under the current folder.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/hpctl/hpctl/internal/emulator"
)

const stateDir = ".emu"

type state struct {
	PID int    `json:"pid"`
	URL string `json:"url"`
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "hpctl-emu:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return errors.New("usage: hpctl-emu up|env|inventory|down|python MODULE")
	}
	switch args[0] {
	case "up":
		fl := flag.NewFlagSet("up", flag.ContinueOnError)
		port := fl.Int("port", 0, "port to listen on (0: a free one)")
		var set emulator.Settings
		fl.Float64Var(&set.ResourceSeconds, "resource-seconds", 0, "seconds each resource takes to create or delete")
		fl.Float64Var(&set.ClusterSeconds, "cluster-seconds", 0, "seconds a HyperPod cluster is Creating, and Deleting")
		fl.Float64Var(&set.TimeScale, "time-scale", 0, "each resource takes its type's time on AWS times this (1: real time; 0.025: an EKS deployment in about 90 s); overrides the two above")
		if err := fl.Parse(args[1:]); err != nil {
			return err
		}
		return up(*port, set)
	case "env":
		s, err := read()
		if err != nil {
			return err
		}
		printEnv(s.URL)
		return nil
	case "down":
		return down()
	case "inventory":
		return inventory()
	case "python":
		if len(args) != 2 {
			return errors.New("usage: hpctl-emu python MODULE")
		}
		py, err := emulator.FindPythonWith(args[1])
		if err != nil {
			return err
		}
		fmt.Println(py)
		return nil
	}
	return fmt.Errorf("unknown command %q: up, env, inventory, down or python", args[0])
}

func up(port int, set emulator.Settings) error {
	if s, err := read(); err == nil && syscall.Kill(s.PID, 0) == nil {
		fmt.Fprintf(os.Stderr, "already running at %s\n", s.URL)
		printEnv(s.URL)
		return nil
	}
	dir, err := filepath.Abs(stateDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// Started in its own process group, it outlives this command; down stops it.
	e, err := emulator.Start(ctx, emulator.Options{Dir: dir, Port: port})
	if err != nil {
		return err
	}
	if err := e.Configure(ctx, set); err != nil {
		_ = e.Stop()
		return err
	}
	data, _ := json.Marshal(state{PID: e.PID(), URL: e.URL})
	if err := os.WriteFile(filepath.Join(dir, "state.json"), data, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "emulator at %s (log: %s)\n", e.URL, e.Log)
	printEnv(e.URL)
	return nil
}

func down() error {
	s, err := read()
	if errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintln(os.Stderr, "not running")
		return nil
	}
	if err != nil {
		return err
	}
	_ = syscall.Kill(-s.PID, syscall.SIGTERM)
	for i := 0; i < 250 && syscall.Kill(-s.PID, 0) == nil; i++ {
		time.Sleep(20 * time.Millisecond)
	}
	if syscall.Kill(-s.PID, 0) == nil {
		_ = syscall.Kill(-s.PID, syscall.SIGKILL)
	}
	fmt.Fprintf(os.Stderr, "stopped the emulator at %s\n", s.URL)
	return os.RemoveAll(stateDir)
}

func read() (state, error) {
	var s state
	data, err := os.ReadFile(filepath.Join(stateDir, "state.json"))
	if err != nil {
		return s, err
	}
	return s, json.Unmarshal(data, &s)
}

func printEnv(url string) {
	e := &emulator.Emulator{URL: url}
	fmt.Printf("unset %s\n", strings.Join(emulator.Unset, " "))
	for _, kv := range e.Env() {
		k, v, _ := strings.Cut(kv, "=")
		fmt.Printf("export %s=%q\n", k, v)
	}
}

// inventory prints, kind by kind, what the running emulator holds.
func inventory() error {
	s, err := read()
	if err != nil {
		return fmt.Errorf("not running: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	inv, err := (&emulator.Emulator{URL: s.URL}).Inventory(ctx, emulator.Region)
	if err != nil {
		return err
	}
	empty := true
	for _, kind := range slices.Sorted(maps.Keys(inv)) {
		if len(inv[kind]) > 0 {
			empty = false
			fmt.Printf("%s: %s\n", kind, strings.Join(inv[kind], ", "))
		}
	}
	if empty {
		fmt.Println("nothing")
	}
	return nil
}
