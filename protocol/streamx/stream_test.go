package streamx_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
	"github.com/dubbo-go-streamx/streamx/samples/greeter/testgreeter"
)

func greeterConn(t *testing.T) (ctx context.Context, url string) {
	t.Helper()
	return ctxT(t), serve(t, testgreeter.NewService())
}

func TestUnary(t *testing.T) {
	noLeaks(t)
	ctx, url := greeterConn(t)
	conn := dial(t, url)
	r, err := greeter.SayHello.Call(ctx, conn, greeter.Req("world"))
	if err != nil || r.Message != "Hello, world" {
		t.Fatalf("got %v, %v; want Hello, world", r, err)
	}
	_, err = testgreeter.FailUnary.Call(ctx, conn, greeter.Req("x"))
	var se *streamx.Error
	if !errors.As(err, &se) || se.Code() != streamx.CodeFailedPrecondition || se.Message() != "boom: x" {
		t.Fatalf("got %v; want failed_precondition: boom: x", err)
	}
}

func TestClientStreamIterator(t *testing.T) {
	noLeaks(t)
	ctx, url := greeterConn(t)
	rs, err := greeter.ClientStream.OpenWith(ctx, dial(t, url), greeter.Names("a", "b", "c"))
	if err != nil {
		t.Fatal(err)
	}
	assertReads(t, rs, "a b c")
}

func TestClientStreamWrites(t *testing.T) {
	noLeaks(t)
	ctx, url := greeterConn(t)
	s, err := greeter.ClientStream.Open(ctx, dial(t, url))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a", "", "c"} { // an empty message is a message
		if err := s.Write(greeter.Req(n)); err != nil {
			t.Fatal(err)
		}
	}
	if !s.CanWriteMore() {
		t.Fatal("CanWriteMore false before DoneWriting")
	}
	if err := s.DoneWriting(); err != nil {
		t.Fatal(err)
	}
	if s.CanWriteMore() {
		t.Fatal("CanWriteMore true after DoneWriting")
	}
	if err := s.Write(greeter.Req("late")); !errors.Is(err, streamx.ErrWriteAfterDone) {
		t.Fatalf("Write after DoneWriting: %v", err)
	}
	if err := s.DoneWriting(); !errors.Is(err, streamx.ErrDoneTwice) {
		t.Fatalf("second DoneWriting: %v", err)
	}
	assertReads(t, s.ReadStream, "a  c")
}

func TestServerStream(t *testing.T) {
	noLeaks(t)
	ctx, url := greeterConn(t)
	rs, err := greeter.ServerStream.Call(ctx, dial(t, url), greeter.Req("go"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for m := range rs.Messages() {
		got = append(got, m.Message)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	if want := []string{"go 0", "go 1", "go 2"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	// Every read after the end returns io.EOF again.
	for range 3 {
		if _, err := rs.Read(); !errors.Is(err, io.EOF) {
			t.Fatalf("read after end: %v", err)
		}
		if _, err := rs.ReadTimeout(time.Millisecond); !errors.Is(err, io.EOF) {
			t.Fatalf("timed read after end: %v", err)
		}
	}
}

func TestBidiTwoGoroutines(t *testing.T) {
	noLeaks(t)
	ctx, url := greeterConn(t)
	s, err := greeter.BiStream.Open(ctx, dial(t, url))
	if err != nil {
		t.Fatal(err)
	}
	const n = 500
	var wg sync.WaitGroup
	wg.Add(1)
	var werr error
	go func() {
		defer wg.Done()
		for i := range n {
			if werr = s.Write(greeter.Req(fmt.Sprint(i))); werr != nil {
				return
			}
		}
		werr = s.DoneWriting()
	}()
	for i := range n {
		m, err := s.Read()
		if err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
		if want := fmt.Sprintf("Hello, %d", i); m.Message != want {
			t.Fatalf("read %d: got %q, want %q", i, m.Message, want)
		}
	}
	if _, err := s.Read(); !errors.Is(err, io.EOF) {
		t.Fatalf("end: %v", err)
	}
	wg.Wait()
	if werr != nil {
		t.Fatal(werr)
	}
}

func TestBidiIterator(t *testing.T) {
	noLeaks(t)
	ctx, url := greeterConn(t)
	rs, err := greeter.BiStream.OpenWith(ctx, dial(t, url), greeter.Names("x", "y"))
	if err != nil {
		t.Fatal(err)
	}
	assertReads(t, rs, "Hello, x", "Hello, y")
}

// Timed reads that time out lose, duplicate and reorder nothing.
func TestTimedReadsLoseNothing(t *testing.T) {
	noLeaks(t)
	ctx, url := greeterConn(t)
	rs, err := greeter.SlowServerStream.Call(ctx, dial(t, url), greeter.Req("5:60"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	timeouts := 0
	for {
		m, err := rs.ReadTimeout(5 * time.Millisecond)
		if errors.Is(err, streamx.ErrReadTimeout) {
			timeouts++
			continue
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, m.Message)
	}
	if want := []string{"slow 0", "slow 1", "slow 2", "slow 3", "slow 4"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	if timeouts < 5 {
		t.Fatalf("only %d timed-out reads: the test did not exercise timeouts", timeouts)
	}
}

// Mixing timed and blocking reads keeps the order.
func TestTimedAndPlainReadsMix(t *testing.T) {
	noLeaks(t)
	ctx, url := greeterConn(t)
	s, err := testgreeter.EchoSize.Open(ctx, dial(t, url))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReadTimeout(0); !errors.Is(err, streamx.ErrReadTimeout) {
		t.Fatalf("poll on an idle stream: %v", err)
	}
	if _, err := s.ReadTimeout(20 * time.Millisecond); !errors.Is(err, streamx.ErrReadTimeout) {
		t.Fatalf("timed read on an idle stream: %v", err)
	}
	for i := range 100 {
		if err := s.Write(greeter.Req(fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DoneWriting(); err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		var m greeter.Reply
		var err error
		if i%2 == 0 {
			m, err = s.Read()
		} else {
			for m, err = s.ReadTimeout(time.Millisecond); errors.Is(err, streamx.ErrReadTimeout); m, err = s.ReadTimeout(time.Millisecond) {
			}
		}
		if err != nil || m.Message != fmt.Sprint(i) {
			t.Fatalf("read %d: %v, %v", i, m, err)
		}
	}
	if _, err := s.Read(); !errors.Is(err, io.EOF) {
		t.Fatalf("end: %v", err)
	}
}

func TestStreamFailureCarriesStatus(t *testing.T) {
	noLeaks(t)
	ctx, url := greeterConn(t)
	rs, err := testgreeter.FailStream.Call(ctx, dial(t, url), greeter.Req("s"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := rs.Read()
	if err != nil || m.Message != "before boom" {
		t.Fatalf("first read: %v, %v", m, err)
	}
	for range 2 { // the failure is sticky
		_, err = rs.Read()
		var se *streamx.Error
		if !errors.As(err, &se) || se.Code() != streamx.CodeFailedPrecondition || se.Message() != "boom: s" {
			t.Fatalf("got %v; want failed_precondition: boom: s", err)
		}
	}
}

// Breaking out of a range loop cancels the call and ends a pending timed
// read's receive goroutine (noLeaks checks that).
func TestBreakReleasesStream(t *testing.T) {
	noLeaks(t)
	ctx, url := greeterConn(t)
	rs, err := greeter.SlowServerStream.Call(ctx, dial(t, url), greeter.Req("1000:1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rs.ReadTimeout(time.Second); err != nil { // timed reads on this stream
		t.Fatal(err)
	}
	n := 0
	for range rs.Messages() {
		if n++; n == 3 {
			break
		}
	}
	if _, err := rs.Read(); streamx.CodeOf(err) != streamx.CodeCanceled {
		t.Fatalf("read after break: %v; want canceled", err)
	}
	testenv.Eventually(t, 5*time.Second, "the stream's context to end", func() bool { return rs.Context().Err() != nil })
}

// Cancelling the call's context ends a pending read at once.
func TestCancelUnblocksRead(t *testing.T) {
	noLeaks(t)
	for _, timed := range []bool{false, true} {
		t.Run(fmt.Sprint("timed=", timed), func(t *testing.T) {
			_, url := greeterConn(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			s, err := testgreeter.EchoSize.Open(ctx, dial(t, url))
			if err != nil {
				t.Fatal(err)
			}
			errc := make(chan error, 1)
			go func() {
				var err error
				if timed {
					_, err = s.ReadTimeout(time.Minute)
				} else {
					_, err = s.Read()
				}
				errc <- err
			}()
			cancel()
			select {
			case err := <-errc:
				if !errors.Is(err, context.Canceled) || streamx.CodeOf(err) != streamx.CodeCanceled {
					t.Fatalf("got %v; want canceled", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("read still blocked 5s after cancel")
			}
			if err := s.Write(greeter.Req("late")); streamx.CodeOf(err) != streamx.CodeCanceled {
				t.Fatalf("write after cancel: %v", err)
			}
			if s.CanWriteMore() {
				t.Fatal("CanWriteMore after cancel")
			}
		})
	}
}

func TestDeadlineExceeded(t *testing.T) {
	noLeaks(t)
	_, url := greeterConn(t)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	rs, err := greeter.SlowServerStream.Call(ctx, dial(t, url), greeter.Req("3:1000"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = rs.Read()
	if streamx.CodeOf(err) != streamx.CodeDeadlineExceeded || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v; want deadline_exceeded", err)
	}
}

func TestJSONMethods(t *testing.T) {
	noLeaks(t)
	ctx, url := greeterConn(t)
	conn := dial(t, url)
	r, err := testgreeter.SayHelloJSON.Call(ctx, conn, testgreeter.JSONRequest{Name: "json"})
	if err != nil || r.Message != "Hello, json" {
		t.Fatalf("got %v, %v", r, err)
	}
	rs, err := testgreeter.BiStreamJSON.OpenWith(ctx, conn, func(yield func(testgreeter.JSONRequest) bool) {
		_ = yield(testgreeter.JSONRequest{Name: "a"}) && yield(testgreeter.JSONRequest{Name: "b"})
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for m, err := range rs.All() {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, m.Message)
	}
	if want := []string{"Hello, a", "Hello, b"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func assertReads(t *testing.T, rs *streamx.ReadStream[greeter.Reply], want ...string) {
	t.Helper()
	var got []string
	for {
		m, err := rs.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("after %q: %v", got, err)
		}
		got = append(got, m.Message)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}
