package core_test

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/golang/mock/gomock"
	"go.uber.org/goleak"

	"github.com/dubbo-go-streamx/streamx/internal/core"
	"github.com/dubbo-go-streamx/streamx/internal/status"
	"github.com/dubbo-go-streamx/streamx/internal/transport"
	"github.com/dubbo-go-streamx/streamx/internal/transport/transportmock"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// feed makes Receive return the messages, then err, as a peer would send
// them; each message waits for a tick on gate when gate is not nil.
func feed(s *transportmock.MockStream, gate <-chan struct{}, err error, msgs ...string) {
	calls := make([]*gomock.Call, 0, len(msgs)+1)
	for _, m := range msgs {
		m := m
		calls = append(calls, s.EXPECT().Receive().DoAndReturn(func() ([]byte, error) {
			if gate != nil {
				<-gate
			}
			return []byte(m), nil
		}))
	}
	calls = append(calls, s.EXPECT().Receive().Return(nil, err))
	gomock.InOrder(calls...)
	s.EXPECT().TryReceive().Return(nil, false, nil).AnyTimes() // nothing arrives early
}

func TestReadEndIsSticky(t *testing.T) {
	s := transportmock.NewMockStream(gomock.NewController(t))
	feed(s, nil, io.EOF, "a")
	r := core.NewReader(s, nil)
	if b, err := r.Read(); err != nil || string(b) != "a" {
		t.Fatalf("got %q, %v", b, err)
	}
	for range 3 { // Receive is not called again after the end
		if _, err := r.Read(); !errors.Is(err, io.EOF) {
			t.Fatalf("got %v", err)
		}
		if _, err := r.ReadTimeout(time.Millisecond); !errors.Is(err, io.EOF) {
			t.Fatalf("got %v", err)
		}
	}
}

func TestFailureIsStickyAndCoded(t *testing.T) {
	s := transportmock.NewMockStream(gomock.NewController(t))
	feed(s, nil, errors.New("plain error"))
	r := core.NewReader(s, nil)
	for range 2 {
		_, err := r.Read()
		var se *status.Error
		if !errors.As(err, &se) || se.Code() != status.Unknown {
			t.Fatalf("got %v; want an unknown *status.Error", err)
		}
	}
}

// Timeouts lose nothing and keep the order, whatever the timing.
func TestTimeoutsLoseNothing(t *testing.T) {
	s := transportmock.NewMockStream(gomock.NewController(t))
	gate := make(chan struct{})
	want := []string{"1", "2", "3", "4"}
	feed(s, gate, io.EOF, want...)
	r := core.NewReader(s, nil)
	var got []string
	for i := 0; ; i++ {
		if i%3 == 0 {
			select {
			case gate <- struct{}{}:
			default:
			}
		}
		b, err := r.ReadTimeout(time.Millisecond)
		if errors.Is(err, core.ErrReadTimeout) {
			continue
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(b))
	}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
}

// A message that has already arrived is taken without a pending Receive,
// and once one is pending nothing overtakes it.
func TestTimedReadTakesArrivedFirst(t *testing.T) {
	s := transportmock.NewMockStream(gomock.NewController(t))
	gate := make(chan struct{})
	gomock.InOrder(
		s.EXPECT().TryReceive().Return([]byte("1"), true, nil),
		s.EXPECT().TryReceive().Return(nil, false, nil),
		s.EXPECT().Receive().DoAndReturn(func() ([]byte, error) {
			<-gate
			return []byte("2"), nil
		}),
		s.EXPECT().TryReceive().Return([]byte("3"), true, nil),
		s.EXPECT().TryReceive().Return(nil, true, io.EOF),
	)
	r := core.NewReader(s, nil)
	var got []string
	read := func(d time.Duration) {
		t.Helper()
		b, err := r.ReadTimeout(d)
		if err != nil {
			got = append(got, err.Error())
			return
		}
		got = append(got, string(b))
	}
	read(time.Millisecond) // "1", already there
	read(time.Millisecond) // times out: "2" is pending
	close(gate)
	read(time.Minute) // "2", from the pending Receive
	read(time.Minute) // "3", already there
	read(0)           // the end, already there
	want := []string{"1", core.ErrReadTimeout.Error(), "2", "3", io.EOF.Error()}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
	if _, err := r.Read(); !errors.Is(err, io.EOF) { // sticky, no more calls
		t.Fatalf("got %v", err)
	}
}

func TestPollDoesNotBlock(t *testing.T) {
	s := transportmock.NewMockStream(gomock.NewController(t))
	release := make(chan struct{})
	s.EXPECT().Receive().DoAndReturn(func() ([]byte, error) {
		<-release
		return nil, io.EOF
	}).MaxTimes(1) // the pending Receive may not have started before Close
	s.EXPECT().TryReceive().Return(nil, false, nil)
	r := core.NewReader(s, func(error) { close(release) })
	if _, err := r.ReadTimeout(0); !errors.Is(err, core.ErrReadTimeout) {
		t.Fatalf("got %v", err)
	}
	r.Close() // unblocks the pending Receive through onClose; goleak checks it ends
	if _, err := r.Read(); status.CodeOf(err) != status.Canceled {
		t.Fatalf("read after Close: %v", err)
	}
}

func TestCloseAfterEndSkipsOnClose(t *testing.T) {
	s := transportmock.NewMockStream(gomock.NewController(t))
	feed(s, nil, io.EOF)
	r := core.NewReader(s, func(error) { t.Error("onClose after a clean end") })
	if _, err := r.Read(); !errors.Is(err, io.EOF) {
		t.Fatal(err)
	}
	r.Close()
	r.Close()
	if _, err := r.Read(); !errors.Is(err, io.EOF) {
		t.Fatalf("read after end and Close: %v", err)
	}
}

func TestWriterStates(t *testing.T) {
	ctrl := gomock.NewController(t)
	s := transportmock.NewMockStream(ctrl)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.EXPECT().Context().Return(ctx).AnyTimes()
	tooBig := status.Errorf(status.ResourceExhausted, "too big: %w", transport.ErrTooLarge)
	gomock.InOrder(
		s.EXPECT().Send([]byte("a")).Return(nil),
		s.EXPECT().Send([]byte("big")).Return(tooBig),
		s.EXPECT().Send([]byte("b")).Return(nil),
		s.EXPECT().CloseSend().Return(nil),
	)
	w := core.NewWriter(s)
	if err := w.Write([]byte("a")); err != nil {
		t.Fatal(err)
	}
	if err := w.Write([]byte("big")); !errors.Is(err, transport.ErrTooLarge) {
		t.Fatalf("got %v", err)
	}
	if err := w.Write([]byte("b")); err != nil { // a refused message does not end the stream
		t.Fatal(err)
	}
	if err := w.DoneWriting(); err != nil {
		t.Fatal(err)
	}
	if err := w.Write([]byte("c")); !errors.Is(err, core.ErrWriteAfterDone) {
		t.Fatalf("got %v", err)
	}
	if err := w.DoneWriting(); !errors.Is(err, core.ErrDoneTwice) {
		t.Fatalf("got %v", err)
	}
	if w.CanWriteMore() {
		t.Fatal("CanWriteMore after DoneWriting")
	}
}

func TestWriterDeadStream(t *testing.T) {
	ctrl := gomock.NewController(t)
	s := transportmock.NewMockStream(ctrl)
	ctx, cancel := context.WithCancel(context.Background())
	s.EXPECT().Context().Return(ctx).AnyTimes()
	lost := status.New(status.Unavailable, "peer went away")
	s.EXPECT().Send(gomock.Any()).Return(lost) // once: later writes do not send
	w := core.NewWriter(s)
	if !w.CanWriteMore() {
		t.Fatal("CanWriteMore on a fresh stream")
	}
	for range 2 {
		if err := w.Write([]byte("x")); status.CodeOf(err) != status.Unavailable {
			t.Fatalf("got %v", err)
		}
	}
	if w.CanWriteMore() {
		t.Fatal("CanWriteMore on a dead stream")
	}
	if err := w.DoneWriting(); err != nil { // nothing to close; no CloseSend expected
		t.Fatal(err)
	}
	cancel()
}
