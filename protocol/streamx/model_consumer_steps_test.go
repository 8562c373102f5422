package streamx_test

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
)

// The driver's steps on the consumer's side, each judged by the model.

// cBlockedRead has the consumer block in Read (or a long ReadTimeout), then
// unblocks it: the handler writes or returns, or the consumer cancels or
// closes from another goroutine.
func (r *modelRun) cBlockedRead() {
	timed := r.rng.IntN(3) == 0
	what := "c.Read(), blocked"
	if timed {
		what = fmt.Sprintf("c.ReadTimeout(%v), blocked", longRead)
	}
	r.logf("%s", what)
	a := start(what, func() outcome {
		if timed {
			return readOutcome(r.rs.ReadTimeout(longRead))
		}
		return readOutcome(r.rs.Read())
	})
	// Writing goes on beside the pending read.
	for n := r.rng.IntN(3); n > 0 && r.ws != nil && !r.m.cDone; n-- {
		r.cWrite()
	}
	var unblock []func()
	if r.m.kind.providerWrites() && !r.m.pDone {
		unblock = append(unblock, r.pWrite, r.pWrite)
	}
	unblock = append(unblock, func() { r.puppet(r.terminal()) }, r.cCancel, r.cClose)
	unblock[r.rng.IntN(len(unblock))]()
	o := r.wait(a, r.readBudget(longRead))
	r.judge(what, o, func(m *model) error { return m.consumerRead(o, timed) })
}

func readOutcome(rep greeter.Reply, err error) outcome {
	return outcome{msg: rep.GetMessage(), err: err}
}

func (r *modelRun) cRead() {
	r.logf("c.Read()")
	o := r.do("c.Read()", r.readBudget(0), func() outcome { return readOutcome(r.rs.Read()) })
	r.judge("c.Read()", o, func(m *model) error { return m.consumerRead(o, false) })
}

func (r *modelRun) cReadTimeout(d time.Duration) {
	what := fmt.Sprintf("c.ReadTimeout(%v)", d)
	r.logf("%s", what)
	began := time.Now()
	o := r.do(what, r.readBudget(d), func() outcome { return readOutcome(r.rs.ReadTimeout(d)) })
	if took := time.Since(began); errors.Is(o.err, streamx.ErrReadTimeout) && took < d {
		r.failf("%s gave up after %v", what, took)
	}
	r.judge(what, o, func(m *model) error { return m.consumerRead(o, d < longRead) })
}

// cIterate ranges over Messages or All and breaks after n messages, unless
// the stream ends first.
func (r *modelRun) cIterate() {
	n := 1 + r.rng.IntN(3)
	useAll := r.rng.IntN(2) == 0
	what := fmt.Sprintf("c.Messages() (break after %d)", n)
	if useAll {
		what = fmt.Sprintf("c.All() (break after %d)", n)
	}
	// Only as far as the model can tell messages will come.
	if !r.m.returned && !r.m.consumerGone() && r.m.cEnd == nil && r.deadline.IsZero() {
		n = min(n, len(r.m.pSent)-r.m.cRead)
	}
	if n == 0 {
		return
	}
	r.logf("%s", what)
	o := r.do(what, r.readBudget(0), func() outcome {
		o := outcome{msgs: []string{}}
		if useAll {
			for m, err := range r.rs.All() {
				if err != nil {
					o.err = err
					break
				}
				o.msgs = append(o.msgs, m.GetMessage())
				if len(o.msgs) == n {
					break
				}
			}
			return o
		}
		for m := range r.rs.Messages() {
			o.msgs = append(o.msgs, m.GetMessage())
			if len(o.msgs) == n {
				break
			}
		}
		o.err = r.rs.Err()
		return o
	})
	r.judge(what, o, func(m *model) error {
		for i, msg := range o.msgs {
			if err := m.consumerRead(outcome{msg: msg}, false); err != nil {
				return fmt.Errorf("message %d: %w", i, err)
			}
		}
		if len(o.msgs) == n {
			m.consumerClose()
			return nil
		}
		end := o.err
		if end == nil {
			end = io.EOF
		}
		if !useAll && m.cEnd != nil && o.err == nil {
			return nil // Messages hides the sticky end of an earlier read
		}
		return m.consumerRead(outcome{err: end}, false)
	})
}

func (r *modelRun) cWrite() {
	msg := fmt.Sprintf("c%d", r.nextC)
	r.nextC++
	what := fmt.Sprintf("c.Write(%q)", msg)
	r.logf("%s", what)
	o := r.do(what, opBudget, func() outcome { return outcome{err: r.ws.Write(greeter.Req(msg))} })
	r.judge(what, o, func(m *model) error { return m.consumerWrite(msg, false, o) })
}

func (r *modelRun) cWriteBad(kind string) {
	var req greeter.Request
	if kind == "big" {
		req = greeter.Req(strings.Repeat("z", 2*modelSendLimit))
	}
	what := fmt.Sprintf("c.Write(%s)", map[string]string{"": "nil", "big": "big"}[kind])
	r.logf("%s", what)
	o := r.do(what, opBudget, func() outcome { return outcome{err: r.ws.Write(req)} })
	r.judge(what, o, func(m *model) error { return m.consumerWrite("", kind == "big", o) })
}

func (r *modelRun) cDoneWriting() {
	r.logf("c.DoneWriting()")
	o := r.do("c.DoneWriting()", opBudget, func() outcome { return outcome{err: r.ws.DoneWriting()} })
	r.judge("c.DoneWriting()", o, func(m *model) error { return m.consumerDoneWriting(o) })
}

func (r *modelRun) cCancel() {
	r.logf("c.cancel()")
	r.cancel()
	r.m.consumerLocalEnd(streamx.CodeCanceled, false)
}

func (r *modelRun) cClose() {
	switch {
	case r.csCall != nil:
		r.logf("c.Close()")
		r.do("c.Close()", opBudget, func() outcome { r.csCall.Close(); return outcome{} })
	case r.rs != nil:
		r.logf("c.Close()")
		r.do("c.Close()", opBudget, func() outcome { r.rs.Close(); return outcome{} })
	default:
		r.cCancel()
		return
	}
	r.m.consumerClose()
}

// cReply starts ClientStreamCall.Reply, which ends the requests and waits
// for the handler's reply; cCollect judges it.
func (r *modelRun) cReply() {
	r.logf("c.Reply() starts")
	m := &r.m
	if !m.cDone {
		// Its DoneWriting may reach the handler even after a deadline,
		// as a Write may; the handler's reads accept either end then.
		m.cDone, m.cDoneOK = true, true
	}
	r.pending = start("c.Reply()", func() outcome {
		rep, err := r.csCall.Reply()
		return outcome{msg: rep.GetMessage(), err: err}
	})
}

// cutConnection closes the consumer's connection under the call.
func (r *modelRun) cutConnection() {
	r.logf("connection lost")
	r.env.proxy.Cut()
	r.cut = true
	r.m.consumerLocalEnd(streamx.CodeUnavailable, false)
}

// shutdown starts the provider's graceful shutdown: the call goes on,
// and the shutdown ends once the handler has returned.
func (r *modelRun) shutdown() {
	r.logf("provider shutdown begins")
	r.stopping = start("provider shutdown", func() outcome { r.unexport(); return outcome{} })
}

func (r *modelRun) cWaitDeadline() {
	r.logf("wait for the deadline")
	select {
	case <-r.ctx.Done():
	case <-time.After(time.Until(r.deadline) + endSlack):
		r.failf("the call's context is not done %v after its deadline", endSlack)
	}
	r.noteDeadline()
}

// cCollect judges the outcome of a unary Call or CallWith.
func (r *modelRun) cCollect() {
	r.logf("collect %s", r.pending.what)
	r.collected = true
	o := r.wait(r.pending, r.readBudget(0))
	r.judge(r.pending.what, o, func(m *model) error {
		want := "u:q"
		if m.kind == kindClient {
			want = ""
			if len(m.pSent) > 0 {
				want = m.pSent[0]
			}
		}
		return m.callResult(o, want)
	})
	if r.csCall != nil {
		again := r.do("c.Reply() again", opBudget, func() outcome {
			rep, err := r.csCall.Reply()
			return outcome{msg: rep.GetMessage(), err: err}
		})
		if again.msg != o.msg || (o.err == nil) != (again.err == nil) || streamx.CodeOf(again.err) != streamx.CodeOf(o.err) {
			r.failf("a second Reply returned %v; the first %v", again, o)
		}
	}
}
