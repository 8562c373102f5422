// Package h2sched is an HTTP/2 server write scheduler whose cost does not
// grow with the number of open streams.
//
// x/net's schedulers (round-robin and RFC 9218) keep every open stream in
// one ring and scan it on every frame written, so a server holding 10,000
// idle streams scans 10,000 queues per frame. This one keeps only the
// streams that have frames waiting in its ring.
package h2sched

import (
	"reflect"
	"unsafe"

	"golang.org/x/net/http2"
)

// streamOffset is where FrameWriteRequest keeps its stream pointer, which
// is nil for connection frames and for RST_STREAM (which x/net sends ahead
// of any queued data); -1 if this x/net lays it out differently.
var streamOffset = func() uintptr {
	f, ok := reflect.TypeOf(http2.FrameWriteRequest{}).FieldByName("stream")
	if !ok || f.Type.Kind() != reflect.Pointer {
		return ^uintptr(0)
	}
	return f.Offset
}()

// Available reports whether New can tell control frames apart with the
// linked x/net; if not, callers keep x/net's default scheduler.
func Available() bool { return streamOffset != ^uintptr(0) }

// isControl reports whether wr goes ahead of stream frames: it belongs to
// no open stream's queue.
func isControl(wr *http2.FrameWriteRequest) bool {
	if wr.StreamID() == 0 {
		return true
	}
	return *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(wr), streamOffset)) == nil
}

// queue is one open stream's frames, and its place in the ring of streams
// with frames waiting.
type queue struct {
	frames     []http2.FrameWriteRequest
	prev, next *queue
	inRing     bool
}

// Scheduler writes connection and reset frames first, then one frame per
// stream with frames waiting, round-robin. It is used by one connection's
// serve goroutine only, as x/net requires.
type Scheduler struct {
	control []http2.FrameWriteRequest
	streams map[uint32]*queue
	head    *queue // next stream to serve; nil when no stream has frames
}

// New returns a Scheduler, for http2.Server.NewWriteScheduler.
func New() http2.WriteScheduler {
	return &Scheduler{streams: map[uint32]*queue{}}
}

// OpenStream implements http2.WriteScheduler.
func (s *Scheduler) OpenStream(id uint32, _ http2.OpenStreamOptions) {
	if s.streams[id] == nil {
		s.streams[id] = &queue{}
	}
}

// CloseStream implements http2.WriteScheduler: the stream's frames are
// dropped.
func (s *Scheduler) CloseStream(id uint32) {
	q := s.streams[id]
	if q == nil {
		return
	}
	s.unlink(q)
	delete(s.streams, id)
}

// AdjustStream implements http2.WriteScheduler; priorities are ignored,
// as gRPC peers do not send them.
func (s *Scheduler) AdjustStream(uint32, http2.PriorityParam) {}

// Push implements http2.WriteScheduler.
func (s *Scheduler) Push(wr http2.FrameWriteRequest) {
	q := s.streams[wr.StreamID()]
	if q == nil || isControl(&wr) {
		// Connection frames, resets, and frames of streams already closed
		// (never data: x/net does not queue data on a closed stream).
		s.control = append(s.control, wr)
		return
	}
	q.frames = append(q.frames, wr)
	if !q.inRing {
		s.link(q)
	}
}

// Pop implements http2.WriteScheduler. A stream whose first frame is data
// it may not send yet (flow control) is passed over, not waited for.
func (s *Scheduler) Pop() (http2.FrameWriteRequest, bool) {
	if len(s.control) > 0 {
		wr := s.control[0]
		s.control[0] = http2.FrameWriteRequest{}
		s.control = s.control[1:]
		if len(s.control) == 0 {
			s.control = nil
		}
		return wr, true
	}
	start := s.head
	for q := start; q != nil; {
		wr, rest, n := q.frames[0].Consume(1 << 30)
		switch n {
		case 0: // blocked by flow control: try the next stream
			q = q.next
			if q == start {
				return http2.FrameWriteRequest{}, false
			}
			continue
		case 1:
			q.frames[0] = http2.FrameWriteRequest{}
			q.frames = q.frames[1:]
		case 2:
			q.frames[0] = rest
		}
		s.head = q.next
		if len(q.frames) == 0 {
			q.frames = nil
			s.unlink(q)
		}
		return wr, true
	}
	return http2.FrameWriteRequest{}, false
}

// link puts q at the end of the ring (just before head).
func (s *Scheduler) link(q *queue) {
	q.inRing = true
	if s.head == nil {
		q.prev, q.next = q, q
		s.head = q
		return
	}
	q.prev, q.next = s.head.prev, s.head
	q.prev.next = q
	q.next.prev = q
}

func (s *Scheduler) unlink(q *queue) {
	if !q.inRing {
		return
	}
	q.inRing = false
	if q.next == q {
		s.head = nil
	} else {
		q.prev.next = q.next
		q.next.prev = q.prev
		if s.head == q {
			s.head = q.next
		}
	}
	q.prev, q.next = nil, nil
}
