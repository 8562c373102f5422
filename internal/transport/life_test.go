package transport

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/golang/mock/gomock"
	"go.uber.org/goleak"

	"github.com/dubbo-go-streamx/streamx/internal/filterchain"
	"github.com/dubbo-go-streamx/streamx/internal/status"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// newLife returns a life on a mock link, as a side of the given kind
// makes it.
func newLife(t *testing.T, side filterchain.Side) (*life, *Mocklink) {
	s := NewMocklink(gomock.NewController(t))
	return &life{link: s, side: side}, s
}

// feed makes Receive return the messages, then err, as a peer would send
// them; each message waits for a tick on gate when gate is not nil.
func feed(s *Mocklink, gate <-chan struct{}, err error, msgs ...string) {
	calls := make([]*gomock.Call, 0, len(msgs)+1)
	for _, m := range msgs {
		m := m
		calls = append(calls, s.EXPECT().receive().DoAndReturn(func() ([]byte, error) {
			if gate != nil {
				<-gate
			}
			return []byte(m), nil
		}))
	}
	calls = append(calls, s.EXPECT().receive().Return(nil, err))
	gomock.InOrder(calls...)
	s.EXPECT().tryReceive().Return(nil, false, nil).AnyTimes() // nothing arrives early
}

func TestReadEndIsSticky(t *testing.T) {
	r, s := newLife(t, filterchain.Provider)
	feed(s, nil, io.EOF, "a")
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
	r, s := newLife(t, filterchain.Provider)
	feed(s, nil, errors.New("plain error"))
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
	r, s := newLife(t, filterchain.Provider)
	gate := make(chan struct{})
	want := []string{"1", "2", "3", "4"}
	feed(s, gate, io.EOF, want...)
	var got []string
	for i := 0; ; i++ {
		if i%3 == 0 {
			select {
			case gate <- struct{}{}:
			default:
			}
		}
		b, err := r.ReadTimeout(time.Millisecond)
		if errors.Is(err, ErrReadTimeout) {
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
	r, s := newLife(t, filterchain.Provider)
	gate := make(chan struct{})
	gomock.InOrder(
		s.EXPECT().tryReceive().Return([]byte("1"), true, nil),
		s.EXPECT().tryReceive().Return(nil, false, nil),
		s.EXPECT().receive().DoAndReturn(func() ([]byte, error) {
			<-gate
			return []byte("2"), nil
		}),
		s.EXPECT().tryReceive().Return([]byte("3"), true, nil),
		s.EXPECT().tryReceive().Return(nil, true, io.EOF),
	)
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
	want := []string{"1", ErrReadTimeout.Error(), "2", "3", io.EOF.Error()}
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
	r, s := newLife(t, filterchain.Consumer)
	release := make(chan struct{})
	s.EXPECT().receive().DoAndReturn(func() ([]byte, error) {
		<-release
		return nil, io.EOF
	}).MaxTimes(1) // the pending Receive may not have started before Close
	s.EXPECT().tryReceive().Return(nil, false, nil)
	// A consumer's CloseRead cancels the call: the link's abort ends the
	// pending receive.
	s.EXPECT().abort(gomock.Any()).Do(func(error) { close(release) })
	if _, err := r.ReadTimeout(0); !errors.Is(err, ErrReadTimeout) {
		t.Fatalf("got %v", err)
	}
	r.CloseRead() // unblocks the pending receive through abort; goleak checks it ends
	if _, err := r.Read(); status.CodeOf(err) != status.Canceled {
		t.Fatalf("read after Close: %v", err)
	}
}

func TestCloseAfterEndSkipsOnClose(t *testing.T) {
	r, s := newLife(t, filterchain.Consumer) // no abort expected: the mock fails the test on one
	feed(s, nil, io.EOF)
	if _, err := r.Read(); !errors.Is(err, io.EOF) {
		t.Fatal(err)
	}
	r.CloseRead()
	r.CloseRead()
	if _, err := r.Read(); !errors.Is(err, io.EOF) {
		t.Fatalf("read after end and Close: %v", err)
	}
}

func TestWriterStates(t *testing.T) {
	w, s := newLife(t, filterchain.Consumer)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.EXPECT().Context().Return(ctx).AnyTimes()
	tooBig := status.Errorf(status.ResourceExhausted, "too big: %w", ErrTooLarge)
	gomock.InOrder(
		s.EXPECT().send([]byte("a"), nil).Return(nil),
		s.EXPECT().send([]byte("big"), nil).Return(tooBig),
		s.EXPECT().send([]byte("b"), nil).Return(nil),
		s.EXPECT().closeSend().Return(nil),
	)
	if err := w.Write([]byte("a")); err != nil {
		t.Fatal(err)
	}
	if err := w.Write([]byte("big")); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v", err)
	}
	if err := w.Write([]byte("b")); err != nil { // a refused message does not end the stream
		t.Fatal(err)
	}
	if err := w.DoneWriting(); err != nil {
		t.Fatal(err)
	}
	if err := w.Write([]byte("c")); !errors.Is(err, ErrWriteAfterDone) {
		t.Fatalf("got %v", err)
	}
	if err := w.DoneWriting(); !errors.Is(err, ErrDoneTwice) {
		t.Fatalf("got %v", err)
	}
	if w.WriteErr() == nil {
		t.Fatal("CanWriteMore after DoneWriting")
	}
}

func TestWriterDeadStream(t *testing.T) {
	w, s := newLife(t, filterchain.Consumer)
	ctx, cancel := context.WithCancel(context.Background())
	s.EXPECT().Context().Return(ctx).AnyTimes()
	lost := status.New(status.Unavailable, "peer went away")
	s.EXPECT().send(gomock.Any(), nil).Return(lost) // once: later writes do not send
	if w.WriteErr() != nil {
		t.Fatal("CanWriteMore on a fresh stream")
	}
	for range 2 {
		if err := w.Write([]byte("x")); status.CodeOf(err) != status.Unavailable {
			t.Fatalf("got %v", err)
		}
	}
	if w.WriteErr() == nil {
		t.Fatal("CanWriteMore on a dead stream")
	}
	if err := w.DoneWriting(); err != nil { // nothing to close; no closeSend expected
		t.Fatal(err)
	}
	cancel()
}
