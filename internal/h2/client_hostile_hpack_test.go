package h2_test

import (
	"slices"
	"testing"
	"time"

	"golang.org/x/net/http2"

	"github.com/dubbo-go-streamx/streamx/internal/h2"
	"github.com/dubbo-go-streamx/streamx/internal/h2test"
)

// A provider whose SETTINGS lower SETTINGS_HEADER_TABLE_SIZE to 0 and
// raise it to 65536 in one frame: the request's header block starts with
// a size update of 0 (the smallest), then one of the final size (RFC
// 7541 4.2), 4096 (the encoder keeps HPACK's default table). Before the
// fix only the 4096 was sent.
func TestHostileProviderTableSizeDownAndUp(t *testing.T) {
	l, tr := hostileProvider(t, h2.Limits{})
	ch := startCall(callCtx(t, 2*time.Second), tr, "/x", []byte("x"), true)
	p := l.Accept(2 * time.Second)
	p.Fr.ReadMetaHeaders = nil // the request's block is read raw below
	if err := p.TryHandshake(
		http2.Setting{ID: http2.SettingHeaderTableSize, Val: 0},
		http2.Setting{ID: http2.SettingHeaderTableSize, Val: 65536},
	); err != nil {
		t.Fatal(err)
	}
	sizes, fields, err := h2test.SizeUpdates(p.RawBlock(1, 2*time.Second), 65536)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sizes, []uint32{0, 4096}) {
		t.Fatalf("the request's block starts with size updates %v; want [0 4096]", sizes)
	}
	if len(fields) == 0 || fields[0].Name != ":method" || fields[0].Value != "POST" {
		t.Fatalf("the request's fields: %v", fields)
	}
	_ = p.Conn.Close()
	expectFailed(t, ch, 2*time.Second, "after the provider closed")
}
