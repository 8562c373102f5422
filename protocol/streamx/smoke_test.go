package streamx_test

import (
	"errors"
	"io"
	"testing"

	_ "github.com/dubbo-go-streamx/streamx/protocol/streamx"
)

func TestSmokeAllKinds(t *testing.T) {
	url := serve(t, greeter())
	conn := dial(t, url)
	ctx := ctxT(t)

	r, err := sayHello.Call(ctx, conn, hello("world"))
	if err != nil || r.Message != "Hello, world" {
		t.Fatalf("unary: %v %v", r, err)
	}
	rs, err := clientStream.OpenWith(ctx, conn, names("a", "b", "c"))
	if err != nil {
		t.Fatal(err)
	}
	r, err = rs.Read()
	if err != nil || r.Message != "a b c" {
		t.Fatalf("client stream: %v %v", r, err)
	}
	if _, err := rs.Read(); !errors.Is(err, io.EOF) {
		t.Fatalf("client stream end: %v", err)
	}
	ss, err := serverStream.Call(ctx, conn, hello("go"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for m := range ss.Messages() {
		got = append(got, m.Message)
	}
	if ss.Err() != nil || len(got) != 3 || got[2] != "go 2" {
		t.Fatalf("server stream: %v %v", got, ss.Err())
	}
	bs, err := biStream.Open(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"x", "y"} {
		if err := bs.Write(hello(n)); err != nil {
			t.Fatal(err)
		}
		m, err := bs.Read()
		if err != nil || m.Message != "Hello, "+n {
			t.Fatalf("bidi: %v %v", m, err)
		}
	}
	if err := bs.DoneWriting(); err != nil {
		t.Fatal(err)
	}
	if _, err := bs.Read(); !errors.Is(err, io.EOF) {
		t.Fatalf("bidi end: %v", err)
	}
}
