package streamx_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"dubbo.apache.org/dubbo-go/v3/client"
	"dubbo.apache.org/dubbo-go/v3/protocol"
	"dubbo.apache.org/dubbo-go/v3/server"

	"github.com/dubbo-go-streamx/streamx/filter"
	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
)

// The model test's driver: one run is one call of a random kind, opened in
// a random form, then a random sequence of steps on either side, each
// checked against the model, then an ending that drains the call.

const (
	modelSendLimit = 1000 // bytes, the consumer's max-call-send-msg-size
	// opBudget is how long any one operation may take on a loaded machine
	// before the driver calls it a hang.
	opBudget = 10 * time.Second
	// endSlack is how long after a cancel, a Close or a deadline a pending
	// or later read may take to return.
	endSlack = 3 * time.Second
	// shortDeadline is the deadline of the calls that get one.
	shortDeadline = 400 * time.Millisecond
	longRead      = 5 * time.Second
)

var shortReads = []time.Duration{0, time.Millisecond, 10 * time.Millisecond, 30 * time.Millisecond}

// modelEnv is the provider and the connections that every run shares.
type modelEnv struct {
	ps    puppets
	conn  *client.Connection
	lossy *client.Connection // through proxy, which the runs that lose the connection cut
	// filtered reaches a provider with a stream filter through a consumer
	// with one: the filter chain's path of every call kind.
	filtered *client.Connection
	proxy    *testenv.Proxy
	next     atomic.Uint64
}

func newModelEnv(t testing.TB) *modelEnv {
	t.Helper()
	e := &modelEnv{}
	url := testenv.Serve(t, e.ps.service())
	// A small window, so that a handler's flood of messages blocks.
	e.conn = e.dial(t, url, client.WithParam("streamx.stream-window", "64KiB"))
	e.proxy = testenv.StartProxy(t, strings.TrimPrefix(url, "tri://"))
	e.lossy = e.dial(t, "tri://"+e.proxy.Addr)
	furl := testenv.Serve(t, e.ps.service(), server.WithVersion("filtered"), filter.WithServiceFilters(nopFilter{}))
	e.filtered = e.dial(t, furl, client.WithVersion("filtered"), filter.WithReferenceFilters(nopFilter{}))
	return e
}

func (e *modelEnv) dial(t testing.TB, url string, opts ...client.ReferenceOption) *client.Connection {
	return testenv.Dial(t, modelService, url, append([]client.ReferenceOption{
		client.WithParam("max-call-send-msg-size", fmt.Sprintf("%dB", modelSendLimit)),
		client.WithRetries(0),
	}, opts...)...)
}

// ownProvider exports the puppets on a provider of the run's own, under a
// version of its own (dubbo-go's service map holds one export per
// version), and returns a connection to it and its Unexport. t is the
// running test's (a fuzz target's own), which holds the port.
func (e *modelEnv) ownProvider(t testing.TB, version string) (*client.Connection, func()) {
	port := testenv.FreePort(t)
	srv, err := server.NewServer(server.WithServerProtocol(
		protocol.WithTriple(), protocol.WithIp("127.0.0.1"), protocol.WithPort(port)))
	if err != nil {
		panic(&modelFailure{fmt.Sprintf("own provider: %v", err)})
	}
	if err := streamx.Register(srv, e.ps.service(), server.WithVersion(version)); err != nil {
		panic(&modelFailure{fmt.Sprintf("own provider: %v", err)})
	}
	so := srv.GetServiceOptionsByInterfaceName(modelService)
	if err := so.Export(); err != nil {
		panic(&modelFailure{fmt.Sprintf("own provider: export: %v", err)})
	}
	return e.dial(t, fmt.Sprintf("tri://127.0.0.1:%d", port), client.WithVersion(version)), so.Unexport
}

// openForm is how the consumer starts the call.
type openForm int

const (
	formCall     openForm = iota // unary Call, server-stream Call
	formOpen                     // client/bidi Open: Write and DoneWriting by the driver
	formOpenWith                 // client/bidi OpenWith an iterator
	formCallWith                 // client-stream CallWith an iterator
	formStart                    // client-stream Start: Write, then Reply
)

type modelRun struct {
	t    testing.TB // the running test: a fuzz target's own, not the F
	env  *modelEnv
	seed uint64
	rng  *rand.Rand
	m    model
	log  []string

	id       string
	p        *puppet
	form     openForm
	ctx      context.Context
	cancel   context.CancelFunc
	deadline time.Time // zero: the call has none

	conn    *client.Connection
	rs      *streamx.ReadStream[greeter.Reply]
	ws      *streamx.WriteStream[greeter.Request]
	pending *asyncOp // a unary Call, CallWith or Reply in flight
	csCall  *streamx.ClientStreamCall[greeter.Request, greeter.Reply]
	resH    http.Header
	resT    http.Header

	lossy    bool // the call goes through the proxy
	filtered bool // the call goes through stream filters
	cut      bool // the proxy cut the connection
	own      *client.Connection
	unexport func()   // the run's own provider's, if it has one
	stopping *asyncOp // Unexport in progress

	arrived   bool // the handler started
	exited    bool // the handler returned
	collected bool // the pending call's outcome was judged
	nextC     int  // the next consumer message is "c<nextC>"
	nextP     int
	nextHdr   int
}

// run plays the sequence of seed and returns what failed, with the steps.
// The steps are returned for a leak report; connected says whether the
// run made or lost connections (whose goroutines come and go with them).
func (e *modelEnv) run(t testing.TB, seed uint64) (steps []string, connected bool, err error) {
	r := &modelRun{t: t, env: e, seed: seed, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		var msg string
		if f, ok := p.(*modelFailure); ok {
			msg = f.msg
		} else { // the API panicked on the driver's goroutine
			msg = (&opPanic{p, debug.Stack()}).Error()
		}
		err = fmt.Errorf("model seed %d failed: %s\nsteps:\n  %s", seed, msg, strings.Join(r.log, "\n  "))
		r.abandon()
	}()
	r.open()
	for n := 2 + r.rng.IntN(14); n > 0 && !r.over(); n-- {
		r.step()
	}
	r.finish()
	return r.log, r.lossy || r.own != nil, nil
}

func (r *modelRun) logf(format string, args ...any) {
	r.log = append(r.log, fmt.Sprintf(format, args...))
}

func (r *modelRun) failf(format string, args ...any) {
	panic(&modelFailure{fmt.Sprintf(format, args...)})
}

// deadlineNow reports whether the call's deadline has passed.
func (r *modelRun) deadlineNow() bool {
	return !r.deadline.IsZero() && !time.Now().Before(r.deadline)
}

// noteDeadline moves the model past the deadline once it has passed.
func (r *modelRun) noteDeadline() {
	if r.deadlineNow() && !r.m.deadlinePassed {
		r.m.deadlinePassed = true
		r.m.consumerLocalEnd(streamx.CodeDeadlineExceeded, false)
	}
}

// readBudget is how long a consumer read may block.
func (r *modelRun) readBudget(extra time.Duration) time.Duration {
	b := opBudget + extra
	if r.m.consumerGone() {
		b = endSlack + extra
	}
	if !r.deadline.IsZero() {
		if d := time.Until(r.deadline) + endSlack; d < b {
			b = max(d, endSlack)
		}
	}
	return b
}

// do runs f under the watchdog and checks the invariants on its outcome.
func (r *modelRun) do(what string, budget time.Duration, f func() outcome) outcome {
	return r.wait(start(what, f), budget)
}

func (r *modelRun) wait(a *asyncOp, budget time.Duration) outcome {
	began := time.Now()
	o, ok := a.wait(budget)
	if !ok {
		r.failf("%s still blocked after %v", a.what, budget)
	}
	var p *opPanic
	if errors.As(o.err, &p) {
		r.failf("%s panicked: %v", a.what, p)
	}
	if problem := inspectErr(o.err); problem != "" {
		r.failf("%s: %s", a.what, problem)
	}
	r.logf("  -> %v (%v)", o, time.Since(began).Round(time.Millisecond))
	return o
}

// judge checks o against the model. A result that the model rejects but
// that the deadline, passed meanwhile, explains moves the model past it.
func (r *modelRun) judge(what string, o outcome, accept func(*model) error) {
	m := r.m
	err := accept(&m)
	if err == nil {
		r.m = m
		return
	}
	if r.deadlineNow() && !r.m.deadlinePassed {
		m = r.m
		m.deadlinePassed = true
		m.consumerLocalEnd(streamx.CodeDeadlineExceeded, false)
		if accept(&m) == nil {
			r.m = m
			return
		}
	}
	r.failf("%s: got %v; %v", what, o, err)
}

func (r *modelRun) callOpts() []streamx.CallOption {
	return []streamx.CallOption{
		streamx.WithRequestHeader(http.Header{modelSeqHeader: {r.id}}),
		streamx.ResponseHeader(&r.resH),
		streamx.ResponseTrailer(&r.resT),
	}
}

// over reports whether nothing is left to do but the ending.
func (r *modelRun) over() bool {
	return r.exited && (r.pending == nil || r.collected) && (r.rs == nil || r.m.cEnd != nil)
}

// open starts the call and waits for its handler.
func (r *modelRun) open() {
	r.m.kind = callKind(r.rng.IntN(4))
	r.id = fmt.Sprintf("%d-%d", r.seed, r.env.next.Add(1))
	r.p = r.env.ps.add(r.id)
	if r.rng.IntN(8) == 0 {
		r.deadline = time.Now().Add(shortDeadline)
		r.ctx, r.cancel = context.WithDeadline(context.Background(), r.deadline)
	} else {
		r.ctx, r.cancel = context.WithCancel(context.Background())
	}
	conn := r.env.conn
	switch r.rng.IntN(25) {
	case 2, 3, 4, 5, 6:
		r.filtered = true
		conn = r.env.filtered
	case 0:
		r.lossy = true
		conn = r.env.lossy
	case 1:
		r.own, r.unexport = r.env.ownProvider(r.t, "own-"+r.id)
		conn = r.own
	}
	r.conn = conn
	var err error
	if (r.m.kind == kindUnary || r.m.kind == kindServer) && r.rng.IntN(15) == 0 {
		r.badRequest(conn)
		return
	}
	switch r.m.kind {
	case kindUnary:
		r.form = formCall
		r.logf("open unary Call (deadline %v, filtered %v)", !r.deadline.IsZero(), r.filtered)
		r.pending = start("unary Call", func() outcome {
			rep, err := modelUnary.Call(r.ctx, conn, greeter.Req("q"), r.callOpts()...)
			return outcome{msg: rep.GetMessage(), err: err}
		})
	case kindServer:
		r.form = formCall
		r.logf("open server-stream Call (deadline %v, filtered %v)", !r.deadline.IsZero(), r.filtered)
		o := r.do("server-stream Call", opBudget, func() outcome {
			r.rs, err = modelServer.Call(r.ctx, conn, greeter.Req("q"), r.callOpts()...)
			return outcome{err: err}
		})
		err = o.err
	case kindClient, kindBidi:
		forms := []openForm{formOpen, formOpen, formOpenWith}
		if r.m.kind == kindClient {
			forms = append(forms, formCallWith, formStart)
		}
		r.form = forms[r.rng.IntN(len(forms))]
		if r.form == formStart {
			r.logf("open client-stream Start (deadline %v, filtered %v)", !r.deadline.IsZero(), r.filtered)
			o := r.do("Start", opBudget, func() outcome {
				r.csCall, err = modelClient.Start(r.ctx, conn, r.callOpts()...)
				if r.csCall != nil {
					r.ws = r.csCall.WriteStream
				}
				return outcome{err: err}
			})
			err = o.err
			break
		}
		if r.form == formOpen {
			r.logf("open %v Open (deadline %v, filtered %v)", r.m.kind, !r.deadline.IsZero(), r.filtered)
			o := r.do("Open", opBudget, func() outcome {
				var rw *streamx.ReadWriteStream[greeter.Reply, greeter.Request]
				if r.m.kind == kindClient {
					rw, err = modelClient.Open(r.ctx, conn, r.callOpts()...)
				} else {
					rw, err = modelBidi.Open(r.ctx, conn, r.callOpts()...)
				}
				if rw != nil {
					r.rs, r.ws = rw.ReadStream, rw.WriteStream
				}
				return outcome{err: err}
			})
			err = o.err
			break
		}
		seq := r.iterator()
		if r.form == formCallWith {
			r.pending = start("CallWith", func() outcome {
				rep, err := modelClient.CallWith(r.ctx, conn, seq, r.callOpts()...)
				return outcome{msg: rep.GetMessage(), err: err}
			})
			break
		}
		o := r.do("OpenWith", opBudget, func() outcome {
			if r.m.kind == kindClient {
				r.rs, err = modelClient.OpenWith(r.ctx, conn, seq, r.callOpts()...)
			} else {
				r.rs, err = modelBidi.OpenWith(r.ctx, conn, seq, r.callOpts()...)
			}
			return outcome{err: err}
		})
		err = o.err
	}
	if err != nil {
		if r.deadlineNow() && streamx.CodeOf(err) == streamx.CodeDeadlineExceeded {
			r.noteDeadline()
			r.m.cEnd = err
			r.exited = true // never started, or ends by itself
			return
		}
		r.failf("opening the call: %v", describeErr(err))
	}
	if r.rng.IntN(20) == 0 {
		// Cancel at once: the handler may never start, or start with its
		// context done; the driver leaves it alone (quit ends it).
		r.cCancel()
		r.exited = true
		return
	}
	select {
	case a := <-r.p.arrived:
		r.arrived = true
		// Unary calls take the reference's timeout when ctx has none.
		if want := !r.deadline.IsZero() || r.m.kind == kindUnary; a.hasDeadline != want {
			r.failf("the handler's context has a deadline: %v; want %v", a.hasDeadline, want)
		}
	case <-time.After(r.readBudget(0)):
		if !r.deadlineNow() {
			r.failf("the handler did not start within %v", r.readBudget(0))
		}
		r.exited = true // it may start later: quit makes it return at once
		r.noteDeadline()
	}
}

// badRequest calls with a nil request or one over the send limit: the call
// fails at once with invalid_argument or resource_exhausted, and no
// handler runs.
func (r *modelRun) badRequest(conn *client.Connection) {
	var req greeter.Request
	code, what := streamx.CodeInvalidArgument, "nil"
	if r.rng.IntN(2) == 0 {
		req = greeter.Req(strings.Repeat("z", 2*modelSendLimit))
		code, what = streamx.CodeResourceExhausted, "big"
	}
	call := fmt.Sprintf("%v Call with a %s request", r.m.kind, what)
	r.logf("%s", call)
	o := r.do(call, opBudget, func() outcome {
		if r.m.kind == kindUnary {
			_, err := modelUnary.Call(r.ctx, conn, req, r.callOpts()...)
			return outcome{err: err}
		}
		rs, err := modelServer.Call(r.ctx, conn, req, r.callOpts()...)
		if err != nil {
			return outcome{err: err}
		}
		// The failure may come with the first read.
		defer rs.Close()
		_, err = rs.Read()
		return outcome{err: err}
	})
	select {
	case <-r.p.arrived:
		r.failf("%s: a handler ran", call)
	default:
	}
	if !isCode(o.err, code) {
		r.failf("%s: got %v; want %v", call, o, code)
	}
	r.exited = true // no handler; quit covers one that starts anyway
	r.m.cEnd = o.err
}

// iterator returns the requests of an OpenWith or CallWith: a few
// messages, sometimes one of them nil or over the send limit, and records
// them in the model.
func (r *modelRun) iterator() iter.Seq[greeter.Request] {
	n := r.rng.IntN(5)
	bad, badAt := "", -1
	if n > 0 && r.rng.IntN(3) == 0 {
		badAt = r.rng.IntN(n)
		bad = []string{"nil", "big"}[r.rng.IntN(2)]
	}
	var msgs []greeter.Request
	var desc []string
	for i := range n {
		switch {
		case i == badAt && bad == "nil":
			msgs = append(msgs, nil)
			desc = append(desc, "nil")
		case i == badAt:
			msgs = append(msgs, greeter.Req(strings.Repeat("z", 2*modelSendLimit)))
			desc = append(desc, "big")
		default:
			name := fmt.Sprintf("c%d", r.nextC)
			r.nextC++
			msgs = append(msgs, greeter.Req(name))
			desc = append(desc, name)
			if badAt < 0 || i < badAt {
				r.m.cSent = append(r.m.cSent, name)
			}
		}
	}
	r.logf("open %v %v with iterator %q (deadline %v, filtered %v)", r.m.kind, map[openForm]string{formOpenWith: "OpenWith", formCallWith: "CallWith"}[r.form], desc, !r.deadline.IsZero(), r.filtered)
	switch bad {
	case "nil":
		r.m.consumerLocalEnd(streamx.CodeInvalidArgument, true)
	case "big":
		r.m.consumerLocalEnd(streamx.CodeResourceExhausted, true)
	default:
		r.m.cDone, r.m.cDoneOK = true, true
	}
	return func(yield func(greeter.Request) bool) {
		for _, m := range msgs {
			if !yield(m) {
				return
			}
		}
	}
}

// option is one step the driver may take now.
type option struct {
	weight int
	run    func()
}

// step takes one random step among those the state allows.
func (r *modelRun) step() {
	r.noteDeadline()
	var opts []option
	add := func(w int, f func()) { opts = append(opts, option{w, f}) }
	r.consumerOptions(add)
	r.providerOptions(add)
	if len(opts) == 0 {
		return
	}
	total := 0
	for _, o := range opts {
		total += o.weight
	}
	n := r.rng.IntN(total)
	for _, o := range opts {
		if n < o.weight {
			o.run()
			break
		}
		n -= o.weight
	}
	r.checkStreamState()
}

// checkStreamState checks what the consumer's stream reports without
// blocking: CanWriteMore, and its context once the call has ended.
func (r *modelRun) checkStreamState() {
	m := &r.m
	// (Reply's DoneWriting runs on its own goroutine until collected.)
	if r.ws != nil && (r.csCall == nil || r.pending == nil || r.collected) {
		can := r.ws.CanWriteMore()
		switch {
		case (m.cDone || m.closed || m.cEnd != nil) && can:
			r.failf("CanWriteMore is true after DoneWriting or the end")
		case !m.cDone && !m.consumerOver() && !can && !r.deadlineNow():
			r.failf("CanWriteMore is false on a live stream")
		}
	}
	if r.rs != nil && m.cEnd != nil {
		select {
		case <-r.rs.Context().Done():
		case <-time.After(endSlack):
			r.failf("the stream's context is not done %v after its end", endSlack)
		}
	}
}

func (r *modelRun) consumerOptions(add func(int, func())) {
	callLive := (r.rs != nil && r.m.cEnd == nil) || (r.pending != nil && !r.collected) || (r.csCall != nil && !r.collected)
	if callLive {
		if !r.m.consumerGone() {
			add(1, r.cCancel)
			if r.rs != nil || r.csCall != nil {
				add(1, r.cClose)
			}
			if !r.deadline.IsZero() {
				add(1, r.cWaitDeadline)
			}
		}
	}
	if callLive && r.lossy && !r.cut {
		add(4, r.cutConnection)
	}
	if r.unexport != nil && r.stopping == nil {
		add(1, r.shutdown)
	}
	if r.pending != nil && !r.collected && (r.m.returned || r.m.consumerGone()) {
		add(4, r.cCollect)
	}
	if r.csCall != nil && r.pending == nil {
		add(2, r.cReply)
		add(6, r.cWrite)
		add(1, func() { r.cWriteBad("") })
		add(1, func() { r.cWriteBad("big") })
		add(2, r.cDoneWriting)
	}
	if r.rs == nil {
		return
	}
	ready := r.m.consumerReadReady() || !r.deadline.IsZero()
	if ready {
		add(4, r.cRead)
		add(2, func() { r.cReadTimeout(longRead) })
		add(2, r.cIterate)
	}
	add(2, func() { r.cReadTimeout(shortReads[r.rng.IntN(len(shortReads))]) })
	if r.ws != nil {
		add(6, r.cWrite)
		add(1, func() { r.cWriteBad("") })
		add(1, func() { r.cWriteBad("big") })
		add(2, r.cDoneWriting)
	}
	if !ready && r.arrived && !r.exited {
		add(4, r.cBlockedRead)
	}
}

func (r *modelRun) providerOptions(add func(int, func())) {
	// Once the consumer has seen the handler's end, the status is sent.
	if r.arrived && r.exited && r.m.cEnd != nil && !r.m.consumerGone() {
		add(1, r.lateMetadata)
	}
	if !r.arrived || r.exited {
		return
	}
	k := r.m.kind
	if k.providerReads() {
		if r.m.providerReadReady() {
			add(4, func() { r.puppet(puppetCmd{op: pRead}) })
			add(1, r.pIterate)
		} else {
			add(3, r.pBlockedRead)
		}
		add(2, func() { r.puppet(puppetCmd{op: pReadTimeout, d: shortReads[r.rng.IntN(len(shortReads))]}) })
	}
	if k.providerWrites() {
		if r.rs != nil && r.conn == r.env.conn && !r.m.pDone && !r.m.consumerGone() && r.m.cEnd == nil {
			add(1, r.pFlood)
		}
		add(6, r.pWrite)
		add(1, func() { r.puppet(puppetCmd{op: pWriteNil}) })
		add(1, func() { r.puppet(puppetCmd{op: pDoneWriting}) })
	}
	if r.m.consumerGone() {
		add(2, func() { r.puppet(puppetCmd{op: pAwaitCtx}) })
	}
	add(1, func() { r.puppet(puppetCmd{op: pSetHeader, arg: r.hdrValue("h")}) })
	add(1, func() { r.puppet(puppetCmd{op: pSetTrailer, arg: r.hdrValue("t")}) })
	add(1, func() { r.puppet(r.terminal()) })
}

// finish ends the call: the handler returns if it has not, the consumer
// reads to the end, and the checks that need the whole call run.
func (r *modelRun) finish() {
	r.noteDeadline()
	if r.arrived && !r.exited {
		r.puppet(puppetCmd{op: pReturnErr, code: streamx.CodeAborted, arg: "model: the end"})
	}
	if r.csCall != nil && r.pending == nil {
		r.cReply()
	}
	if r.pending != nil && !r.collected {
		r.cCollect()
	}
	for i := 0; r.rs != nil && r.m.cEnd == nil && i < 100; i++ {
		r.cRead()
	}
	if r.rs != nil && r.m.cEnd == nil {
		r.failf("the stream has not ended after 100 reads")
	}
	r.checkMetadata()
	// A handler that starts late, or was left alone, returns at once: one
	// that ignores its context holds a graceful shutdown up (for twice its
	// timeout: see the report of issue 24's model test).
	close(r.p.quit)
	r.p = nil
	r.finishProvider()
	r.cancel()
	if r.rs != nil {
		r.rs.Close()
	}
	r.env.ps.remove(r.id)
}

// finishProvider heals a cut connection, and ends the run's own provider:
// its shutdown ends promptly once the call is over, and a call after it
// fails rather than hangs.
func (r *modelRun) finishProvider() {
	if r.cut {
		r.env.proxy.Heal()
	}
	if r.unexport == nil {
		return
	}
	if r.stopping == nil {
		r.shutdown()
	}
	r.wait(r.stopping, opBudget)
	r.logf("unary Call after the shutdown")
	o := r.do("unary Call after the shutdown", opBudget, func() outcome {
		ctx, cancel := context.WithTimeout(context.Background(), opBudget)
		defer cancel()
		_, err := modelUnary.Call(ctx, r.own, greeter.Req("late"))
		return outcome{err: err}
	})
	if !isCode(o.err, streamx.CodeUnavailable) {
		r.failf("a call after the provider's shutdown: got %v; want unavailable", o)
	}
}

// checkMetadata compares the headers and trailers the consumer got with
// those the handler set, when the consumer saw the handler's end.
func (r *modelRun) checkMetadata() {
	m := &r.m
	if m.consumerGone() || !m.returned || (r.rs == nil && !r.collected) {
		return
	}
	if r.rs != nil && m.cEnd == nil {
		return
	}
	hdr, trl := r.resH, r.resT
	if r.rs != nil {
		hdr, trl = r.rs.Header(), r.rs.Trailer()
	}
	if got := hdr.Values(modelHeaderKey); !slices.Equal(got, m.headers) {
		r.failf("response header %s = %q; the handler set %q", modelHeaderKey, got, m.headers)
	}
	if got := trl.Values(modelTrailerKey); !slices.Equal(got, m.trailers) {
		r.failf("response trailer %s = %q; the handler set %q", modelTrailerKey, got, m.trailers)
	}
}

// abandon releases what a failed run holds, checking nothing.
func (r *modelRun) abandon() {
	if r.cancel != nil {
		r.cancel()
	}
	if r.rs != nil {
		r.rs.Close()
	}
	if r.csCall != nil {
		r.csCall.Close()
	}
	if r.cut {
		r.env.proxy.Heal()
	}
	if r.unexport != nil && r.stopping == nil {
		go r.unexport()
	}
	if r.p != nil {
		close(r.p.quit)
	}
	r.env.ps.remove(r.id)
}
