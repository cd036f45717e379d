package emulator

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// An emulator started for tests dies with its test binary, even one killed
// at its -timeout, which runs no cleanup: the test starts itself as a
// helper that starts an emulator, kills the helper, and finds the
// emulator gone.
func TestAnEmulatorDiesWithItsTestBinary(t *testing.T) {
	if os.Getenv("HPCTL_EMU_HELPER") == "1" {
		e, err := Start(context.Background(), Options{DieWithParent: true})
		if err != nil {
			fmt.Println("error", err)
			return
		}
		fmt.Println("pid", e.cmd.Process.Pid)
		select {} // until killed
	}
	if _, err := FindPython(); err != nil {
		t.Skipf("no moto: %v", err)
	}
	helper := exec.Command(os.Args[0], "-test.run=^TestAnEmulatorDiesWithItsTestBinary$")
	helper.Env = append(os.Environ(), "HPCTL_EMU_HELPER=1")
	out, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	var pid int
	if _, err := fmt.Sscanf(line, "pid %d", &pid); err != nil {
		_ = helper.Process.Kill()
		t.Fatalf("the helper said %q", strings.TrimSpace(line))
	}
	if !alive(pid) {
		t.Fatal("the emulator is not running")
	}
	_ = helper.Process.Kill()
	_ = helper.Wait()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if !alive(pid) {
			return
		}
		if time.Now().After(deadline) {
			_ = syscall.Kill(-pid, syscall.SIGKILL)
			t.Fatal("the emulator outlived the process that started it")
		}
	}
}

// alive reports a process that runs: not gone, and not a zombie waiting
// for a parent that may never reap it (PID 1 of a container may not).
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	return len(fields) > 0 && fields[0] != "Z" && fields[0] != "X"
}
