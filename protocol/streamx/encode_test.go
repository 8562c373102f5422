package streamx

import (
	"strings"
	"testing"

	"github.com/dubbo-go-streamx/streamx/internal/mem"
	"github.com/dubbo-go-streamx/streamx/internal/transport"
	pb "github.com/dubbo-go-streamx/streamx/samples/proto"
	"google.golang.org/protobuf/proto"
)

// Write's encoder sends large proto messages from a pooled buffer the
// transport takes (owned) and small ones from a scratch buffer: a large
// message after small ones is encoded in scratch once, and the next large
// one is sized and pooled; a small one after large ones goes back to
// scratch. Every encoding decodes to the message.
func TestEncodePoolsLargeMessages(t *testing.T) {
	tc, err := newTyped[*pb.GreeterRequest](ProtoCodec{})
	if err != nil {
		t.Fatal(err)
	}
	small := &pb.GreeterRequest{Name: "hello"}
	large := &pb.GreeterRequest{Name: strings.Repeat("x", 2*transport.MinOwned)}
	for i, step := range []struct {
		msg   *pb.GreeterRequest
		owned bool
	}{
		{small, false}, {large, false}, {large, true}, {large, true}, {small, false}, {small, false}, {large, false},
	} {
		b, p, owned, err := tc.encode(step.msg)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if owned != step.owned {
			t.Fatalf("step %d (%d bytes): owned %v, want %v", i, len(b), owned, step.owned)
		}
		var got pb.GreeterRequest
		if err := proto.Unmarshal(b, &got); err != nil || got.Name != step.msg.Name {
			t.Fatalf("step %d: decodes to %d bytes of name, %v", i, len(got.Name), err)
		}
		if owned {
			if &(*p)[:1][0] != &b[:1][0] {
				t.Fatalf("step %d: the encoding is not in the pooled buffer", i)
			}
			mem.Put(p)
		} else {
			releaseScratch(p, b)
		}
	}
}
