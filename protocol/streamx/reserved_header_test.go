package streamx_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"dubbo.apache.org/dubbo-go/v3/common/constant"

	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/protocol/streamx"
	"github.com/dubbo-go-streamx/streamx/samples/greeter"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
)

// reservedNames are the names either side reserved before they shared one
// list (the consumer's and the provider's differed), in the case a user
// might write them.
var reservedNames = []string{
	"Content-Type", "te", "Host", "connection", "Keep-Alive", "transfer-encoding",
	"Upgrade", "user-agent", "Trailer", "content-length", "timeout", "retries",
	constant.InterfaceKey, "Grpc-Status", "grpc-x", "bad name", "a:b",
}

var reservedProbe = streamx.NewUnary[greeter.Request, greeter.Reply]("reservedProbe")

// The provider answers with what SetHeader and SetTrailer said to the
// header named in the request, and the request's values under that name.
func reservedService() *streamx.Service {
	svc := streamx.NewService("test.Reserved")
	reservedProbe.Handle(svc, func(ctx context.Context, r greeter.Request) (greeter.Reply, error) {
		he := streamx.SetHeader(ctx, http.Header{r.Name: {"zz-user"}})
		te := streamx.SetTrailer(ctx, http.Header{r.Name: {"zz-user"}})
		got := strings.Join(streamx.RequestHeader(ctx).Values(r.Name), ",")
		return &pb.GreeterReply{Message: streamx.CodeOf(he).String() + " " + streamx.CodeOf(te).String() + " " + got}, nil
	})
	return svc
}

// A reserved name is refused with CodeInvalidArgument on both sides, in
// any case: in a consumer's request headers and in a provider's response
// headers and trailers; as a dubbo-go attachment it is not sent.
func TestReservedHeaderBothSides(t *testing.T) {
	noLeaks(t)
	conn := testenv.Dial(t, "test.Reserved", serve(t, reservedService()))
	for _, name := range reservedNames {
		_, err := reservedProbe.Call(ctxT(t), conn, greeter.Req("x"), streamx.WithRequestHeader(http.Header{name: {"zz-user"}}))
		if streamx.CodeOf(err) != streamx.CodeInvalidArgument || !strings.Contains(err.Error(), "header") {
			t.Errorf("request header %q: %v, want invalid_argument naming the header", name, err)
		}
		ctx := context.WithValue(ctxT(t), constant.AttachmentKey, map[string]any{name: "zz-user"})
		r, err := reservedProbe.Call(ctx, conn, greeter.Req(name))
		if err != nil {
			t.Errorf("%q: %v", name, err)
			continue
		}
		f := strings.SplitN(r.Message, " ", 3)
		if f[0] != "invalid_argument" || f[1] != "invalid_argument" {
			t.Errorf("provider SetHeader/SetTrailer %q: %s %s, want invalid_argument twice", name, f[0], f[1])
		}
		if slices.Contains(strings.Split(f[2], ","), "zz-user") {
			t.Errorf("attachment %q reached the provider: %q", name, f[2])
		}
	}
}
