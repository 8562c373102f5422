package transport

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dubbo-go-streamx/streamx/internal/filterchain"
	"github.com/dubbo-go-streamx/streamx/internal/mem"
	"github.com/dubbo-go-streamx/streamx/internal/status"
)

type (
	Control    = filterchain.Control
	Hooks      = filterchain.Hooks
	Message    = filterchain.Message
	Result     = filterchain.Result
	StreamInfo = filterchain.StreamInfo
	Chain      = filterchain.Chain
)

const (
	Consumer = filterchain.Consumer
	Provider = filterchain.Provider
)

// fakeStream is a link that replays queued receives and records sends
// and aborts; abort cancels its context, as the transport's streams do.
type fakeStream struct {
	ctx    context.Context
	cancel context.CancelCauseFunc

	mu      sync.Mutex
	recv    [][]byte // then io.EOF
	sent    [][]byte
	aborted error
}

func newFakeStream(recv ...[]byte) *fakeStream {
	ctx, cancel := context.WithCancelCause(context.Background())
	return &fakeStream{ctx: ctx, cancel: cancel, recv: recv}
}

func (f *fakeStream) Context() context.Context { return f.ctx }
func (f *fakeStream) closeSend() error         { return nil }

func (f *fakeStream) send(p []byte, buf *[]byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if buf != nil {
		p = bytes.Clone(p)
		mem.Put(buf)
	}
	f.sent = append(f.sent, p)
	return nil
}

func (f *fakeStream) receive() ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.recv) == 0 {
		return nil, io.EOF
	}
	b := f.recv[0]
	f.recv = f.recv[1:]
	return b, nil
}

func (f *fakeStream) tryReceive() ([]byte, bool, error) {
	b, err := f.receive()
	return b, true, err
}

func (f *fakeStream) abort(err error) {
	f.mu.Lock()
	if f.aborted == nil {
		f.aborted = err
	}
	f.mu.Unlock()
	f.cancel(err)
}

func (f *fakeStream) abortErr() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.aborted
}

// recorder is a filter that logs every hook it runs as "<name>.<hook>".
type recorder struct {
	name    string
	log     *eventLog
	openErr error
	sendErr error
	ctl     chan Control // receives the Control at Open, when not nil
}

type eventLog struct {
	mu  sync.Mutex
	evs []string
	res []Result
}

func (l *eventLog) add(ev string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.evs = append(l.evs, ev)
}

func (l *eventLog) events() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.evs)
}

func (r *recorder) Open(_ context.Context, _ *StreamInfo, ctl Control) (Hooks, error) {
	r.log.add(r.name + ".open")
	if r.ctl != nil {
		r.ctl <- ctl
	}
	if r.openErr != nil {
		return nil, r.openErr
	}
	return r, nil
}

func (r *recorder) OnSend(context.Context, Message) error {
	r.log.add(r.name + ".send")
	return r.sendErr
}

func (r *recorder) OnReceive(context.Context, Message) error {
	r.log.add(r.name + ".recv")
	return nil
}

func (r *recorder) OnClose(_ context.Context, res Result) {
	r.log.mu.Lock()
	r.log.res = append(r.log.res, res)
	r.log.mu.Unlock()
	r.log.add(r.name + ".close")
}

func (l *eventLog) result(i int) Result {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.res[i]
}

func chainOf(fs ...filterchain.StreamFilter) *Chain {
	c := &Chain{}
	for _, f := range fs {
		c.Add(f)
	}
	return c
}

func wantEvents(t *testing.T, l *eventLog, want ...string) {
	t.Helper()
	if got := l.events(); !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
}

// open opens chain's filters on a life over s, as a side's stream does.
func open(s *fakeStream, c *Chain, side filterchain.Side) (*life, error) {
	l := &life{link: s, side: side}
	return l, l.OpenFilters(context.Background(), c, &StreamInfo{Side: side})
}

// Without filters, nothing is opened or watched.
func TestOpenWithoutFilters(t *testing.T) {
	for _, c := range []*Chain{nil, {}} {
		l, err := open(newFakeStream(), c, Consumer)
		if err != nil || l.hooks != nil || l.stopWatch != nil {
			t.Fatalf("OpenFilters = %v; hooks %v", err, l.hooks)
		}
	}
	if (*Chain)(nil).Len() != 0 {
		t.Fatal("a nil chain has filters")
	}
}

// Sends and receives run the hooks first to last; the end of the replies
// on a consumer runs OnClose last to first, once.
func TestHookOrderAndOneClose(t *testing.T) {
	l := &eventLog{}
	s := newFakeStream([]byte("a"))
	c := chainOf(&recorder{name: "1", log: l}, &recorder{name: "2", log: l})
	fs, err := open(s, c, Consumer)
	if err != nil {
		t.Fatal(err)
	}
	if err := fs.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if b, err := fs.Read(); err != nil || string(b) != "a" {
		t.Fatalf("Receive = %q, %v", b, err)
	}
	if _, err := fs.Read(); !errors.Is(err, io.EOF) {
		t.Fatalf("Receive at the end = %v, want io.EOF", err)
	}
	fs.Abort(status.New(status.Canceled, "late")) // after the end: no second OnClose
	wantEvents(t, l, "1.open", "2.open", "1.send", "2.send", "1.recv", "2.recv", "2.close", "1.close")
	if r := l.result(0); r.Err != nil || r.Code() != status.OK {
		t.Fatalf("result %+v, want OK", r)
	}
}

// A filter that refuses the stream: the filters opened before it see
// OnClose, the stream is aborted, and the error keeps its code.
func TestOpenRejects(t *testing.T) {
	l := &eventLog{}
	s := newFakeStream()
	c := chainOf(&recorder{name: "1", log: l}, &recorder{name: "2", log: l, openErr: status.New(status.PermissionDenied, "no")})
	if _, err := open(s, c, Consumer); status.CodeOf(err) != status.PermissionDenied {
		t.Fatalf("OpenFilters error %v, want permission_denied", err)
	}
	wantEvents(t, l, "1.open", "2.open", "1.close")
	if status.CodeOf(s.abortErr()) != status.PermissionDenied {
		t.Fatalf("stream aborted with %v", s.abortErr())
	}
	if c.Add(&recorder{name: "3", log: l}) {
		t.Fatal("Add after the stream opened succeeded")
	}
}

// An OnSend error ends the stream: the message does not go, and the
// stream is aborted with the hook's error.
func TestSendHookEndsStream(t *testing.T) {
	l := &eventLog{}
	s := newFakeStream()
	c := chainOf(&recorder{name: "1", log: l, sendErr: errors.New("too big")})
	fs, err := open(s, c, Provider)
	if err != nil {
		t.Fatal(err)
	}
	if err := fs.Write([]byte("x")); status.CodeOf(err) != status.Unknown {
		t.Fatalf("Send = %v, want the hook's error as unknown", err)
	}
	if len(s.sent) != 0 {
		t.Fatal("the refused message was sent")
	}
	if s.abortErr() == nil {
		t.Fatal("the stream was not aborted")
	}
	wantEvents(t, l, "1.open", "1.send", "1.close")
}

// End from a filter while later filters are still opening takes effect
// once they have opened, and all of them see OnClose.
func TestEndWhileOpening(t *testing.T) {
	l := &eventLog{}
	s := newFakeStream()
	ctl := make(chan Control, 1)
	ender := &recorder{name: "1", log: l, ctl: ctl}
	second := filterFunc(func(ctx context.Context, info *StreamInfo, c Control) (Hooks, error) {
		(<-ctl).End(nil) // the first filter's timer fires now
		return (&recorder{name: "2", log: l}).Open(ctx, info, c)
	})
	fs, err := open(s, chainOf(ender, second), Consumer)
	if err != nil {
		t.Fatal(err)
	}
	if status.CodeOf(s.abortErr()) != status.Canceled {
		t.Fatalf("stream aborted with %v, want canceled", s.abortErr())
	}
	if fs == nil {
		t.Fatal("no stream")
	}
	wantEvents(t, l, "1.open", "2.open", "2.close", "1.close")
}

// A stream whose context ends (a cancel, a peer gone) runs OnClose with
// the cause, without anyone reading it.
func TestContextEndRunsClose(t *testing.T) {
	l := &eventLog{}
	s := newFakeStream()
	if _, err := open(s, chainOf(&recorder{name: "1", log: l}), Consumer); err != nil {
		t.Fatal(err)
	}
	s.cancel(status.New(status.Unavailable, "peer gone"))
	deadline := time.Now().Add(5 * time.Second)
	for len(l.events()) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("OnClose did not run: %v", l.events())
		}
		time.Sleep(time.Millisecond)
	}
	wantEvents(t, l, "1.open", "1.close")
	if r := l.result(0); r.Code() != status.Unavailable {
		t.Fatalf("result %v, want unavailable", r.Code())
	}
}

type filterFunc func(ctx context.Context, info *StreamInfo, ctl Control) (Hooks, error)

func (f filterFunc) Open(ctx context.Context, info *StreamInfo, ctl Control) (Hooks, error) {
	return f(ctx, info, ctl)
}
