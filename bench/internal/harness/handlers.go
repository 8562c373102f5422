package harness

import (
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"

	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
)

// The handlers below are the whole server logic, shared by the three
// frameworks so that only the transport differs.

// Echo replies to every request with its name, until the end of the stream.
func Echo(s ServerStream) error {
	for {
		req, err := s.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := s.Send(&pb.GreeterReply{Message: req.Name}); err != nil {
			return err
		}
	}
}

// Sink reads every request and, at the end of the stream, replies how many
// it read, so the client knows they all arrived.
func Sink(s ServerStream) error {
	n := 0
	for {
		_, err := s.Recv()
		if errors.Is(err, io.EOF) {
			return s.Send(&pb.GreeterReply{Message: strconv.Itoa(n)})
		}
		if err != nil {
			return err
		}
		n++
	}
}

// Source reads one request whose name is a size and sends replies of that
// many bytes until a send fails (the client cancels the stream).
func Source(s ServerStream) error {
	req, err := s.Recv()
	if err != nil {
		return err
	}
	size, err := strconv.Atoi(req.Name)
	if err != nil || size < 0 || size > 1<<20 {
		return errors.New("source: the request's name must be a size in bytes")
	}
	// One reply, reused: every framework encodes it before Send returns.
	reply := &pb.GreeterReply{Message: strings.Repeat("x", size)}
	for {
		if err := s.Send(reply); err != nil {
			return nil // the client went away: that is how a source ends
		}
	}
}

// Unary echoes the request's name.
func Unary(req *pb.GreeterRequest) *pb.GreeterReply {
	return &pb.GreeterReply{Message: req.Name}
}

// StatsReply returns the server's Stats as JSON in the reply.
func StatsReply() *pb.GreeterReply {
	b, _ := json.Marshal(TakeStats())
	return &pb.GreeterReply{Message: string(b)}
}
