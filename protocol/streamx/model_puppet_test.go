package streamx_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
)

// The model test's provider: one handler per call kind, each a puppet that
// does what the test's driver tells it, one command at a time, and reports
// what happened. The driver finds a call's puppet by the request header
// modelSeqHeader.

const (
	modelService    = "test.Model"
	modelSeqHeader  = "model-seq"
	modelHeaderKey  = "x-model-h"
	modelTrailerKey = "x-model-t"
)

var (
	modelUnary  = streamx.NewUnary[greeter.Request, greeter.Reply]("modelUnary")
	modelClient = streamx.NewClientStream[greeter.Request, greeter.Reply]("modelClient")
	modelServer = streamx.NewServerStream[greeter.Request, greeter.Reply]("modelServer")
	modelBidi   = streamx.NewBidiStream[greeter.Request, greeter.Reply]("modelBidi")
)

// puppetOp is what a handler is told to do.
type puppetOp int

const (
	pRead puppetOp = iota
	pReadTimeout
	pIter // range over Messages, break after n
	pWrite
	pWriteNil
	pWriteN // write the messages named in arg (comma-separated), floodSize bytes each
	pDoneWriting
	pSetHeader
	pSetTrailer
	pAwaitCtx // wait (up to endSlack) for the handler's context to be done
	// Terminal: the handler returns after acknowledging.
	pReturn
	pReturnNil // unary, client stream: a nil reply
	pReturnErr
	pPanic
)

var puppetOpNames = [...]string{"Read", "ReadTimeout", "Iter", "Write", "WriteNil", "WriteN", "DoneWriting",
	"SetHeader", "SetTrailer", "AwaitCtx", "Return", "ReturnNil", "ReturnErr", "Panic"}

func (o puppetOp) String() string { return puppetOpNames[o] }

type puppetCmd struct {
	op   puppetOp
	arg  string        // the message to write, header value, error text
	d    time.Duration // pReadTimeout
	n    int           // pIter
	code streamx.Code  // pReturnErr
}

func (c puppetCmd) String() string {
	switch c.op {
	case pReadTimeout:
		return fmt.Sprintf("p.ReadTimeout(%v)", c.d)
	case pIter:
		return fmt.Sprintf("p.Iter(break after %d)", c.n)
	case pReturnErr:
		return fmt.Sprintf("p.Return(%v)", c.code)
	case pWrite, pSetHeader, pSetTrailer:
		return fmt.Sprintf("p.%v(%q)", c.op, c.arg)
	}
	return "p." + c.op.String() + "()"
}

// outcome is what one operation returned, on either side.
type outcome struct {
	msg  string   // a message read
	msgs []string // messages an iteration read
	err  error
}

func (o outcome) String() string {
	var b strings.Builder
	if o.msgs != nil {
		fmt.Fprintf(&b, "msgs=%q ", o.msgs)
	}
	if o.msg != "" {
		fmt.Fprintf(&b, "msg=%q ", short(o.msg))
	}
	fmt.Fprintf(&b, "err=%s", describeErr(o.err))
	return b.String()
}

// arrival is what a handler reports when it starts.
type arrival struct {
	req         string // the request's name (unary, server stream)
	hasDeadline bool   // its context has a deadline
}

// floodSize is the size of the messages that fill a flow-control window.
const floodSize = 16 << 10

func floodMsg(name string) string { return name + ":" + strings.Repeat("x", floodSize) }

// short shortens a flood message for the step log.
func short(msg string) string {
	if len(msg) > 40 {
		return fmt.Sprintf("%s...(%d bytes)", msg[:12], len(msg))
	}
	return msg
}

// puppet is one call's handler as the driver sees it.
type puppet struct {
	arrived chan arrival // the handler started
	cmds    chan puppetCmd
	results chan outcome
	exited  chan struct{}   // closed when the handler function has returned
	quit    chan struct{}   // closed by the driver: return at once
	ctx     context.Context // the handler's, set before arrived: for SetHeader and SetTrailer after it returned
}

func newPuppet() *puppet {
	return &puppet{
		arrived: make(chan arrival, 1),
		cmds:    make(chan puppetCmd),
		results: make(chan outcome, 1),
		exited:  make(chan struct{}),
		quit:    make(chan struct{}),
	}
}

// puppets maps a call's modelSeqHeader to its puppet.
type puppets struct{ m sync.Map }

func (ps *puppets) add(id string) *puppet {
	p := newPuppet()
	ps.m.Store(id, p)
	return p
}

func (ps *puppets) remove(id string) { ps.m.Delete(id) }

func (ps *puppets) find(ctx context.Context) (*puppet, error) {
	id := streamx.RequestHeader(ctx).Get(modelSeqHeader)
	if p, ok := ps.m.Load(id); ok {
		return p.(*puppet), nil
	}
	return nil, streamx.Errorf(streamx.CodeNotFound, "model: no puppet for sequence %q", id)
}

// service returns the provider whose handlers are the puppets.
func (ps *puppets) service() *streamx.Service {
	svc := streamx.NewService(modelService)
	modelUnary.Handle(svc, func(ctx context.Context, req greeter.Request) (greeter.Reply, error) {
		p, err := ps.find(ctx)
		if err != nil {
			return nil, err
		}
		return p.serve(ctx, req.GetName(), nil, nil, "u:"+req.GetName())
	})
	modelClient.Handle(svc, func(ctx context.Context, in *streamx.ReadStream[greeter.Request]) (greeter.Reply, error) {
		p, err := ps.find(ctx)
		if err != nil {
			return nil, err
		}
		return p.serve(ctx, "", in, nil, "")
	})
	modelServer.Handle(svc, func(ctx context.Context, req greeter.Request, out *streamx.WriteStream[greeter.Reply]) error {
		p, err := ps.find(ctx)
		if err != nil {
			return err
		}
		_, err = p.serve(ctx, req.GetName(), nil, out, "")
		return err
	})
	modelBidi.Handle(svc, func(ctx context.Context, s *streamx.ReadWriteStream[greeter.Request, greeter.Reply]) error {
		p, err := ps.find(ctx)
		if err != nil {
			return err
		}
		_, err = p.serve(ctx, "", s.ReadStream, s.WriteStream, "")
		return err
	})
	return svc
}

// serve runs the driver's commands until a terminal one. A client-stream
// handler's reply is "cs:" and the names it read, joined by commas; a unary
// handler's is reply.
func (p *puppet) serve(ctx context.Context, req string, in *streamx.ReadStream[greeter.Request], out *streamx.WriteStream[greeter.Reply], reply string) (greeter.Reply, error) {
	defer close(p.exited)
	p.ctx = ctx
	_, hasDeadline := ctx.Deadline()
	p.arrived <- arrival{req, hasDeadline}
	var names []string
	read := func(m greeter.Request, err error) outcome {
		if err != nil {
			return outcome{err: err}
		}
		names = append(names, m.GetName())
		return outcome{msg: m.GetName()}
	}
	for {
		var c puppetCmd
		select {
		case c = <-p.cmds:
		case <-p.quit:
			return nil, streamx.NewError(streamx.CodeAborted, "model: the sequence is over")
		}
		var o outcome
		switch c.op {
		case pRead:
			o = read(in.Read())
		case pReadTimeout:
			o = read(in.ReadTimeout(c.d))
		case pIter:
			o.msgs = []string{}
			for m := range in.Messages() {
				o.msgs = append(o.msgs, m.GetName())
				names = append(names, m.GetName())
				if len(o.msgs) == c.n {
					break
				}
			}
			o.err = in.Err()
		case pWrite:
			o.err = out.Write(&pb.GreeterReply{Message: c.arg})
		case pWriteNil:
			o.err = out.Write(nil)
		case pWriteN:
			o.msgs = []string{}
			for _, name := range strings.Split(c.arg, ",") {
				if o.err = out.Write(&pb.GreeterReply{Message: floodMsg(name)}); o.err != nil {
					break
				}
				o.msgs = append(o.msgs, name)
			}
		case pDoneWriting:
			o.err = out.DoneWriting()
		case pSetHeader:
			o.err = streamx.SetHeader(ctx, http.Header{modelHeaderKey: {c.arg}})
		case pSetTrailer:
			o.err = streamx.SetTrailer(ctx, http.Header{modelTrailerKey: {c.arg}})
		case pAwaitCtx:
			t := time.NewTimer(endSlack)
			select {
			case <-ctx.Done():
				o.err = ctx.Err()
			case <-t.C:
				o.err = fmt.Errorf("model: the handler's context is not done %v after the consumer went away", endSlack)
			}
			t.Stop()
		case pReturn:
			p.results <- o
			if reply == "" {
				reply = "cs:" + strings.Join(names, ",")
			}
			return &pb.GreeterReply{Message: reply}, nil
		case pReturnNil:
			p.results <- o
			return nil, nil
		case pReturnErr:
			p.results <- o
			return nil, streamx.NewError(c.code, c.arg)
		case pPanic:
			p.results <- o
			panic("model: " + c.arg)
		}
		p.results <- o
	}
}
