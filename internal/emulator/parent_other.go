//go:build !linux

package emulator

import "syscall"

// dieWithParent has no portable equivalent outside Linux: there, Main's
// cleanup is what stops the emulator.
func dieWithParent(*syscall.SysProcAttr) {}
