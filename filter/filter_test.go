package filter_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"dubbo.apache.org/dubbo-go/v3/client"
	"dubbo.apache.org/dubbo-go/v3/common/constant"
	"dubbo.apache.org/dubbo-go/v3/common/extension"
	"dubbo.apache.org/dubbo-go/v3/protocol"
	"dubbo.apache.org/dubbo-go/v3/server"

	"go.uber.org/goleak"

	"github.com/dubbo-go-streamx/streamx/filter"
	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx/streamxtest"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
	"github.com/dubbo-go-streamx/streamx/samples/greeter/testgreeter"
)

// recorder is a stream filter that records every hook it sees.
type recorder struct {
	name string
	mu   sync.Mutex
	log  []string
	// rejectSend, if > 0, rejects the n-th message sent.
	rejectSend int
	sent       int
}

func (r *recorder) add(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log = append(r.log, s)
}

func (r *recorder) events() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.log)
}

func (r *recorder) Open(_ context.Context, info *filter.StreamInfo, _ filter.Control) (filter.Hooks, error) {
	r.add(fmt.Sprintf("%s open %s %s %s", r.name, info.Side, info.Method, info.Kind))
	return r, nil
}

func (r *recorder) OnSend(_ context.Context, m filter.Message) error {
	r.mu.Lock()
	r.sent++
	n := r.sent
	r.mu.Unlock()
	if r.rejectSend > 0 && n == r.rejectSend {
		r.add(fmt.Sprintf("%s reject send", r.name))
		return streamx.NewError(streamx.CodePermissionDenied, "no more")
	}
	r.add(fmt.Sprintf("%s send %d", r.name, len(m.Payload)))
	return nil
}

func (r *recorder) OnReceive(_ context.Context, m filter.Message) error {
	r.add(fmt.Sprintf("%s recv %d", r.name, len(m.Payload)))
	return nil
}

func (r *recorder) OnClose(_ context.Context, res filter.Result) {
	r.add(fmt.Sprintf("%s close %s", r.name, res.Code()))
}

// closes returns the close events of the log.
func closes(events []string) []string {
	var out []string
	for _, e := range events {
		if strings.Contains(e, " close ") {
			out = append(out, e)
		}
	}
	return out
}

// noLeaks checks that the test leaves no goroutine behind. dubbo-go starts
// a few process-wide goroutines on first use; one server and one client
// made first keep them out of the check.
func noLeaks(t *testing.T) {
	warmOnce.Do(func() {
		_, _ = server.NewServer()
		_, _ = client.NewClient()
		for _, n := range strings.Split(constant.DefaultReferenceFilters+","+constant.DefaultServiceFilters, ",") {
			_, _ = extension.GetFilter(n) // some start a goroutine when first made
		}
	})
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
}

// serve serves svc in memory (streamxtest) for the rest of t and returns
// its URL: filters see the same calls as over TCP, and no port is taken.
func serve(t testing.TB, svc *streamx.Service, opts ...server.ServiceOption) string {
	t.Helper()
	s, err := streamxtest.New(svc, opts...)
	if err != nil {
		t.Fatalf("serve in memory: %v", err)
	}
	t.Cleanup(s.Close)
	return s.URL()
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// Filters run in list order on open and on each message, in reverse on
// close, on both sides.
func TestOrderBothSides(t *testing.T) {
	pa, pb := &recorder{name: "pA"}, &recorder{name: "pB"}
	ca, cb := &recorder{name: "cA"}, &recorder{name: "cB"}
	url := serve(t, testgreeter.NewService(), filter.WithServiceFilters(orderTap{pa}, orderTap{pb}))
	conn := testenv.Dial(t, greeter.ServiceName, url, filter.WithReferenceFilters(orderTap{ca}, orderTap{cb}))
	ctx := ctxT(t)
	s, err := greeter.BiStream.Open(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(greeter.Req("ab")); err != nil {
		t.Fatal(err)
	}
	if m, err := s.Read(); err != nil || m.Message != "Hello, ab" {
		t.Fatalf("%v %v", m, err)
	}
	_ = s.DoneWriting()
	if _, err := s.Read(); !errors.Is(err, io.EOF) {
		t.Fatal(err)
	}
	testenv.Eventually(t, 5*time.Second, "provider close", func() bool { return len(closes(pb.events())) == 1 })
	got := append(append(ca.events(), cb.events()...), append(pa.events(), pb.events()...)...)
	want := []string{
		"cA open consumer biStream bidi-stream", "cA send 4", "cA recv 11", "cA close ok",
		"cB open consumer biStream bidi-stream", "cB send 4", "cB recv 11", "cB close ok",
		"pA open provider biStream bidi-stream", "pA recv 4", "pA send 11", "pA close ok",
		"pB open provider biStream bidi-stream", "pB recv 4", "pB send 11", "pB close ok",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("events:\n got %q\nwant %q", got, want)
	}
	// The shared sequence shows the order between filters. The request
	// headers may leave at open, before the first message: the provider's
	// filters may open before or after the consumer's send; and the two
	// sides close independently.
	seq := seqLog.take()
	openOrders := [][]string{
		{"cA open", "cB open", "cA send", "cB send", "pA open", "pB open"},
		{"cA open", "cB open", "pA open", "pB open", "cA send", "cB send"},
	}
	closeOrders := [][]string{
		{"pB close", "pA close", "cB close", "cA close"},
		{"cB close", "cA close", "pB close", "pA close"},
	}
	ok := false
	for _, o := range openOrders {
		for _, c := range closeOrders {
			want := slices.Concat(o, []string{"pA recv", "pB recv", "pA send", "pB send", "cA recv", "cB recv"}, c)
			ok = ok || slices.Equal(seq, want)
		}
	}
	if !ok {
		t.Fatalf("order: %q", seq)
	}
}

var warmOnce sync.Once

// seqLog records the global order of hook calls across filters.
var seqLog = &sequence{}

type sequence struct {
	mu  sync.Mutex
	log []string
}

func (s *sequence) add(e string) {
	s.mu.Lock()
	s.log = append(s.log, e)
	s.mu.Unlock()
}

func (s *sequence) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.log
	s.log = nil
	return out
}

// orderTap forwards to a recorder and records the global order.
type orderTap struct{ r *recorder }

func (o orderTap) Open(ctx context.Context, info *filter.StreamInfo, ctl filter.Control) (filter.Hooks, error) {
	seqLog.add(o.r.name + " open")
	if _, err := o.r.Open(ctx, info, ctl); err != nil {
		return nil, err
	}
	return o, nil
}

func (o orderTap) OnSend(ctx context.Context, m filter.Message) error {
	seqLog.add(o.r.name + " send")
	return o.r.OnSend(ctx, m)
}

func (o orderTap) OnReceive(ctx context.Context, m filter.Message) error {
	seqLog.add(o.r.name + " recv")
	return o.r.OnReceive(ctx, m)
}

func (o orderTap) OnClose(ctx context.Context, res filter.Result) {
	seqLog.add(o.r.name + " close")
	o.r.OnClose(ctx, res)
}

// OnClose runs exactly once, with the right code, however a stream ends.
func TestCloseOnceEveryWay(t *testing.T) {
	noLeaks(t)
	cases := []struct {
		name string
		run  func(ctx context.Context, conn *client.Connection) error
		code streamx.Code
	}{
		{"eof", func(ctx context.Context, conn *client.Connection) error {
			rs, err := greeter.ServerStream.Call(ctx, conn, greeter.Req("x"))
			if err != nil {
				return err
			}
			for range rs.Messages() {
			}
			return rs.Err()
		}, streamx.CodeOK},
		{"error", func(ctx context.Context, conn *client.Connection) error {
			rs, err := testgreeter.FailStream.Call(ctx, conn, greeter.Req("x"))
			if err != nil {
				return err
			}
			for range rs.Messages() {
			}
			if streamx.CodeOf(rs.Err()) != streamx.CodeFailedPrecondition {
				return fmt.Errorf("got %v", rs.Err())
			}
			return nil
		}, streamx.CodeFailedPrecondition},
		{"cancel", func(ctx context.Context, conn *client.Connection) error {
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			s, err := greeter.BiStream.Open(ctx, conn)
			if err != nil {
				return err
			}
			if err := s.Write(greeter.Req("x")); err != nil {
				return err
			}
			if _, err := s.Read(); err != nil {
				return err
			}
			cancel() // nobody reads after this: the close must still run
			return nil
		}, streamx.CodeCanceled},
		{"break", func(ctx context.Context, conn *client.Connection) error {
			rs, err := greeter.SlowServerStream.Call(ctx, conn, greeter.Req("100:1"))
			if err != nil {
				return err
			}
			for range rs.Messages() {
				break
			}
			return nil
		}, streamx.CodeCanceled},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			prov, cons := &recorder{name: "p"}, &recorder{name: "c"}
			url := serve(t, testgreeter.NewService(), filter.WithServiceFilters(prov))
			conn := testenv.Dial(t, greeter.ServiceName, url, filter.WithReferenceFilters(cons))
			if err := c.run(ctxT(t), conn); err != nil {
				t.Fatal(err)
			}
			testenv.Eventually(t, 5*time.Second, fmt.Sprintf("both closes (so far %q, %q)", cons.events(), prov.events()), func() bool {
				return len(closes(cons.events())) > 0 && len(closes(prov.events())) > 0
			})
			time.Sleep(50 * time.Millisecond) // a second close would come now
			wantC := []string{"c close " + c.code.String()}
			if got := closes(cons.events()); !slices.Equal(got, wantC) {
				t.Errorf("consumer closes %q, want %q", got, wantC)
			}
			if got := closes(prov.events()); len(got) != 1 {
				t.Errorf("provider closes %q, want one", got)
			}
		})
	}
}

// A hook that rejects a message ends the stream with its error and code.
func TestRejectMessage(t *testing.T) {
	noLeaks(t)
	prov := &recorder{name: "p", rejectSend: 2} // the provider refuses its 2nd reply
	url := serve(t, testgreeter.NewService(), filter.WithServiceFilters(prov))
	conn := testenv.Dial(t, greeter.ServiceName, url)
	rs, err := greeter.ServerStream.Call(ctxT(t), conn, greeter.Req("r"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for m := range rs.Messages() {
		got = append(got, m.Message)
	}
	if !slices.Equal(got, []string{"r 0"}) || streamx.CodeOf(rs.Err()) != streamx.CodePermissionDenied {
		t.Fatalf("got %q, %v; want [r 0] then permission_denied", got, rs.Err())
	}

	cons := &recorder{name: "c", rejectSend: 3} // the consumer refuses its own 3rd request
	conn = testenv.Dial(t, greeter.ServiceName, url, filter.WithReferenceFilters(cons))
	s, err := testgreeter.EchoSize.Open(ctxT(t), conn)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := s.Write(greeter.Req(fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Write(greeter.Req("3rd")); streamx.CodeOf(err) != streamx.CodePermissionDenied {
		t.Fatalf("rejected write: %v", err)
	}
	if s.CanWriteMore() {
		t.Fatal("CanWriteMore after a filter ended the stream")
	}
}

func TestUnknownFilterNames(t *testing.T) {
	svc := testgreeter.NewService()
	srv, err := server.NewServer(server.WithServerProtocol(protocol.WithTriple(), protocol.WithIp("127.0.0.1"), protocol.WithPort(testenv.FreePort(t))))
	if err != nil {
		t.Fatal(err)
	}
	if err := streamx.Register(srv, svc, server.WithVersion("bad"), server.WithFilter("stream-accesslog,no-such-filter")); err != nil {
		t.Fatal(err)
	}
	err = srv.GetServiceOptionsByInterfaceName(greeter.ServiceName).Export()
	if err == nil || !strings.Contains(err.Error(), "no-such-filter") {
		t.Fatalf("export with an unknown filter: %v", err)
	}
	url := serve(t, testgreeter.NewService())
	conn := testenv.Dial(t, greeter.ServiceName, url, client.WithFilter("no-such-consumer-filter"))
	_, err = greeter.SayHello.Call(ctxT(t), conn, greeter.Req("x"))
	if err == nil || !strings.Contains(err.Error(), `"no-such-consumer-filter"`) {
		t.Fatalf("call through an unknown filter: %v", err)
	}
	if filter.Check("stream-accesslog, -echo, default") != nil {
		t.Fatal("Check refused known names")
	}
}
