package streamx_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
)

// The driver's steps on the provider's side: commands to the handler
// puppet, and what the model expects of each.

func (r *modelRun) hdrValue(prefix string) string {
	r.nextHdr++
	return fmt.Sprintf("%s%d", prefix, r.nextHdr)
}

var modelCodes = []streamx.Code{
	streamx.CodeCanceled, streamx.CodeUnknown, streamx.CodeInvalidArgument, streamx.CodeDeadlineExceeded,
	streamx.CodeNotFound, streamx.CodeAlreadyExists, streamx.CodePermissionDenied,
	streamx.CodeResourceExhausted, streamx.CodeFailedPrecondition, streamx.CodeAborted,
	streamx.CodeOutOfRange, streamx.CodeUnimplemented, streamx.CodeInternal,
	streamx.CodeUnavailable, streamx.CodeDataLoss, streamx.CodeUnauthenticated,
}

// terminal picks how the handler ends.
func (r *modelRun) terminal() puppetCmd {
	choices := []puppetCmd{{op: pReturn}, {op: pReturn}, {op: pReturnErr}, {op: pPanic, arg: "boom"}}
	if r.m.kind == kindUnary || r.m.kind == kindClient {
		choices = append(choices, puppetCmd{op: pReturnNil})
	}
	c := choices[r.rng.IntN(len(choices))]
	if c.op == pReturnErr {
		c.code = modelCodes[r.rng.IntN(len(modelCodes))]
		c.arg = "model error " + c.code.String()
	}
	return c
}

// puppet tells the handler to do c and judges what it did.
func (r *modelRun) puppet(c puppetCmd) {
	r.logf("%v", c)
	budget := opBudget + c.d
	if c.op == pAwaitCtx {
		budget += endSlack
	}
	r.judgePuppet(c, r.do(c.String(), budget, r.command(c)))
}

// command returns the function that has the handler do c.
func (r *modelRun) command(c puppetCmd) func() outcome {
	return func() outcome {
		select {
		case r.p.cmds <- c:
		case <-r.p.exited:
			return outcome{err: errors.New("model: the handler had returned")}
		}
		return <-r.p.results
	}
}

func (r *modelRun) judgePuppet(c puppetCmd, o outcome) {
	var accept func(*model) error
	switch c.op {
	case pRead:
		accept = func(m *model) error { return m.providerRead(o, false) }
	case pReadTimeout:
		accept = func(m *model) error { return m.providerRead(o, true) }
	case pIter:
		accept = func(m *model) error { return m.providerIter(o, c.n) }
	case pWrite:
		accept = func(m *model) error { return m.providerWrite(c.arg, o) }
	case pWriteNil:
		accept = func(m *model) error { return m.providerWrite("", o) }
	case pDoneWriting:
		accept = func(m *model) error { return m.providerDoneWriting(o) }
	case pSetHeader:
		accept = func(m *model) error { return m.providerSetHeader(c.arg, o) }
	case pSetTrailer:
		accept = func(m *model) error { return m.providerSetTrailer(c.arg, o) }
	case pAwaitCtx:
		accept = func(m *model) error {
			if !isCode(o.err, streamx.CodeCanceled, streamx.CodeDeadlineExceeded) {
				return fmt.Errorf("the handler's context ends once the consumer went away")
			}
			return nil
		}
	default: // terminal
		code := streamx.CodeOK
		switch c.op {
		case pReturnErr:
			code = c.code
		case pReturnNil, pPanic:
			code = streamx.CodeInternal
		}
		r.m.providerReturn(code)
		r.awaitExit()
		return
	}
	r.judge(c.String(), o, accept)
}

// awaitExit waits for the handler function to return.
func (r *modelRun) awaitExit() {
	select {
	case <-r.p.exited:
	case <-time.After(opBudget):
		r.failf("the handler did not return within %v of its terminal command", opBudget)
	}
	r.exited = true
}

// lateMetadata calls SetHeader or SetTrailer with the handler's context
// after the call has ended: both refuse with failed_precondition.
func (r *modelRun) lateMetadata() {
	trailer := r.rng.IntN(2) == 0
	what := "SetHeader after the handler returned"
	if trailer {
		what = "SetTrailer after the handler returned"
	}
	r.logf("%s", what)
	o := r.do(what, opBudget, func() outcome {
		h := http.Header{"x-late": {"late"}}
		if trailer {
			return outcome{err: streamx.SetTrailer(r.p.ctx, h)}
		}
		return outcome{err: streamx.SetHeader(r.p.ctx, h)}
	})
	if !isCode(o.err, streamx.CodeFailedPrecondition) {
		r.failf("%s: got %v; want failed_precondition", what, o)
	}
}

// pFlood has the handler write more than the consumer's flow-control
// window holds: its Write blocks until the consumer reads, and returns
// once the consumer cancels or closes.
func (r *modelRun) pFlood() {
	var names []string
	// The window (64 KiB) and the provider's write buffer take 8.
	for range 16 {
		names = append(names, fmt.Sprintf("p%d", r.nextP))
		r.nextP++
	}
	c := puppetCmd{op: pWriteN, arg: strings.Join(names, ",")}
	r.logf("%v, blocked by flow control", c)
	a := start(c.String(), r.command(c))
	if r.rng.IntN(2) == 0 {
		for _, name := range names {
			r.m.pSent = append(r.m.pSent, floodMsg(name))
		}
		r.m.pWrote = true
		for range names {
			r.cRead()
		}
		o := r.wait(a, opBudget)
		if o.err != nil || !slices.Equal(o.msgs, names) {
			r.failf("%v: got %v; want all written", c, o)
		}
		return
	}
	if r.rng.IntN(2) == 0 {
		r.cCancel()
	} else {
		r.cClose()
	}
	o := r.wait(a, endSlack)
	if len(o.msgs) == len(names) || o.err == nil {
		r.failf("%v: got %v; want a refusal once the window is full and the consumer gone", c, o)
	}
	for _, name := range o.msgs {
		r.m.pSent = append(r.m.pSent, floodMsg(name))
		r.m.pWrote = true
	}
	if streamx.CodeOf(o.err) == streamx.CodeOK || errors.Is(o.err, io.EOF) {
		r.failf("%v: got %v; want an *Error", c, o)
	}
}

// pIterate has the handler range over its messages and break after n, as
// far as the model can tell messages or the end will come.
func (r *modelRun) pIterate() {
	n := 1 + r.rng.IntN(3)
	m := &r.m
	if m.pEnd == nil && !m.pClosed && !m.cDoneOK && !m.consumerGone() {
		n = min(n, len(m.cSent)-m.pRead)
	}
	if n > 0 {
		r.puppet(puppetCmd{op: pIter, n: n})
	}
}

func (r *modelRun) pWrite() {
	msg := fmt.Sprintf("p%d", r.nextP)
	r.nextP++
	r.puppet(puppetCmd{op: pWrite, arg: msg})
}

// pBlockedRead has the handler block in Read, then unblocks it from the
// consumer's side.
func (r *modelRun) pBlockedRead() {
	c := puppetCmd{op: pRead}
	if r.rng.IntN(3) == 0 {
		c = puppetCmd{op: pReadTimeout, d: longRead}
	}
	r.logf("%v, blocked", c)
	a := start(c.String(), r.command(c))
	var unblock []func()
	if r.ws != nil && !r.m.cDone {
		unblock = append(unblock, r.cWrite, r.cWrite, r.cDoneWriting)
	}
	if !r.m.consumerGone() {
		unblock = append(unblock, r.cCancel)
		if r.rs != nil {
			unblock = append(unblock, r.cClose)
		}
	}
	if len(unblock) == 0 {
		r.failf("model: nothing can unblock the handler's read")
	}
	unblock[r.rng.IntN(len(unblock))]()
	o := r.wait(a, opBudget)
	r.judgePuppet(c, o)
}
