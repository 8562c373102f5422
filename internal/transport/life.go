package transport

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"

	"github.com/dubbo-go-streamx/streamx/internal/filterchain"
	"github.com/dubbo-go-streamx/streamx/internal/status"
)

// life is the one owner of a call's life, on either side: it decides
// whether the call is still open, half-closed or over and why, and every
// read, write, DoneWriting, cancel and stream filter goes through it.
// ClientStream and ServerStream embed it and give it their link to the
// peer; the typed streams of package streamx sit on it (see Stream).
//
// Reads (Read, ReadTimeout) must come from one goroutine at a time;
// writes may come from any, and are sent in the order they get the lock;
// CloseRead, Abort and End may come from any goroutine at any time.
type life struct {
	link link
	side filterchain.Side

	// The read side. A timed read takes a message that has fully arrived
	// without blocking or any hand-off, so it costs what a plain read
	// costs. Only when none has, it starts one receive on a goroutine and
	// waits for it up to its timeout; a read that times out leaves that
	// receive pending, and the next read collects its result. At most one
	// receive is ever pending, so nothing is read ahead beyond the
	// transport's own buffer, and HTTP/2 flow control slows a fast peer
	// down as usual.
	pending bool        // a receive runs on another goroutine
	results chan result // its result; capacity 1, so it never blocks
	stopMu  sync.Mutex
	stop    chan struct{}         // on stopMu: made by the first wait that needs it, closed by CloseRead
	closed  bool                  // on stopMu
	final   atomic.Pointer[error] // io.EOF, or why the reads ended

	// Why the call was ended at once (Abort, a filter's End or refusal),
	// first cause first; the links consult it (a provider's reads and
	// writes fail with it, and its status is the one sent).
	aborted atomic.Pointer[status.Error]

	// The write side.
	writeMu sync.Mutex
	done    atomic.Bool           // DoneWriting was called
	dead    atomic.Pointer[error] // why writes fail from now on

	// The stream filters of the call: hooks are set while OpenFilters
	// runs, read-only after.
	fctx      context.Context
	hooks     []filterchain.Hooks
	filterMu  sync.Mutex
	opening   bool        // on filterMu: OpenFilters is still opening filters
	endLater  error       // on filterMu: an End that came while opening
	stopWatch func() bool // on filterMu: stops the context watch that runs closeFilters
	closeOnce sync.Once
}

//go:generate go run github.com/golang/mock/mockgen@v1.6.0 -source=life.go -destination=link_mock_test.go -package=transport

// link is a side's connection to its peer for one call: the raw
// operations life builds on. Each is called by life only.
type link interface {
	// Context is done when the call ends or is cancelled.
	Context() context.Context
	// receive returns the next message (lent until the next receive),
	// io.EOF at a clean end, or a *status.Error. One goroutine at a time.
	receive() ([]byte, error)
	// tryReceive is receive without blocking: ok reports whether b and
	// err are receive's result.
	tryReceive() (b []byte, ok bool, err error)
	// send queues one message. It blocks while flow control holds the
	// queue back. buf, if not nil, is payload's pooled buffer (mem), which
	// send owns from the call on, whatever it returns; with nil the caller
	// keeps payload.
	send(payload []byte, buf *[]byte) error
	// closeSend ends the sending side once what send queued has gone.
	closeSend() error
	// abort ends the call at once with err; pending operations return.
	abort(err error)
}

type result struct {
	b   []byte
	err error
}

// Errors of the read and write sides, as dubbo-python raises them.
var (
	// ErrReadTimeout is returned by a timed read whose time ran out. The
	// stream stays open and no message is lost: a later read returns the
	// next one.
	ErrReadTimeout = errors.New("streamx: read timed out (the stream is still open)")
	// ErrWriteAfterDone is returned by a write after DoneWriting.
	ErrWriteAfterDone = errors.New("streamx: write after DoneWriting")
	// ErrDoneTwice is returned by a second DoneWriting.
	ErrDoneTwice = errors.New("streamx: DoneWriting called twice")
)

var (
	// errClosed is what reads return after CloseRead.
	errClosed = status.New(status.Canceled, "stream closed by its reader")
	// errEnded is what writes return once the stream has ended cleanly.
	errEnded = status.New(status.FailedPrecondition, "write on a stream that has already ended")
)

// Abort ends the call at once with err (the consumer cancels the HTTP/2
// stream; the provider ends the call with err's status) and runs the
// filters' OnClose. Pending reads and writes return.
func (l *life) Abort(err error) {
	l.abortLink(err)
	l.closeFilters(status.From(err))
}

// abortLink records why the call ends at once and ends it on the link.
func (l *life) abortLink(err error) {
	se, ok := status.As(err)
	if !ok {
		se = status.New(status.Canceled, "stream aborted")
	}
	l.aborted.CompareAndSwap(nil, se)
	l.link.abort(err)
}

// setFinal records why the reads ended, once, and returns what was
// recorded first.
func (l *life) setFinal(err error) error {
	if !errors.Is(err, io.EOF) {
		err = status.From(err)
	}
	if l.final.CompareAndSwap(nil, &err) {
		return err
	}
	return *l.final.Load()
}
