package h2

import (
	"errors"
	"io"
	"sync"
)

// ErrWaitEnded is what Body.Read returns when the watch it was given
// ended while it waited: the caller ends the stream (which fails the
// body) and reads again.
var ErrWaitEnded = errors.New("h2: the read's watch ended")

// Body is a stream's receive side: the data the peer sent that nobody has
// read yet, and how the peer's side ended. The connection's reader puts
// data in; any goroutine may end it (End, Fail, Release); one goroutine
// at a time reads (Read), which is the one blocking read of both sides.
// Its own lock guards it, never held across a call out.
type Body struct {
	mu     sync.Mutex
	buf    RecvBuf
	ended  bool          // the peer ended its side (END_STREAM)
	err    error         // why reads fail; sticky
	credit int64         // bytes read, not yet granted back on the stream
	window int64         // the stream's receive window, for the grant rule
	hides  bool          // a failure hides what is unread (see Init)
	cond   sync.Cond     // on mu: a read waits here, unless it has a watch
	wake   chan struct{} // made by the first read with a watch that waits
	lent   *[]byte       // on mu: the chunk ReadLent's last bytes lie in
}

// Init sets the stream's receive window (the base of the grant rule) and
// what a failure does: with hides (a provider's request, whose handler's
// call is over), it ends the body at once, even after END_STREAM;
// without (a consumer's response), it comes after the data already
// received, and a body the peer completed stays readable. Call it before
// the stream is shared.
func (b *Body) Init(window int64, hides bool) {
	b.window, b.hides = window, hides
	b.cond.L = &b.mu
}

// Put buffers data received, unless the body has ended or failed, and
// reports whether it did (the data is then not the reader's to give
// back).
func (b *Body) Put(data []byte) bool {
	b.mu.Lock()
	if b.ended || b.err != nil {
		b.mu.Unlock()
		return false
	}
	b.buf.Append(data)
	b.signal()
	b.mu.Unlock()
	return true
}

// PutChunk is Put for data received in a chunk from the pool (see
// DataChunk), which it takes over whatever it reports: the body keeps it,
// or recycles it.
func (b *Body) PutChunk(c *[]byte) bool {
	b.mu.Lock()
	if b.ended || b.err != nil {
		b.mu.Unlock()
		recycleChunk(c)
		return false
	}
	b.buf.AppendChunk(c)
	b.signal()
	b.mu.Unlock()
	return true
}

// End records the peer's END_STREAM.
func (b *Body) End() {
	b.mu.Lock()
	b.ended = true
	b.signal()
	b.mu.Unlock()
}

// Ended reports whether the peer ended its side.
func (b *Body) Ended() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.ended
}

// Fail fails reads with err from now on (see Init for what is still read
// before it), unless they fail already.
func (b *Body) Fail(err error) {
	b.mu.Lock()
	if b.err == nil && (b.hides || !b.ended) {
		b.err = err
	}
	b.signal()
	b.mu.Unlock()
}

// Err returns why reads fail, or nil.
func (b *Body) Err() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

// Release drops what is buffered and fails later reads with err (unless
// they fail already); it returns how many bytes it dropped, for the
// caller to give back to the connection.
func (b *Body) Release(err error) int64 {
	b.mu.Lock()
	n := b.buf.Release()
	if b.err == nil {
		b.err = err
	}
	b.signal()
	b.mu.Unlock()
	return int64(n)
}

// Used takes back n bytes the stream is done with (padding) and returns
// what is due to the peer's stream window now (see due).
func (b *Body) Used(n int64) int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.usedLocked(n)
}

func (b *Body) usedLocked(n int64) int64 {
	b.credit += n
	if b.ended || b.err != nil {
		return 0 // the peer sends no more: nothing to grant
	}
	return due(&b.credit, b.window)
}

// due is the rule for giving a receive window back: once what was taken
// back (credit) adds up to a quarter of the window, all of it, and credit
// starts again.
func due(credit *int64, window int64) int64 {
	if *credit < window/4 {
		return 0
	}
	g := *credit
	*credit = 0
	return g
}

// Read copies buffered data into p, blocking until there is some, the
// end (io.EOF) or a failure; while it waits, watch (if not nil) ending
// makes it return ErrWaitEnded. It also returns what is due to the peer's
// stream window for the bytes read (see due); Conn.ReadBody gives it.
func (b *Body) Read(p []byte, watch interface{ Done() <-chan struct{} }) (n int, grant int64, err error) {
	if len(p) == 0 {
		return 0, 0, nil
	}
	b.mu.Lock()
	for b.buf.Empty() && !b.ended && b.err == nil {
		if watch == nil {
			b.cond.Wait() // no channel to make
			continue
		}
		if b.wake == nil {
			b.wake = make(chan struct{}, 1)
		}
		wake := b.wake
		b.mu.Unlock()
		select {
		case <-wake:
		case <-watch.Done():
			return 0, 0, ErrWaitEnded
		}
		b.mu.Lock()
	}
	if !b.buf.Empty() && (b.err == nil || !b.hides) {
		n := b.buf.Take(p)
		grant := b.usedLocked(int64(n))
		b.mu.Unlock()
		return n, grant, nil
	}
	err = b.err
	b.mu.Unlock()
	if err != nil {
		return 0, 0, err
	}
	return 0, 0, io.EOF
}

// ReadLent is Read without the copy: it returns the unread bytes of the
// first buffered chunk where they lie. They are lent: the next ReadLent
// takes the chunk back (Release never does), so the caller reads them
// before it calls ReadLent again, and copies what it keeps.
func (b *Body) ReadLent(watch interface{ Done() <-chan struct{} }) (data []byte, grant int64, err error) {
	b.mu.Lock()
	if b.lent != nil {
		recycleChunk(b.lent)
		b.lent = nil
	}
	for b.buf.Empty() && !b.ended && b.err == nil {
		if watch == nil {
			b.cond.Wait()
			continue
		}
		if b.wake == nil {
			b.wake = make(chan struct{}, 1)
		}
		wake := b.wake
		b.mu.Unlock()
		select {
		case <-wake:
		case <-watch.Done():
			return nil, 0, ErrWaitEnded
		}
		b.mu.Lock()
	}
	if !b.buf.Empty() && (b.err == nil || !b.hides) {
		data, b.lent = b.buf.TakeChunk()
		grant := b.usedLocked(int64(len(data)))
		b.mu.Unlock()
		return data, grant, nil
	}
	err = b.err
	b.mu.Unlock()
	if err != nil {
		return nil, 0, err
	}
	return nil, 0, io.EOF
}

// ReturnLent takes back the chunk the last ReadLent lent now, for a
// reader done with its bytes that will not read again soon: an idle
// stream then keeps no chunk.
func (b *Body) ReturnLent() {
	b.mu.Lock()
	if b.lent != nil {
		recycleChunk(b.lent)
		b.lent = nil
	}
	b.mu.Unlock()
}

// signal wakes a read waiting; mu is held. Only a read with a watch
// needs a channel, made when it first waits (a unary caller usually finds
// its reply there already, and spares the channel).
func (b *Body) signal() {
	b.cond.Broadcast()
	select {
	case b.wake <- struct{}{}:
	default:
	}
}
