// Package emulator runs the local AWS emulator hpctl's tests and demo use:
// moto, with the patch layer in hpctl_emu/, on a free loopback port.
//
// moto is not a Go dependency: it is found by probing Python interpreters
// for `import moto.server`. Where none has it, tests skip with a message
// (and fail under CI=true, where its absence is a broken machine).
package emulator

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

//go:embed hpctl_emu/*.py
var patchLayer embed.FS

// ErrNoMoto means no Python interpreter on this machine can import moto.
var ErrNoMoto = errors.New("no Python interpreter with moto was found (tried the pyenv versions and python3 on PATH); " +
	"install moto[server] 5.x, or set HPCTL_PYTHON to an interpreter that has it")

// Settings control the patch layer (see hpctl_emu/state.py).
type Settings struct {
	// ResourceSeconds is how long each resource takes to create or delete.
	ResourceSeconds float64 `json:"resourceSeconds"`
	// TimeScale, when above 0, makes each resource take its type's time on
	// AWS (the profile in hpctl_emu/state.py) times TimeScale instead of
	// ResourceSeconds, the HyperPod cluster included: 1 is real time.
	TimeScale float64 `json:"timeScale,omitempty"`
	// StackSeconds keep matching stacks in progress a while longer.
	StackSeconds []StackDelay `json:"stackSeconds,omitempty"`
	// Failures make named resources fail with a reason.
	Failures []Failure `json:"failures,omitempty"`
	// ClusterSeconds is how long a HyperPod cluster is Creating, and Deleting.
	ClusterSeconds float64 `json:"clusterSeconds"`
	// ClusterFailures make matching clusters end Failed.
	ClusterFailures []ClusterFailure `json:"clusterFailures,omitempty"`
	// ShortGroups keep matching groups below their target once the cluster
	// is InService, as continuous provisioning can.
	ShortGroups []ShortGroup `json:"shortGroups,omitempty"`
	// Quotas set the applied value of SageMaker quotas by name ("ml.g5.8xlarge
	// for cluster usage"); the others keep the emulator's generous defaults.
	Quotas map[string]float64 `json:"quotas,omitempty"`
	// TrainingPlans are the training plans DescribeTrainingPlan finds.
	TrainingPlans []TrainingPlan `json:"trainingPlans,omitempty"`
	// LifecycleFailures make a group's lifecycle script fail on every node:
	// the cluster ends Failed, and the nodes' log streams end with Log.
	LifecycleFailures []LifecycleFailure `json:"lifecycleFailures,omitempty"`
}

// LifecycleFailure fails the lifecycle script of group Group in the
// clusters whose name matches the glob Cluster; Message is each node's
// failure in the cluster's events, Log the last lines of its stream.
type LifecycleFailure struct {
	Cluster string   `json:"cluster"`
	Group   string   `json:"group"`
	Message string   `json:"message,omitempty"`
	Log     []string `json:"log,omitempty"`
}

// TrainingPlan is a SageMaker training plan: Total instances of
// InstanceType reserved in zone ZoneID, Available of them free (Total when
// 0 and not set); Status defaults to Active, TargetResources to a HyperPod
// cluster.
type TrainingPlan struct {
	Name            string   `json:"name"`
	Status          string   `json:"status,omitempty"`
	InstanceType    string   `json:"instanceType"`
	ZoneID          string   `json:"zoneId"`
	Total           int      `json:"total"`
	Available       *int     `json:"available,omitempty"`
	TargetResources []string `json:"targetResources,omitempty"`
}

// ShortGroup keeps group Group of the clusters whose name matches the glob
// Cluster at Count instances once InService; the cluster's events say each
// missing instance failed with Message.
type ShortGroup struct {
	Cluster string `json:"cluster"`
	Group   string `json:"group"`
	Count   int    `json:"count"`
	Message string `json:"message,omitempty"`
}

// StackDelay holds stacks whose name matches the glob in progress for Seconds.
type StackDelay struct {
	Stack   string  `json:"stack"`
	Seconds float64 `json:"seconds"`
}

// Failure makes a resource fail. Stack is a glob on the stack name (nested
// stacks are named <parent>-<LogicalId>-<suffix>); Operation is "create"
// (the default), "update", "delete" or "rollback" (putting the resource
// back after a failed update); Reason reads "Code: message".
type Failure struct {
	Stack     string `json:"stack"`
	LogicalID string `json:"logicalId"`
	Reason    string `json:"reason"`
	Operation string `json:"operation,omitempty"`
}

// ClusterFailure makes clusters whose name matches the glob end Failed.
type ClusterFailure struct {
	Name    string `json:"name"`
	Message string `json:"message"`
}

// Emulator is one running server.
type Emulator struct {
	// URL is the endpoint to give the SDK, on 127.0.0.1.
	URL    string
	Port   int
	Python string
	// Log is the server's output, for a test that needs to show it.
	Log string

	cmd *exec.Cmd
	dir string
}

// Options tune Start.
type Options struct {
	// Python overrides the interpreter search.
	Python string
	// Port is the port to listen on; 0 picks a free one.
	Port int
	// Dir is where the patch layer and the log are written; empty makes a
	// temporary folder that Stop removes.
	Dir string
	// DieWithParent has the kernel kill the emulator when the process that
	// started it dies (a test binary killed at its -timeout never runs its
	// cleanup). `hpctl-emu up` leaves it unset: its emulator outlives it.
	DieWithParent bool
}

// FindPython returns the first interpreter that can import moto's server.
func FindPython() (string, error) { return FindPythonWith("moto.server, werkzeug") }

// FindPythonWith returns the first interpreter that can import the modules
// (a comma-separated import list).
func FindPythonWith(modules string) (string, error) {
	// An interpreter the user names is the one used, or refused: falling
	// back to another would run tests on a Python they did not choose.
	if p := os.Getenv("HPCTL_PYTHON"); p != "" {
		out, err := exec.Command(p, "-c", "import "+modules).CombinedOutput()
		if err != nil {
			why := strings.TrimSpace(string(out))
			if lines := strings.Split(why, "\n"); why != "" {
				why = lines[len(lines)-1]
			} else {
				why = err.Error()
			}
			return "", fmt.Errorf("HPCTL_PYTHON=%s cannot import %s (%s): point it at an interpreter with moto[server] 5.x, or unset it to search the pyenv versions and python3 on PATH", p, modules, why)
		}
		return p, nil
	}
	var candidates []string
	root := os.Getenv("PYENV_ROOT")
	if root == "" {
		if out, err := exec.Command("pyenv", "root").Output(); err == nil {
			root = strings.TrimSpace(string(out))
		} else if home, err := os.UserHomeDir(); err == nil {
			root = filepath.Join(home, ".pyenv")
		}
	}
	versions, _ := filepath.Glob(filepath.Join(root, "versions", "*", "bin", "python3"))
	// Newest first: an older interpreter sorts first but is less likely to have moto.
	sort.Sort(sort.Reverse(sort.StringSlice(versions)))
	candidates = append(candidates, versions...)
	if p, err := exec.LookPath("python3"); err == nil {
		candidates = append(candidates, p)
	}
	for _, py := range candidates {
		if exec.Command(py, "-c", "import "+modules).Run() == nil {
			return py, nil
		}
	}
	if modules != "moto.server, werkzeug" {
		return "", fmt.Errorf("no Python interpreter can import %s (tried the pyenv versions and python3 on PATH)", modules)
	}
	return "", ErrNoMoto
}

// Start writes the patch layer out, starts the server in its own process
// group, and waits until it answers.
func Start(ctx context.Context, opts Options) (*Emulator, error) {
	py := opts.Python
	if py == "" {
		var err error
		if py, err = FindPython(); err != nil {
			return nil, err
		}
	}
	dir, temporary := opts.Dir, opts.Dir == ""
	if temporary {
		var err error
		if dir, err = os.MkdirTemp("", "hpctl-emu-"); err != nil {
			return nil, err
		}
	}
	if err := writePatchLayer(dir); err != nil {
		return nil, err
	}
	port := opts.Port
	if port == 0 {
		var err error
		if port, err = freePort(); err != nil {
			return nil, err
		}
	}
	logPath := filepath.Join(dir, "emulator.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()

	cmd := exec.Command(py, "-m", "hpctl_emu", "--port", strconv.Itoa(port))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PYTHONPATH="+dir, "PYTHONDONTWRITEBYTECODE=1")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Its own process group, so Stop takes every process it started.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if opts.DieWithParent {
		dieWithParent(cmd.SysProcAttr)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", py, err)
	}
	e := &Emulator{URL: fmt.Sprintf("http://127.0.0.1:%d", port), Port: port, Python: py, Log: logPath, cmd: cmd}
	if temporary {
		e.dir = dir
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	if err := e.waitReady(ctx, exited); err != nil {
		_ = e.Stop()
		return nil, err
	}
	return e, nil
}

func writePatchLayer(dir string) error {
	return fs.WalkDir(patchLayer, "hpctl_emu", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := patchLayer.ReadFile(path)
		if err != nil {
			return err
		}
		target := filepath.Join(dir, path)
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (e *Emulator) waitReady(ctx context.Context, exited <-chan error) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for {
		select {
		case err := <-exited:
			return fmt.Errorf("the emulator exited (%v):\n%s", err, e.tail())
		case <-ctx.Done():
			return fmt.Errorf("the emulator did not answer on %s: %w\n%s", e.URL, ctx.Err(), e.tail())
		case <-time.After(50 * time.Millisecond):
		}
		resp, err := http.Get(e.URL + "/hpctl-emu/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
}

func (e *Emulator) tail() string {
	data, _ := os.ReadFile(e.Log)
	if len(data) > 4000 {
		data = data[len(data)-4000:]
	}
	return string(data)
}

// Stop ends the server's whole process group and waits for it.
func (e *Emulator) Stop() error {
	if e.cmd == nil || e.cmd.Process == nil {
		return nil
	}
	pgid := e.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && syscall.Kill(-pgid, 0) == nil {
		time.Sleep(20 * time.Millisecond)
	}
	if syscall.Kill(-pgid, 0) == nil {
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
	}
	if e.dir != "" {
		_ = os.RemoveAll(e.dir)
	}
	e.cmd = nil
	return nil
}

// Configure replaces the patch layer's settings.
func (e *Emulator) Configure(ctx context.Context, s Settings) error {
	body, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return e.post(ctx, "/hpctl-emu/config", body)
}

// Reset wipes every service's state and the settings, and stops operations
// still running.
func (e *Emulator) Reset(ctx context.Context) error {
	return e.post(ctx, "/moto-api/reset", nil)
}

func (e *Emulator) post(ctx context.Context, path string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(resp.Body)
		return fmt.Errorf("POST %s: %s: %s", path, resp.Status, buf.String())
	}
	return nil
}

// Inventory is what the emulator holds that a deployment could have made,
// by kind; defaults moto creates itself are left out.
type Inventory map[string][]string

// Inventory lists what the emulator holds in a region.
func (e *Emulator) Inventory(ctx context.Context, region string) (Inventory, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.URL+"/hpctl-emu/inventory?region="+region, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var inv Inventory
	if err := json.NewDecoder(resp.Body).Decode(&inv); err != nil {
		return nil, fmt.Errorf("inventory: %w", err)
	}
	return inv, nil
}

// PID is the server's process ID, which is also its process group's.
func (e *Emulator) PID() int {
	if e.cmd == nil || e.cmd.Process == nil {
		return 0
	}
	return e.cmd.Process.Pid
}
