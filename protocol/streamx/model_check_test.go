package streamx_test

import (
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"time"

	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
)

// The model test's invariants that hold after every step whatever the
// model predicts: no operation panics or blocks past its budget, and every
// error can be inspected.

// modelFailure is what the driver panics with when an invariant or a
// prediction fails; run recovers it and reports the seed and the steps.
type modelFailure struct{ msg string }

// describeErr prints err with its code, without trusting it not to panic.
func describeErr(err error) (s string) {
	if err == nil {
		return "<nil>"
	}
	defer func() {
		if p := recover(); p != nil {
			s = fmt.Sprintf("<%T whose Error panics: %v>", err, p)
		}
	}()
	switch {
	case errors.Is(err, io.EOF):
		return "io.EOF"
	case errors.Is(err, streamx.ErrReadTimeout):
		return "ErrReadTimeout"
	}
	return fmt.Sprintf("%v(%q)", streamx.CodeOf(err), err.Error())
}

// inspectErr returns what is wrong with err as a user would look at it, or
// "": Error, CodeOf, errors.Is and errors.As must not panic, and a nil
// *Error must not hide in a non-nil error.
func inspectErr(err error) (problem string) {
	if err == nil {
		return ""
	}
	defer func() {
		if p := recover(); p != nil {
			problem = fmt.Sprintf("inspecting %T panicked: %v", err, p)
		}
	}()
	_ = err.Error()
	_ = streamx.CodeOf(err)
	_ = errors.Is(err, io.EOF)
	_ = errors.Is(err, streamx.ErrReadTimeout)
	var se *streamx.Error
	if errors.As(err, &se) {
		if se == nil {
			return fmt.Sprintf("a nil *streamx.Error inside a non-nil %T", err)
		}
		_ = se.Code()
		_ = se.Message()
		_ = se.Details()
	}
	return ""
}

// asyncOp is one operation running on a goroutine of its own.
type asyncOp struct {
	what string
	done chan outcome
}

type opPanic struct {
	value any
	stack []byte
}

func (p *opPanic) Error() string { return fmt.Sprintf("panic: %v\n%s", p.value, p.stack) }

// start runs f on a goroutine; a panic in f becomes its outcome's error.
func start(what string, f func() outcome) *asyncOp {
	a := &asyncOp{what: what, done: make(chan outcome, 1)}
	go func() {
		defer func() {
			if p := recover(); p != nil {
				a.done <- outcome{err: &opPanic{p, debug.Stack()}}
			}
		}()
		a.done <- f()
	}()
	return a
}

// wait returns the outcome, or ok=false if it is not there within budget.
func (a *asyncOp) wait(budget time.Duration) (o outcome, ok bool) {
	t := time.NewTimer(budget)
	defer t.Stop()
	select {
	case o = <-a.done:
		return o, true
	case <-t.C:
		return outcome{}, false
	}
}
