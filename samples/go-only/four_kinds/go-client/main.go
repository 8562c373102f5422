// Command go-client calls the Greeter at -url (default
// tri://127.0.0.1:20000, the four_kinds go-server) in every call kind, with
// both ways of writing a stream that dubbo-python offers: an iterator given
// at call time, or Write calls ended by DoneWriting.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"dubbo.apache.org/dubbo-go/v3/client"

	"github.com/dubbo-go-streamx/streamx/samples/greeter"
)

func main() {
	greeter.ClientMain(func(ctx context.Context, conn *client.Connection) error {
		for _, step := range []func(context.Context, *client.Connection) error{
			unary, clientStreamIterator, clientStreamWrite, serverStream, bidiStream,
		} {
			if err := step(ctx, conn); err != nil {
				return err
			}
		}
		return nil
	})
}

func unary(ctx context.Context, conn *client.Connection) error {
	reply, err := greeter.SayHello.Call(ctx, conn, greeter.Req("world"))
	if err != nil {
		return fmt.Errorf("sayHello: %w", err)
	}
	fmt.Println("unary reply:", reply.Message)
	return nil
}

// clientStreamIterator writes the requests from an iterator, as
// dubbo-python's client_stream(iterator).
func clientStreamIterator(ctx context.Context, conn *client.Connection) error {
	replies, err := greeter.ClientStream.OpenWith(ctx, conn, greeter.Names("hello", "from", "an", "iterator"))
	if err != nil {
		return fmt.Errorf("clientStream: %w", err)
	}
	reply, err := replies.Read()
	if err != nil {
		return fmt.Errorf("clientStream: %w", err)
	}
	fmt.Println("client stream reply (iterator):", reply.Message)
	return nil
}

// clientStreamWrite writes the requests one by one, then DoneWriting, as
// dubbo-python's write() and done_writing().
func clientStreamWrite(ctx context.Context, conn *client.Connection) error {
	stream, err := greeter.ClientStream.Open(ctx, conn)
	if err != nil {
		return fmt.Errorf("clientStream: %w", err)
	}
	for _, name := range []string{"hello", "from", "Write"} {
		if err := stream.Write(greeter.Req(name)); err != nil {
			return fmt.Errorf("clientStream: %w", err)
		}
	}
	if err := stream.DoneWriting(); err != nil {
		return fmt.Errorf("clientStream: %w", err)
	}
	reply, err := stream.Read()
	if err != nil {
		return fmt.Errorf("clientStream: %w", err)
	}
	fmt.Println("client stream reply (Write):", reply.Message)
	return nil
}

func serverStream(ctx context.Context, conn *client.Connection) error {
	replies, err := greeter.ServerStream.Call(ctx, conn, greeter.Req("world"))
	if err != nil {
		return fmt.Errorf("serverStream: %w", err)
	}
	for reply := range replies.Messages() {
		fmt.Println("server stream reply:", reply.Message)
	}
	if err := replies.Err(); err != nil {
		return fmt.Errorf("serverStream: %w", err)
	}
	return nil
}

// bidiStream reads each reply before writing the next request.
func bidiStream(ctx context.Context, conn *client.Connection) error {
	stream, err := greeter.BiStream.Open(ctx, conn)
	if err != nil {
		return fmt.Errorf("biStream: %w", err)
	}
	for _, name := range []string{"alice", "bob"} {
		if err := stream.Write(greeter.Req(name)); err != nil {
			return fmt.Errorf("biStream: %w", err)
		}
		reply, err := stream.Read()
		if err != nil {
			return fmt.Errorf("biStream: %w", err)
		}
		fmt.Println("bidi reply:", reply.Message)
	}
	if err := stream.DoneWriting(); err != nil {
		return fmt.Errorf("biStream: %w", err)
	}
	if _, err := stream.Read(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("biStream: want the end of the stream, got %v", err)
	}
	fmt.Println("bidi stream: end")
	return nil
}
