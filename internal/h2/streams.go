package h2

import (
	"context"
	"io"

	"golang.org/x/net/http2"
)

// The stream table, stream slots and each stream's send state: the
// engine's, behind its lock; the sides call these methods.

// Err returns why the connection died, or nil while it lives.
func (c *Conn[S]) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Usable reports whether new streams may start: the connection lives and
// is not going away.
func (c *Conn[S]) Usable() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err == nil && !c.goingAway
}

// StopNewStreams stops new streams: a provider sending GOAWAY, a consumer
// closing its transport. first tells that they had not been stopped yet
// (nor the connection died); idle that no stream is open.
func (c *Conn[S]) StopNewStreams() (first, idle bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	first = !c.goingAway && c.err == nil
	c.goingAway = true
	return first, len(c.streams) == 0
}

// TakeSlot takes a slot for a stream the peer opens, if the connection
// takes new streams and fewer than Lim.MaxConcurrentStreams slots are
// taken (a provider's handlers), and reports whether it did. ReleaseSlot
// gives it back.
func (c *Conn[S]) TakeSlot() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil || c.goingAway || c.slots >= c.lim.MaxConcurrentStreams {
		return false
	}
	c.slots++
	return true
}

// ReleaseSlot gives back a slot TakeSlot took.
func (c *Conn[S]) ReleaseSlot() {
	c.mu.Lock()
	c.slots--
	c.mu.Unlock()
}

// WaitSlot blocks until a slot for a stream we open is free (fewer
// streams than the peer's SETTINGS_MAX_CONCURRENT_STREAMS are open or
// being opened) and takes it; Open then uses it, and Remove gives it
// back. It returns ctx's cause when ctx ends first, and ok false when
// the connection dies or goes away first. arm, called only if it must
// wait, arranges for wake to run when the wait must end (ctx or the
// caller's own watch ending) and returns how to undo that.
func (c *Conn[S]) WaitSlot(ctx context.Context, arm func(wake func()) (stop func())) (ok bool, err error) {
	var stop func()
	c.mu.Lock()
	for c.err == nil && !c.goingAway && c.slots >= c.peer.MaxStreams && ctx.Err() == nil {
		if stop == nil {
			c.mu.Unlock()
			stop = arm(c.wake)
			c.mu.Lock()
			continue // checked again under mu: no wake is missed
		}
		c.cond.Wait()
	}
	err = ctx.Err()
	ok = c.err == nil && !c.goingAway
	if err == nil && ok {
		c.slots++ // ours from now on, until Remove
	}
	c.mu.Unlock()
	if stop != nil {
		stop()
	}
	if err != nil {
		return false, context.Cause(ctx)
	}
	return ok, nil
}

// wake wakes every wait on the connection, to check again.
func (c *Conn[S]) wake() {
	c.mu.Lock()
	c.cond.Broadcast()
	c.mu.Unlock()
}

// initStream sets up a new stream's windows and body; mu is held.
func (c *Conn[S]) initStream(st *Stream, id uint32) {
	st.id = id
	st.sendWindow = int64(c.peer.InitialWindow)
	st.recvWindow = int64(c.lim.StreamWindow)
	st.live = true
	st.body.Init(int64(c.lim.StreamWindow), c.server)
}

// Accept puts s, a stream the peer opened with the HEADERS frame being
// handled (on the reader's goroutine), in the stream table; remoteEnded
// tells that the frame ended the peer's side. It reports false, and does
// nothing, when the connection has died.
func (c *Conn[S]) Accept(s S, id uint32, remoteEnded bool) bool {
	st := s.Core()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return false
	}
	c.initStream(st, id)
	st.remoteEnded = remoteEnded
	if remoteEnded {
		st.body.End()
	}
	c.streams[id] = s
	return true
}

// Open puts s, a stream we open with a slot from WaitSlot, in the stream
// table under the next stream id; call it inside Write, which sends its
// HEADERS, so that ids reach the wire in order. With fixed >= 0, a whole
// request body of fixed bytes is to follow: when the windows and the
// peer's frame size take it at once (fits), the window is taken and the
// stream's sending side counts as ended (the caller sends it with
// END_STREAM). ok false means that the connection died or is going away:
// nothing was done, and the slot is given back.
func (c *Conn[S]) Open(s S, fixed int) (id uint32, fits, ok bool) {
	st := s.Core()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil || c.goingAway {
		c.slots--
		return 0, false, false
	}
	id = c.nextID
	c.nextID += 2
	c.initStream(st, id)
	if fixed >= 0 {
		n := int64(fixed)
		if fits = n <= c.sendWindow && n <= st.sendWindow && n <= int64(c.peer.MaxFrame); fits {
			c.sendWindow -= n
			st.sendWindow -= n
			st.localEnded = true
		}
	}
	c.streams[id] = s
	return id, fits, true
}

// Remove takes s out of the stream table, if it is there, giving back
// the slot of a stream we opened; waits on the connection see it.
// last tells that the connection is going away and has no stream left:
// the caller closes it.
func (c *Conn[S]) Remove(s S) (last bool) {
	st := s.Core()
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.streams[st.id]; ok && v == s {
		c.removeLocked(st)
	}
	c.cond.Broadcast()
	return c.goingAway && len(c.streams) == 0
}

// removeLocked takes st out of the table; mu is held.
func (c *Conn[S]) removeLocked(st *Stream) {
	delete(c.streams, st.id)
	st.live = false
	if !c.server {
		c.slots--
	}
}

// onGoAway handles the peer's GOAWAY: a consumer opens no more streams
// on the connection, and the ones the provider did not take are cut.
func (c *Conn[S]) onGoAway(f *http2.GoAwayFrame) {
	var cut []S
	idle := false
	if !c.server {
		c.mu.Lock()
		c.goingAway = true
		for id, s := range c.streams {
			if id > f.LastStreamID {
				cut = append(cut, s)
				c.removeLocked(s.Core())
			}
		}
		idle = len(c.streams) == 0
		c.cond.Broadcast()
		c.mu.Unlock()
	}
	c.side.GoAway(f, cut, idle)
}

// Live reports whether st is in the stream table.
func (c *Conn[S]) Live(st *Stream) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return st.live
}

// FailSend makes st's sends fail with err from now on (unless they fail
// already), waking a send waiting for window.
func (c *Conn[S]) FailSend(st *Stream, err error) {
	c.mu.Lock()
	if st.sendErr == nil {
		st.sendErr = err
	}
	c.cond.Broadcast()
	c.mu.Unlock()
}

// SendErr returns why st can no longer send, or nil: the connection died;
// FailSend's error; io.ErrClosedPipe once its sending side has ended;
// once it is out of the stream table, why its body failed, or
// io.ErrClosedPipe.
func (c *Conn[S]) SendErr(st *Stream) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sendErrLocked(st, nil)
}

func (c *Conn[S]) sendErrLocked(st *Stream, check func() error) error {
	if c.err != nil {
		return c.err
	}
	if check != nil {
		if err := check(); err != nil {
			return err
		}
	}
	if st.sendErr != nil {
		return st.sendErr
	}
	if st.localEnded {
		return io.ErrClosedPipe
	}
	if !st.live {
		if err := st.body.Err(); err != nil {
			return err
		}
		return io.ErrClosedPipe // the peer ended the stream
	}
	return nil
}

// EndSend marks st's sending side ended, for the caller to send
// END_STREAM, unless it cannot send (SendErr, with check as in Reserve),
// which it returns.
func (c *Conn[S]) EndSend(st *Stream, check func() error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.sendErrLocked(st, check); err != nil {
		return err
	}
	st.localEnded = true
	return nil
}

// SendEnded reports whether st's sending side has ended.
func (c *Conn[S]) SendEnded(st *Stream) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return st.localEnded
}
