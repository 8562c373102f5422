// Package streamx gives dubbo-go the streaming API of dubbo-python, over
// Triple, and serves it with a transport of its own.
//
// Import it (a blank import is enough) and the "tri" protocol of dubbo-go is
// served by streamx: providers export through it, consumers refer through
// it, and registries and dubbo-python peers see ordinary tri URLs.
//
// # Declaring methods
//
// A method is declared once with its name on the wire and its message types,
// and shared by consumers and providers:
//
//	var BiStream = streamx.NewBidiStream[*pb.GreeterRequest, *pb.GreeterReply]("biStream")
//
// Messages are protobuf by default; WithCodec(JSONCodec{}) carries plain Go
// values as JSON and RawCodec carries []byte, per method, as dubbo-python's
// per-method serializers do.
//
// # Consumers
//
// Calls go through a dubbo-go *client.Connection (client.Dial), so
// clusters, load balancing, registries and consumer filters apply:
//
//	reply, err := SayHello.Call(ctx, conn, req)          // unary
//	s, err := ClientStream.Open(ctx, conn)                // Write..., DoneWriting, Read
//	r, err := ClientStream.OpenWith(ctx, conn, seq)       // requests from an iter.Seq
//	r, err := ServerStream.Call(ctx, conn, req)           // read the replies
//	s, err := BiStream.Open(ctx, conn)                    // read and write, two goroutines
//
// # Providers
//
// Handlers get the same stream types; a Service needs no generated code:
//
//	svc := streamx.NewService("org.apache.dubbo.samples.data.Greeter")
//	BiStream.Handle(svc, func(ctx context.Context, s *streamx.ReadWriteStream[*pb.GreeterRequest, *pb.GreeterReply]) error { ... })
//	err := streamx.Register(srv, svc)                    // srv from server.NewServer
//
// # Reading
//
// ReadStream.Read blocks for the next message. At the end it returns io.EOF
// (test with errors.Is), and again on every later call; a failed RPC returns
// an *Error with the status code and message, again on every later call.
// ReadTimeout returns ErrReadTimeout when its time passes, like dubbo-python's
// read(timeout) returning None: the stream stays open and no message is lost,
// duplicated or reordered. Messages and All iterate with range-over-func;
// breaking out of the loop closes the stream (on a consumer, the call is
// cancelled). Cancelling the call's context ends a pending read at once.
//
// # Writing
//
// WriteStream.Write sends a message; DoneWriting ends the writes (dubbo-python's
// done_writing). Write after DoneWriting returns ErrWriteAfterDone, a second
// DoneWriting returns ErrDoneTwice, and CanWriteMore reports whether a Write
// may still succeed.
//
// # Metadata
//
// Headers and trailers are http.Header, the same on every call kind. A
// consumer passes WithRequestHeader, ResponseHeader and ResponseTrailer to
// Call, Open or OpenWith (streams also have Header and Trailer); a handler
// uses RequestHeader, SetHeader (before its first message) and SetTrailer
// (until it returns) with its ctx. Keys ending in "-bin" hold raw bytes:
// base64 on the wire, decoded on receipt. dubbo-go attachments in the
// context are request headers as before. An *Error carries google.rpc.Status
// details (AddDetail, Details), as grpc-go's status package does.
//
// # Errors
//
// Every RPC failure is an *Error with a Code (the gRPC status codes). A
// handler's *Error reaches the caller as is; any other handler error reaches
// it as CodeUnknown with the error's text; a panicking handler fails its call
// with CodeInternal and the provider goes on.
package streamx
