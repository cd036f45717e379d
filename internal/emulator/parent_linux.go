package emulator

import "syscall"

// dieWithParent asks Linux to send the emulator SIGKILL when its parent
// dies (prctl PR_SET_PDEATHSIG, see prctl(2)).
func dieWithParent(attr *syscall.SysProcAttr) { attr.Pdeathsig = syscall.SIGKILL }
