package integrate_test

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
	"github.com/dubbo-go-streamx/streamx/samples/proto/greeterstreamx"
)

// The code generated from samples/proto/greeter.proto against dubbo-python
// 3.0.0b1: its client against greeter_server.py, and greeter_client.py
// against its handler interface.

func TestGeneratedClientPythonProvider(t *testing.T) {
	checkLeaks(t)
	py := testenv.PythonEnv(t)
	_, port := py.StartServer(t)
	// One connection per Python server (README, "dubbo-python quirks").
	c := greeterstreamx.NewGreeterClient(testenv.Dial(t, greeterstreamx.GreeterInterfaceName, "tri://"+testenv.Addr(port)))
	ctx := ctxFor(t, 30*time.Second)
	req := func(name string) *pb.GreeterRequest { return &pb.GreeterRequest{Name: name} }
	names := func(ns ...string) iter.Seq[*pb.GreeterRequest] {
		return func(yield func(*pb.GreeterRequest) bool) {
			for _, n := range ns {
				if !yield(req(n)) {
					return
				}
			}
		}
	}

	r, err := c.SayHello(ctx, req("world"))
	if err != nil || r.Message != "Hello, world" {
		t.Fatalf("sayHello: %v, %v; want Hello, world", r, err)
	}

	call, err := c.ClientStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a", "b", "c"} {
		if err := call.Write(req(n)); err != nil {
			t.Fatal(err)
		}
	}
	if r, err := call.Reply(); err != nil || r.Message != "a b c" {
		t.Fatalf("clientStream: %v, %v; want a b c", r, err)
	}
	if r, err := c.ClientStreamWith(ctx, names("x", "y")); err != nil || r.Message != "x y" {
		t.Fatalf("clientStream from an iterator: %v, %v; want x y", r, err)
	}

	rs, err := c.ServerStream(ctx, req("go"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := readAll(rs)
	wantStrings(t, "serverStream", got, []string{"go 0", "go 1", "go 2"})
	if err != nil {
		t.Fatal(err)
	}

	bs, err := c.BiStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"p", "q"} {
		if err := bs.Write(req(n)); err != nil {
			t.Fatal(err)
		}
		r, err := bs.Read()
		if err != nil || r.Message != "Hello, "+n {
			t.Fatalf("biStream: %v, %v; want Hello, %s", r, err, n)
		}
	}
	if err := bs.DoneWriting(); err != nil {
		t.Fatal(err)
	}
	if _, err := readAll(bs.ReadStream); err != nil {
		t.Fatal(err)
	}

	rs, err = c.BiStreamWith(ctx, names("x", "y", "z"))
	if err != nil {
		t.Fatal(err)
	}
	got, err = readAll(rs)
	wantStrings(t, "biStream from an iterator", got, []string{"Hello, x", "Hello, y", "Hello, z"})
	if err != nil {
		t.Fatal(err)
	}
}

// generatedGreeter implements the generated GreeterHandler as the
// samples' Greeter does.
type generatedGreeter struct{}

func (generatedGreeter) SayHello(_ context.Context, req *pb.GreeterRequest) (*pb.GreeterReply, error) {
	return &pb.GreeterReply{Message: "Hello, " + req.Name}, nil
}

func (generatedGreeter) ClientStream(_ context.Context, in *streamx.ReadStream[*pb.GreeterRequest]) (*pb.GreeterReply, error) {
	var names []string
	for req := range in.Messages() {
		names = append(names, req.Name)
	}
	return &pb.GreeterReply{Message: strings.Join(names, " ")}, in.Err()
}

func (generatedGreeter) ServerStream(_ context.Context, req *pb.GreeterRequest) iter.Seq2[*pb.GreeterReply, error] {
	return func(yield func(*pb.GreeterReply, error) bool) {
		for i := range 3 {
			if !yield(&pb.GreeterReply{Message: fmt.Sprintf("%s %d", req.Name, i)}, nil) {
				return
			}
		}
	}
}

func (generatedGreeter) BiStream(_ context.Context, s *streamx.ReadWriteStream[*pb.GreeterRequest, *pb.GreeterReply]) error {
	for req := range s.Messages() {
		if err := s.Write(&pb.GreeterReply{Message: "Hello, " + req.Name}); err != nil {
			return err
		}
	}
	return s.Err()
}

func TestPythonConsumerGeneratedHandler(t *testing.T) {
	checkLeaks(t)
	py := testenv.PythonEnv(t)
	url := testenv.Serve(t, greeterstreamx.NewGreeterService(generatedGreeter{}))
	cases := []string{"unary", "client_stream_iter", "client_stream_write", "server_stream", "bidi", "bidi_iter"}
	want := map[string][]string{
		"unary":               {"Hello, world"},
		"client_stream_iter":  {"a b c"},
		"client_stream_write": {"a b c"},
		"server_stream":       {"py 0", "py 1", "py 2"},
		"bidi":                {"Hello, x", "Hello, y"},
		"bidi_iter":           {"Hello, x", "Hello, y", "Hello, z"},
	}
	args := []string{"--url", url}
	for _, c := range cases {
		args = append(args, "--case", c)
	}
	results := py.RunClient(t, args...)
	if len(results) != len(cases) {
		t.Fatalf("want %d results, got %d: %v", len(cases), len(results), results)
	}
	for i, name := range cases {
		r := results[i]
		if r["case"] != name || r["error"] != nil {
			t.Fatalf("result %d: %v, want case %s without error", i, r, name)
		}
		if got := strs(r["messages"]); !slices.Equal(got, want[name]) {
			t.Errorf("%s: %q, want %q", name, got, want[name])
		}
	}
}
