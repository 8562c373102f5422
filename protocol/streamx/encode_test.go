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

// Encoding a 16-byte message for Write allocates nothing once warm: it
// goes into a pooled scratch buffer (the transport's part is
// TestWrite16BytesAllocatesNothingPerMessage).
func TestEncodeSmallAllocatesNothing(t *testing.T) {
	if raceOn {
		t.Skip("-race makes sync.Pool drop items: allocation counts do not hold")
	}
	tc, err := newTyped[*pb.GreeterRequest](ProtoCodec{})
	if err != nil {
		t.Fatal(err)
	}
	m := &pb.GreeterRequest{Name: "0123456789abcdef"}
	if n := testing.AllocsPerRun(1000, func() {
		b, p, _, err := tc.encode(m)
		if err != nil {
			t.Fatal(err)
		}
		releaseScratch(p, b)
	}); n != 0 {
		t.Errorf("%.1f allocations per 16-byte encoding, want 0", n)
	}
}

// raceOn is set under -race (race_test.go).
var raceOn bool
