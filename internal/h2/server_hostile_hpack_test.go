package h2_test

import (
	"slices"
	"testing"
	"time"

	"golang.org/x/net/http2"

	"github.com/dubbo-go-streamx/streamx/internal/h2"
	"github.com/dubbo-go-streamx/streamx/internal/h2test"
)

// A SETTINGS frame that lowers SETTINGS_HEADER_TABLE_SIZE to 0 and raises
// it to 65536: the response's header block starts with a size update of 0
// (the smallest), then one of the final size (RFC 7541 4.2), which is
// 4096 (the encoder keeps its table at HPACK's default, as x/net's and
// grpc-go's do). Before the fix only the 4096 was sent: the client's
// decoder would have kept entries the 0 told it to drop.
func TestHostileTableSizeDownAndUp(t *testing.T) {
	addr := hostileServer(t, h2.Limits{}, nil)
	p := h2test.Dial(t, addr)
	p.Handshake(
		http2.Setting{ID: http2.SettingHeaderTableSize, Val: 0},
		http2.Setting{ID: http2.SettingHeaderTableSize, Val: 65536},
	)
	if err := p.Request(1, "/ok", true); err != nil {
		t.Fatal(err)
	}
	sizes, fields, err := h2test.SizeUpdates(p.RawBlock(1, 2*time.Second), 65536)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sizes, []uint32{0, 4096}) {
		t.Fatalf("the response's block starts with size updates %v; want [0 4096]", sizes)
	}
	if len(fields) == 0 || fields[0].Name != ":status" || fields[0].Value != "200" {
		t.Fatalf("the response's fields: %v", fields)
	}
}
