package streamx_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"dubbo.apache.org/dubbo-go/v3/client"

	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
)

// silentPeer listens on 127.0.0.1, accepts connections and reads
// whatever comes without ever writing a byte: a provider that hangs before
// HTTP/2 starts. It returns its tri:// URL and address; it stops when the
// test ends.
func silentPeer(t *testing.T) (url, addr string) {
	url, addr, _ = silentPeerAccepts(t)
	return url, addr
}

// silentPeerAccepts is silentPeer, with a channel that gets a value per
// connection accepted.
func silentPeerAccepts(t *testing.T) (url, addr string, accepted <-chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
		acc   = make(chan struct{}, 16)
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			select {
			case acc <- struct{}{}:
			default:
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _ = io.Copy(io.Discard, c)
			}()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return "tri://" + ln.Addr().String(), ln.Addr().String(), acc
}

// timed runs call and returns its error and how long it took.
func timed(call func() error) (time.Duration, error) {
	start := time.Now()
	err := call()
	return time.Since(start), err
}

// assertDeadline fails the test unless err is DEADLINE_EXCEEDED with a
// message containing want (or one of also), and took lies in [min, max).
func assertDeadline(t *testing.T, what string, took time.Duration, err error, min, max time.Duration, want string, also ...string) {
	t.Helper()
	t.Logf("%s: %v after %v", what, err, took.Round(time.Millisecond))
	if streamx.CodeOf(err) != streamx.CodeDeadlineExceeded {
		t.Errorf("%s: got %v (code %v), want deadline_exceeded", what, err, streamx.CodeOf(err))
	}
	says := func(w string) bool { return err != nil && strings.Contains(err.Error(), w) }
	if want != "" && !says(want) && !slices.ContainsFunc(also, says) {
		t.Errorf("%s: error %q does not say %q", what, err, append([]string{want}, also...))
	}
	if took < min || took >= max {
		t.Errorf("%s: failed after %v, want within [%v, %v)", what, took, min, max)
	}
}

func withDeadline(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// dialTimeout returns a connection to service at url whose reference has
// retries 2 (3 attempts) and the given request timeout.
func dialTimeout(t *testing.T, service, url string, timeout time.Duration) *client.Connection {
	t.Helper()
	cli, err := client.NewClient(client.WithClientRequestTimeout(timeout))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := cli.Dial(service, client.WithURL(url), client.WithRetries(2), client.WithRequestTimeout(timeout))
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

const (
	second = time.Second
	slack  = 1300 * time.Millisecond // the bound's margin: 300 ms on 2 busy cores
)

// A unary call against a peer that accepts TCP and never answers ends at
// the caller's deadline, with retries on: the dial and the wait for the
// peer's SETTINGS honour it, and no attempt starts after it.
func TestSilentPeerUnaryDeadline(t *testing.T) {
	noLeaks(t)
	url, addr := silentPeer(t)
	conn := testenv.Dial(t, greeter.ServiceName, url, client.WithRetries(2))
	took, err := timed(func() error {
		_, err := greeter.SayHello.Call(withDeadline(t, second), conn, greeter.Req("x"))
		return err
	})
	assertDeadline(t, "unary", took, err, second, slack,
		fmt.Sprintf("no HTTP/2 SETTINGS from %s within the deadline", addr))
}

// Calls share a dial: one that comes while another call, with a later
// deadline, is dialling waits for that dial only until its own deadline.
func TestSilentPeerSharedDial(t *testing.T) {
	noLeaks(t)
	url, addr, accepted := silentPeerAccepts(t)
	conn := testenv.Dial(t, greeter.ServiceName, url, client.WithRetries(2))
	first := make(chan error, 1)
	go func() {
		_, err := greeter.SayHello.Call(withDeadline(t, 3*second), conn, greeter.Req("first"))
		first <- err
	}()
	<-accepted // the first call is dialling, waiting for SETTINGS
	took, err := timed(func() error {
		_, err := greeter.SayHello.Call(withDeadline(t, second), conn, greeter.Req("second"))
		return err
	})
	assertDeadline(t, "a call behind another's dial", took, err, second, slack,
		fmt.Sprintf("no HTTP/2 connection to %s within the deadline", addr),
		fmt.Sprintf("no HTTP/2 SETTINGS from %s within the deadline", addr))
	if err := <-first; streamx.CodeOf(err) != streamx.CodeDeadlineExceeded {
		t.Errorf("the first call: %v, want deadline_exceeded", err)
	}
}

// Without a caller deadline, the reference's timeout bounds the whole call,
// all its attempts: 1 s with retries 2, not 3 x 1 s.
func TestSilentPeerUnaryTimeout(t *testing.T) {
	noLeaks(t)
	url, addr := silentPeer(t)
	conn := dialTimeout(t, greeter.ServiceName, url, second)
	took, err := timed(func() error {
		_, err := greeter.SayHello.Call(context.Background(), conn, greeter.Req("x"))
		return err
	})
	assertDeadline(t, "unary without a deadline", took, err, second, slack,
		fmt.Sprintf("no HTTP/2 SETTINGS from %s within the deadline", addr))
}

// Each stream kind, opened against the silent peer with a 1 s deadline,
// fails by its first read with DEADLINE_EXCEEDED at the deadline.
func TestSilentPeerStreamDeadline(t *testing.T) {
	noLeaks(t)
	url, addr := silentPeer(t)
	conn := testenv.Dial(t, greeter.ServiceName, url, client.WithRetries(2))
	want := fmt.Sprintf("no HTTP/2 SETTINGS from %s within the deadline", addr)
	for _, tc := range []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"client stream", func(ctx context.Context) error {
			s, err := greeter.ClientStream.Open(ctx, conn)
			if err != nil {
				return err
			}
			defer s.Close()
			_ = s.Write(greeter.Req("a")) // may be queued, or fail as Read does
			_ = s.DoneWriting()
			_, err = s.Read()
			return err
		}},
		{"server stream", func(ctx context.Context) error {
			s, err := greeter.ServerStream.Call(ctx, conn, greeter.Req("a"))
			if err != nil {
				return err
			}
			defer s.Close()
			_, err = s.Read()
			return err
		}},
		{"bidi stream", func(ctx context.Context) error {
			s, err := greeter.BiStream.Open(ctx, conn)
			if err != nil {
				return err
			}
			defer s.Close()
			_, err = s.Read()
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := withDeadline(t, second)
			took, err := timed(func() error { return tc.call(ctx) })
			assertDeadline(t, tc.name, took, err, second, slack, want)
		})
	}
}

var slowUnary = streamx.NewUnary[greeter.Request, greeter.Reply]("slow")

// A provider that takes the call and answers after the deadline: the call
// ends at the deadline, with retries 2 (one attempt, not three), and the
// provider's handler sees its context end (grpc-timeout and the reset
// reach it). So with the reference's timeout instead of a caller deadline.
func TestSlowProviderUnaryDeadline(t *testing.T) {
	noLeaks(t)
	type seen struct {
		deadline bool
		err      error
	}
	handled := make(chan seen, 8)
	svc := streamx.NewService("test.Slow")
	slowUnary.Handle(svc, func(ctx context.Context, _ greeter.Request) (greeter.Reply, error) {
		_, ok := ctx.Deadline()
		<-ctx.Done() // longer than any deadline here
		handled <- seen{ok, ctx.Err()}
		return nil, ctx.Err()
	})
	url := testenv.Serve(t, svc)
	for _, tc := range []struct {
		name string
		conn *client.Connection
		ctx  func() context.Context
		want string // in the error
	}{
		{"caller's deadline", testenv.Dial(t, "test.Slow", url, client.WithRetries(2)),
			func() context.Context { return withDeadline(t, second) }, "within the caller's deadline"},
		{"reference timeout", dialTimeout(t, "test.Slow", url, second),
			context.Background, "no reply within the call's timeout (1s)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			took, err := timed(func() error {
				_, err := slowUnary.Call(tc.ctx(), tc.conn, greeter.Req("x"))
				return err
			})
			// The provider's own end of the deadline (its status) may
			// come first.
			assertDeadline(t, tc.name, took, err, second, slack, tc.want, "deadline_exceeded: context deadline exceeded")
			select {
			case s := <-handled:
				if !s.deadline || s.err == nil {
					t.Errorf("the handler's context: deadline %v, ended with %v; want a deadline, and an end", s.deadline, s.err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the provider's handler still runs 10 s later")
			}
			select {
			case <-handled:
				t.Error("the call was retried after its deadline")
			default:
			}
		})
	}
}

// A stream without a deadline of its own against a peer that never speaks
// still ends: the connection attempt gives up after its 5 s cap, and the
// first read fails saying so.
func TestSilentPeerStreamNoDeadline(t *testing.T) {
	noLeaks(t)
	url, addr := silentPeer(t)
	conn := testenv.Dial(t, greeter.ServiceName, url, client.WithRetries(2))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	took, err := timed(func() error {
		s, err := greeter.BiStream.Open(ctx, conn)
		if err != nil {
			return err
		}
		defer s.Close()
		_, err = s.Read()
		return err
	})
	t.Logf("took %v: %v", took, err)
	if err == nil || took < 5*time.Second || took > 6*time.Second {
		t.Fatalf("bidi read without a deadline: %v after %v, want a failure after the 5 s connection cap", err, took)
	}
	if !strings.Contains(err.Error(), addr) {
		t.Fatalf("error %q does not name the silent peer %s", err, addr)
	}
}
