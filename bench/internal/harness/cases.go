package harness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
)

// Options are a client run's parameters.
type Options struct {
	Duration time.Duration // the measurement window of throughput cases
	Streams  int           // idle streams to open
	Hold     time.Duration // idle10k: how long to keep the streams open after measuring (for a heap profile)
	// TimedRead makes the s2c cases read with RecvTimeout (parity).
	TimedRead bool
	// CPUProfile, if set, is where the window's CPU profile goes.
	CPUProfile string
}

// A caseFunc runs one case on c and fills in r. It opens the measurement
// window with w.begin and closes it with w.end.
type caseFunc func(ctx context.Context, c Client, o Options, w *window, r *Result) error

// Cases are the client cases by name. parity is s2c16 read with
// RecvTimeout; idle10k opens Options.Streams streams.
var Cases = map[string]caseFunc{
	"pp16":    pingPong,
	"c2s16":   clientToServer(16),
	"c2s4k":   clientToServer(4 << 10),
	"c2s64k":  clientToServer(64 << 10),
	"c2s1m":   clientToServer(1 << 20),
	"s2c16":   serverToClient(16),
	"s2c4k":   serverToClient(4 << 10),
	"s2c64k":  serverToClient(64 << 10),
	"s2c1m":   serverToClient(1 << 20),
	"pipe16":  pipe,
	"u1":      unary(1),
	"u32":     unary(32),
	"idle10k": idle,
	"parity":  parity,
}

// CaseNames lists the cases in report order.
var CaseNames = []string{"pp16", "c2s16", "c2s4k", "c2s64k", "c2s1m", "s2c16", "s2c4k", "s2c64k", "s2c1m", "pipe16", "u1", "u32", "idle10k", "parity"}

func payload(n int) string { return strings.Repeat("x", n) }

// window is a measurement window: wall time and the client's CPU time.
type window struct {
	profile string // CPU profile file, if any
	start   time.Time
	cpu     time.Duration
	stop    atomic.Bool // set when the window's duration has passed
	timer   *time.Timer
}

// begin opens the window and tells benchrun; stop becomes true after d.
func (w *window) begin(d time.Duration) {
	fmt.Println(StartMarker)
	startProfile(w.profile)
	w.cpu = cpuTime()
	w.start = time.Now()
	w.timer = time.AfterFunc(d, func() { w.stop.Store(true) })
}

func (w *window) end(r *Result) {
	r.Seconds = time.Since(w.start).Seconds()
	r.ClientCPUSeconds = (cpuTime() - w.cpu).Seconds()
	w.timer.Stop()
	stopProfile()
}

func pingPong(ctx context.Context, c Client, o Options, w *window, r *Result) error {
	s, err := c.Open(ctx, MethodEcho)
	if err != nil {
		return err
	}
	req := &pb.GreeterRequest{Name: payload(16)}
	times := make([]time.Duration, 0, 1<<16)
	w.begin(o.Duration)
	for !w.stop.Load() {
		t0 := time.Now()
		if err := s.Send(req); err != nil {
			return err
		}
		if _, err := s.Recv(); err != nil {
			return err
		}
		times = append(times, time.Since(t0))
		r.Messages++
	}
	w.end(r)
	r.Bytes = r.Messages * 16
	r.Latency = latencyOf(times)
	return nil
}

// clientToServer sends as fast as the stream takes them for the duration,
// then half-closes and waits for the sink's count: the window includes
// draining what is in flight.
func clientToServer(size int) caseFunc {
	return func(ctx context.Context, c Client, o Options, w *window, r *Result) error {
		s, err := c.Open(ctx, MethodSink)
		if err != nil {
			return err
		}
		req := &pb.GreeterRequest{Name: payload(size)}
		w.begin(o.Duration)
		for !w.stop.Load() {
			if err := s.Send(req); err != nil {
				return err
			}
			r.Messages++
		}
		if err := s.CloseSend(); err != nil {
			return err
		}
		reply, err := s.Recv()
		if err != nil {
			return fmt.Errorf("sink count: %w", err)
		}
		w.end(r)
		if got := reply.Message; got != strconv.FormatInt(r.Messages, 10) {
			return fmt.Errorf("sent %d messages, the server counted %s", r.Messages, got)
		}
		r.Bytes = r.Messages * int64(size)
		return nil
	}
}

// serverToClient asks the source for messages of size and counts what
// arrives during the window.
func serverToClient(size int) caseFunc {
	return func(ctx context.Context, c Client, o Options, w *window, r *Result) error {
		s, err := c.Open(ctx, MethodSource)
		if err != nil {
			return err
		}
		recv := s.Recv
		if o.TimedRead {
			ts, ok := s.(TimedStream)
			if !ok {
				return errNA("no timed read in this framework")
			}
			// Long enough never to expire: this measures the cost of the
			// timed path, not of timeouts.
			recv = func() (*pb.GreeterReply, error) { return ts.RecvTimeout(10 * time.Second) }
		}
		if err := s.Send(&pb.GreeterRequest{Name: strconv.Itoa(size)}); err != nil {
			return err
		}
		if _, err := recv(); err != nil { // the stream is up
			return err
		}
		w.begin(o.Duration)
		for !w.stop.Load() {
			m, err := recv()
			if err != nil {
				return err
			}
			if len(m.Message) != size {
				return fmt.Errorf("got %d bytes, want %d", len(m.Message), size)
			}
			r.Messages++
		}
		w.end(r)
		r.Bytes = r.Messages * int64(size)
		return nil
	}
}

func parity(ctx context.Context, c Client, o Options, w *window, r *Result) error {
	o.TimedRead = true
	return serverToClient(16)(ctx, c, o, w, r)
}

// pipe sends from one goroutine and counts echoes in another, both as fast
// as they can.
func pipe(ctx context.Context, c Client, o Options, w *window, r *Result) error {
	s, err := c.Open(ctx, MethodEcho)
	if err != nil {
		return err
	}
	req := &pb.GreeterRequest{Name: payload(16)}
	sendErr := make(chan error, 1)
	w.begin(o.Duration)
	go func() {
		for !w.stop.Load() {
			if err := s.Send(req); err != nil {
				sendErr <- err
				return
			}
		}
		sendErr <- nil
	}()
	for !w.stop.Load() {
		if _, err := s.Recv(); err != nil {
			return err
		}
		r.Messages++
	}
	w.end(r)
	r.Bytes = r.Messages * 16
	select {
	case err := <-sendErr:
		return err
	default: // still blocked in Send: cancelling ctx releases it
		return nil
	}
}

// unary runs n callers on the one client, each calling in a loop.
func unary(n int) caseFunc {
	return func(ctx context.Context, c Client, o Options, w *window, r *Result) error {
		req := &pb.GreeterRequest{Name: payload(16)}
		var (
			wg    sync.WaitGroup
			errs  = make(chan error, n)
			times = make([][]time.Duration, n) // one per caller: no lock while measuring
		)
		w.begin(o.Duration)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ts := make([]time.Duration, 0, 1<<14)
				for !w.stop.Load() {
					t0 := time.Now()
					if _, err := c.Call(ctx, MethodUnary, req); err != nil {
						errs <- err
						return
					}
					ts = append(ts, time.Since(t0))
				}
				times[i] = ts
			}()
		}
		wg.Wait()
		w.end(r)
		close(errs)
		if err := <-errs; err != nil {
			return err
		}
		all := slices.Concat(times...)
		r.Messages = int64(len(all))
		r.Bytes = r.Messages * 16
		r.Latency = latencyOf(all)
		return nil
	}
}

// idle opens o.Streams echo streams, one 16-byte echo on each, and reports
// both sides' Stats before and after; benchrun divides the difference.
func idle(ctx context.Context, c Client, o Options, _ *window, r *Result) error {
	id := &Idle{Streams: o.Streams}
	r.Idle = id
	var err error
	if id.ServerBefore, err = serverStats(ctx, c); err != nil {
		return err
	}
	id.ClientBefore = TakeStats()
	req := &pb.GreeterRequest{Name: payload(16)}
	streams := make([]Stream, 0, o.Streams)
	start := time.Now()
	for i := range o.Streams {
		s, err := c.Open(ctx, MethodEcho)
		if err != nil {
			return fmt.Errorf("stream %d: %w", i, err)
		}
		streams = append(streams, s)
		if err := s.Send(req); err != nil {
			return fmt.Errorf("stream %d: %w", i, err)
		}
		if _, err := s.Recv(); err != nil {
			return fmt.Errorf("stream %d: %w", i, err)
		}
	}
	id.OpenSeconds = time.Since(start).Seconds()
	time.Sleep(200 * time.Millisecond) // let both sides settle after the last echo
	id.ClientAfter = TakeStats()
	if id.ServerAfter, err = serverStats(ctx, c); err != nil {
		return err
	}
	r.Messages = int64(len(streams))
	time.Sleep(o.Hold)
	runtime.KeepAlive(streams) // open until both sides were measured
	return nil
}

func serverStats(ctx context.Context, c Client) (Stats, error) {
	var s Stats
	reply, err := c.Call(ctx, MethodStats, &pb.GreeterRequest{})
	if err != nil {
		return s, fmt.Errorf("stats: %w", err)
	}
	err = json.Unmarshal([]byte(reply.Message), &s)
	return s, err
}

// naError marks a case the framework cannot run.
type naError string

func (e naError) Error() string { return string(e) }

func errNA(why string) error { return naError(why) }

func isNA(err error) (string, bool) {
	var na naError
	if errors.As(err, &na) {
		return string(na), true
	}
	return "", false
}
