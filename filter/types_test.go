package filter_test

import (
	"context"
	"reflect"
	"sync"
	"testing"

	"dubbo.apache.org/dubbo-go/v3/common"

	"github.com/dubbo-go-streamx/streamx/filter"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
)

// The filter types are declared here, so go doc shows them, and
// Result.Code returns streamx's Code.
func TestFilterTypesArePublic(t *testing.T) {
	const pkg = "github.com/dubbo-go-streamx/streamx/filter"
	for _, v := range []any{filter.StreamInfo{}, filter.Message{}, filter.Result{}, filter.Consumer,
		(*filter.StreamFilter)(nil), (*filter.Hooks)(nil), (*filter.Control)(nil)} {
		ty := reflect.TypeOf(v)
		if ty.Kind() == reflect.Pointer {
			ty = ty.Elem()
		}
		if ty.PkgPath() != pkg {
			t.Errorf("%s is declared in %s", ty.Name(), ty.PkgPath())
		}
	}
	var c any = filter.Result{Err: streamx.NewError(streamx.CodeAborted, "x")}.Code()
	if c != streamx.CodeAborted {
		t.Errorf("Result.Code() = %v (%T)", c, c)
	}
	if filter.Provider.String() != "provider" || filter.Consumer.String() != "consumer" {
		t.Errorf("Side names: %s %s", filter.Provider, filter.Consumer)
	}
}

// seeing records what its hooks see, in order.
type seeing struct {
	mu     sync.Mutex
	events []string
	nilHks bool // Open returns nil Hooks
}

func (s *seeing) add(e string) { s.mu.Lock(); s.events = append(s.events, e); s.mu.Unlock() }

func (s *seeing) Open(_ context.Context, info *filter.StreamInfo, _ filter.Control) (filter.Hooks, error) {
	s.add("open " + info.Method + " " + info.Side.String())
	if s.nilHks {
		return nil, nil
	}
	return seeingHooks{s}, nil
}

type seeingHooks struct{ s *seeing }

func (h seeingHooks) OnSend(_ context.Context, m filter.Message) error {
	h.s.add("send " + string(rune('0'+len(m.Payload)%10)))
	return nil
}
func (h seeingHooks) OnReceive(context.Context, filter.Message) error { h.s.add("recv"); return nil }
func (h seeingHooks) OnClose(_ context.Context, r filter.Result) {
	h.s.add("close " + r.Code().String())
}

// A registered filter sees the stream through the public types: open with
// its info, the messages, the close with its code; one whose Open returns
// nil Hooks observes nothing and the call goes on.
func TestFilterSeesPublicTypes(t *testing.T) {
	rec := &seeing{}
	filter.Register("test-seeing", func(*common.URL) (filter.StreamFilter, error) { return rec, nil })
	filter.Register("test-nil-hooks", func(*common.URL) (filter.StreamFilter, error) { return &seeing{nilHks: true}, nil })
	conn := serveWith(t, "test-seeing,test-nil-hooks", nil)
	r, err := greeter.SayHello.Call(ctxT(t), conn, greeter.Req("x"))
	if err != nil || r.Message == "" {
		t.Fatalf("call: %v, %v", r, err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.events) < 3 || rec.events[0] != "open sayHello provider" || rec.events[1] != "recv" || rec.events[len(rec.events)-1] != "close ok" {
		t.Fatalf("events %q", rec.events)
	}
}
