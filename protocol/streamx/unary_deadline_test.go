package streamx_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"dubbo.apache.org/dubbo-go/v3/client"

	"github.com/dubbo-go-streamx/streamx/filter"
	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
)

var hangUnary = streamx.NewUnary[greeter.Request, greeter.Reply]("hang")

// A unary call ends when the consumer's timeout passes (for a context
// without a deadline), when the caller's deadline passes, or when the
// caller cancels, each with its own
// code, and the provider's handler sees its context end every time.
func TestUnaryEnds(t *testing.T) {
	noLeaks(t)
	handlerDone := make(chan error, 8)
	svc := streamx.NewService("test.Hang")
	hangUnary.Handle(svc, func(ctx context.Context, _ greeter.Request) (greeter.Reply, error) {
		<-ctx.Done()
		handlerDone <- ctx.Err()
		return nil, ctx.Err()
	})
	addr := serve(t, svc)
	for _, filtered := range []bool{false, true} {
		t.Run(map[bool]string{false: "no filter", true: "a consumer filter"}[filtered], func(t *testing.T) {
			msgs := unaryEnds(t, addr, handlerDone, filtered)
			if !filtered {
				unfilteredMsgs = msgs
				return
			}
			// A filter changes nothing about how a unary call ends.
			for name, msg := range msgs {
				if want, ok := unfilteredMsgs[name]; ok && msg != want {
					t.Errorf("%s: with a filter %q, without %q", name, msg, want)
				}
			}
		})
	}
}

var unfilteredMsgs map[string]string

// nopFilter is a consumer stream filter that does nothing.
type nopFilter struct{}

func (nopFilter) Open(context.Context, *filter.StreamInfo, filter.Control) (filter.Hooks, error) {
	return filter.NopHooks{}, nil
}

// unaryEnds runs TestUnaryEnds's cases and returns the error messages of
// the cases that only one timer can end.
func unaryEnds(t *testing.T, addr string, handlerDone chan error, filtered bool) map[string]string {
	var refOpts []client.ReferenceOption
	if filtered {
		refOpts = append(refOpts, filter.WithReferenceFilters(nopFilter{}))
	}
	msgs := map[string]string{}
	plain := testenv.Dial(t, "test.Hang", addr, refOpts...)
	// dubbo-go takes the consumer's timeout over the reference's.
	cli, err := client.NewClient(client.WithClientRequestTimeout(200*time.Millisecond), client.WithClientRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	timed, err := cli.Dial("test.Hang", append([]client.ReferenceOption{client.WithURL(addr)}, refOpts...)...)
	if err != nil {
		t.Fatal(err)
	}

	cancelSoon := func() context.Context {
		ctx, cancel := context.WithCancel(ctxT(t))
		time.AfterFunc(200*time.Millisecond, cancel)
		return ctx
	}
	noDeadline := func() context.Context {
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		return ctx
	}
	deadline := func(d time.Duration) func() context.Context {
		return func() context.Context {
			ctx, cancel := context.WithTimeout(ctxT(t), d)
			t.Cleanup(cancel)
			return ctx
		}
	}
	for _, tc := range []struct {
		name string
		conn *client.Connection
		ctx  func() context.Context // made when the case runs
		code streamx.Code
		is   error
	}{
		// A deadline's end can reach the caller two ways: its own timer,
		// or the provider's status (its context has the same deadline,
		// from grpc-timeout). Either is DEADLINE_EXCEEDED.
		{"consumer timeout", timed, noDeadline, streamx.CodeDeadlineExceeded, context.DeadlineExceeded},
		{"caller's deadline", plain, deadline(200 * time.Millisecond), streamx.CodeDeadlineExceeded, context.DeadlineExceeded},
		{"caller's deadline with a consumer timeout", timed, deadline(50 * time.Millisecond), streamx.CodeDeadlineExceeded, context.DeadlineExceeded},
		{"caller cancels", plain, cancelSoon, streamx.CodeCanceled, context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() {
				_, err := hangUnary.Call(tc.ctx(), tc.conn, greeter.Req("x"))
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("the call still waits 10 s later")
			}
			if streamx.CodeOf(err) != tc.code || !errors.Is(err, tc.is) {
				t.Fatalf("got %v (code %v), want %v", err, streamx.CodeOf(err), tc.code)
			}
			if tc.name == "caller cancels" { // the others race the provider's own deadline
				msgs[tc.name] = err.Error()
			}
			select {
			case <-handlerDone:
			case <-time.After(10 * time.Second):
				t.Fatal("the provider's handler still runs 10 s later")
			}
		})
	}
	return msgs
}
