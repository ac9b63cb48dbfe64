package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"syscall"
)

// peakRSS runs path under ptrace and returns, per process name, the peak
// resident set size (VmHWM, in KiB) of every process the run started
// (the program and, for a cold get, ecrlogin fetch), with the program's
// exit status.
//
// Not rusage: Go starts children with vfork semantics (CLONE_VM), and at
// execve Linux folds the high-water mark of the address space being left,
// which is the parent's, into the child's ru_maxrss. Started from this
// driver, a 2 MiB program would report the driver's size. VmHWM belongs to
// the address space the program runs in, and ptrace's exit stop
// (PTRACE_EVENT_EXIT) is the one moment that space still exists with its
// final peak in it. These runs are slower, so they are not the timed ones.
func peakRSS(path string, args, env []string, stdin, stdout, stderr *os.File) (peaks map[string]int, code int, err error) {
	// Every ptrace request must come from the thread that is the tracer.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()

	pid, err := syscall.ForkExec(path, append([]string{path}, args...), &syscall.ProcAttr{
		Env:   env,
		Files: []uintptr{stdin.Fd(), stdout.Fd(), stderr.Fd()},
		Sys:   &syscall.SysProcAttr{Ptrace: true},
	})
	if err != nil {
		return nil, 0, fmt.Errorf("start %s under ptrace: %w", path, err)
	}
	// The child stops with SIGTRAP once its execve has succeeded.
	var ws syscall.WaitStatus
	if _, err := wait(pid, &ws); err != nil {
		return nil, 0, err
	}
	if !ws.Stopped() {
		return nil, 0, fmt.Errorf("%s did not stop at exec under ptrace (status %#x)", path, ws)
	}
	const opts = syscall.PTRACE_O_TRACEEXIT | syscall.PTRACE_O_TRACECLONE | syscall.PTRACE_O_TRACEFORK |
		syscall.PTRACE_O_TRACEVFORK | syscall.PTRACE_O_TRACEEXEC | 0x100000 // PTRACE_O_EXITKILL
	if err := syscall.PtraceSetOptions(pid, opts); err != nil {
		syscall.Kill(pid, syscall.SIGKILL)
		wait(pid, &ws)
		return nil, 0, fmt.Errorf("ptrace %s: %w", path, err)
	}
	syscall.PtraceCont(pid, 0)

	peaks = map[string]int{}
	code = -1
	for {
		// Every thread and child of the program is traced too, so wait for
		// any of them; this driver has no other children while it runs.
		tid, err := wait(-1, &ws)
		if errors.Is(err, syscall.ECHILD) {
			break
		}
		if err != nil {
			return nil, 0, err
		}
		switch {
		case ws.Exited() || ws.Signaled():
			if tid == pid {
				code = ws.ExitStatus()
				if ws.Signaled() {
					code = 128 + int(ws.Signal())
				}
			}
			continue
		case !ws.Stopped():
			continue
		}
		deliver := 0
		switch sig := ws.StopSignal(); {
		case sig == syscall.SIGTRAP && ws.TrapCause() == syscall.PTRACE_EVENT_EXIT:
			if name, kib, err := vmHWM(tid); err == nil {
				peaks[name] = max(peaks[name], kib)
			}
		case sig == syscall.SIGTRAP && ws.TrapCause() > 0:
			// clone, fork, vfork and exec events: nothing to do.
		case sig == syscall.SIGSTOP:
			// A new thread or child's first stop under ptrace.
		default:
			deliver = int(sig) // a real signal (SIGURG, SIGCHLD, ...): pass it on
		}
		syscall.PtraceCont(tid, deliver) // fails only if tid died meanwhile
	}
	if code < 0 {
		return nil, 0, fmt.Errorf("%s was not seen to exit under ptrace", path)
	}
	return peaks, code, nil
}

func wait(pid int, ws *syscall.WaitStatus) (int, error) {
	for {
		tid, err := syscall.Wait4(pid, ws, syscall.WALL, nil)
		if err != syscall.EINTR {
			return tid, err
		}
	}
}

// vmHWM reads a stopped thread's process name and peak RSS in KiB.
func vmHWM(tid int) (name string, kib int, err error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(tid) + "/status")
	if err != nil {
		return "", 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		k, v, _ := bytes.Cut(sc.Bytes(), []byte(":"))
		switch string(k) {
		case "Name":
			name = string(bytes.TrimSpace(v))
		case "VmHWM":
			kib, err = strconv.Atoi(string(bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(v), []byte("kB")))))
			if err != nil {
				return "", 0, err
			}
		}
	}
	if name == "" || kib == 0 {
		return "", 0, fmt.Errorf("no VmHWM in /proc/%d/status", tid)
	}
	return name, kib, nil
}
