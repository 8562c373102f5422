package h2

import (
	"io"
	"runtime"
	"slices"
	"sync"

	"golang.org/x/net/http2"
)

// Writer serialises frame writes for a connection and batches them into
// few system calls. Frames are appended to a buffer under a short lock; the
// writer that asks for a flush when none is in flight writes the buffer to
// the connection outside the lock, so that other writers keep appending
// meanwhile, and their frames go out in its next round instead of a system
// call each. Nobody waits for a flush they did not run, unless the buffer
// is over writerLimit (backpressure) or they call Flush.
type Writer struct {
	dst io.Writer
	// OnError, if set, is called once with the connection's first write
	// failure when no caller of Write is there to report it to (a flush
	// handed to a goroutine of its own). Set it before the first Write.
	OnError func(error)

	mu       sync.Mutex
	buf      []byte    // on mu: frames not yet handed to dst
	spare    []byte    // on mu: the other buffer, when not in flight
	flushing bool      // on mu: a round is being written to dst
	err      error     // on mu: dst's failure; sticky
	drained  sync.Cond // on mu: a round ended
	rounds   uint64    // on mu: rounds written, for Progress
}

// MaxWrite is the most DATA a stream should put in one Write, so that a
// connection's buffer stays bounded however large the windows (and big
// batches still leave in few system calls).
const MaxWrite = 256 << 10

const (
	// writerLimit is how much a Writer buffers while a flush is in flight
	// before writers wait for it.
	writerLimit = 64 << 10
	// keepCap is the largest buffer kept between flushes: one MaxWrite of
	// DATA with its frame headers fits, so that a stream sending large
	// messages reuses the buffer instead of allocating one per round.
	keepCap = MaxWrite + MaxWrite/16
	// ownRounds is how many rounds a flushing caller writes before handing
	// the rest to a goroutine, so that no caller writes for others forever.
	ownRounds = 2
	// minBatch is the batch size under which a flushing writer yields once
	// before writing.
	minBatch = 16 << 10
)

// NewWriter returns a Writer over dst (the connection).
func NewWriter(dst io.Writer) *Writer {
	w := &Writer{dst: dst}
	w.drained.L = &w.mu
	return w
}

// Sink is the io.Writer a framer writes frames to: it appends to the
// buffer, so it may only be used inside the fn of Write.
func (w *Writer) Sink() io.Writer { return sink{w} }

type sink struct{ w *Writer }

func (s sink) Write(p []byte) (int, error) {
	s.w.buf = append(s.w.buf, p...)
	return len(p), nil
}

// appendData appends DATA frames carrying the first n bytes of the
// pieces *p, of at most frame bytes each, to the buffer, and drops them
// from *p: frame headers and payload go straight in, one copy of the
// payload (through the framer it was copied twice), and a frame may span
// pieces (a message's prefix and its bytes). Call it only inside the fn
// of Write.
func (w *Writer) appendData(id uint32, p *[][]byte, n, frame int) {
	w.buf = slices.Grow(w.buf, n+(n+frame-1)/frame*frameHeaderLen)
	for n > 0 {
		k := min(n, frame)
		n -= k
		w.buf = append(w.buf, byte(k>>16), byte(k>>8), byte(k), byte(http2.FrameData), 0,
			byte(id>>24)&0x7f, byte(id>>16), byte(id>>8), byte(id))
		for k > 0 {
			q := (*p)[0]
			m := min(k, len(q))
			w.buf = append(w.buf, q[:m]...)
			k -= m
			if m == len(q) {
				*p = (*p)[1:]
			} else {
				(*p)[0] = q[m:]
			}
		}
	}
}

// frameHeaderLen is an HTTP/2 frame header's size (RFC 9113 4.1).
const frameHeaderLen = 9

// Write runs fn with the connection's writer to itself (fn writes through
// Sink). With flush, the buffer goes out now: by this caller, or in the
// round of the flush already in flight; without, fn's frames wait for the
// next flush. It returns fn's error, else the connection's write failure.
func (w *Writer) Write(fn func() error, flush bool) error {
	w.mu.Lock()
	for w.flushing && len(w.buf) >= writerLimit {
		w.drained.Wait()
	}
	if w.err != nil {
		err := w.err
		w.mu.Unlock()
		return err
	}
	err := fn()
	if w.flushing || (!flush && len(w.buf) < writerLimit) {
		w.mu.Unlock()
		return err
	}
	ferr := w.flushLocked(ownRounds)
	w.mu.Unlock()
	if err == nil {
		err = ferr
	}
	return err
}

// Flush returns once everything written before it is on the connection
// (or the connection failed).
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.flushing {
		w.drained.Wait()
	}
	return w.flushLocked(0)
}

// Shut writes what is buffered, waiting for a flush in flight first, and
// then refuses every later Write and Flush with err, so that nothing more
// reaches dst: dst's write side may be closed next. It returns the final
// flush's failure.
func (w *Writer) Shut(err error) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.flushing {
		w.drained.Wait()
	}
	ferr := w.flushLocked(0)
	if w.err == nil {
		w.err = err
	}
	return ferr
}

// flushLocked writes the buffer to dst in rounds, unlocking mu during each,
// until it is empty; after rounds rounds (0: no limit) a goroutine takes
// over. Called and returns with mu held and no round in flight.
func (w *Writer) flushLocked(rounds int) error {
	w.flushing = true
	if rounds > 0 && len(w.buf) < minBatch {
		// A small batch: let the goroutines ready to run (other handlers,
		// other callers) add their frames first, so that they go out in
		// this write instead of one each (as grpc-go's writer does).
		w.mu.Unlock()
		runtime.Gosched()
		w.mu.Lock()
	}
	for i := 0; len(w.buf) > 0 && w.err == nil; i++ {
		if rounds > 0 && i == rounds {
			go w.finish()
			return nil
		}
		w.round()
	}
	w.flushing = false
	w.drained.Broadcast()
	return w.err
}

// round writes the buffer to dst with mu unlocked.
func (w *Writer) round() {
	b := w.buf
	w.buf, w.spare = w.spare[:0], nil
	w.mu.Unlock()
	_, err := w.dst.Write(b)
	w.mu.Lock()
	if cap(b) <= keepCap {
		w.spare = b[:0]
	}
	if err != nil && w.err == nil {
		w.err = err
	}
	w.rounds++
	w.drained.Broadcast()
}

// Progress reports whether a write to dst is in flight and how many have
// ended so far: a write in flight across two calls with the same count
// is a peer that has not read in between.
func (w *Writer) Progress() (writing bool, rounds uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.flushing, w.rounds
}

// finish writes the rounds a flushing caller handed over.
func (w *Writer) finish() {
	w.mu.Lock()
	for len(w.buf) > 0 && w.err == nil {
		w.round()
	}
	err := w.err
	w.flushing = false
	w.drained.Broadcast()
	w.mu.Unlock()
	if err != nil && w.OnError != nil {
		w.OnError(err)
	}
}
