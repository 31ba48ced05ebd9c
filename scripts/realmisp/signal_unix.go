//go:build unix

package main

import "syscall"

// signalGroup sends SIGSTOP (stop) or SIGCONT to a process group.
func signalGroup(pgid int, stop bool) error {
	sig := syscall.SIGCONT
	if stop {
		sig = syscall.SIGSTOP
	}
	return syscall.Kill(-pgid, sig)
}
