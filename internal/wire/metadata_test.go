package wire_test

import (
	"net/http"
	"testing"

	"github.com/dubbo-go-streamx/streamx/internal/status"
	"github.com/dubbo-go-streamx/streamx/internal/wire"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// -bin values: raw bytes out, padded and unpadded base64 in (grpc-go
// accepts both), repeated values joined with commas split again.
func TestBinValues(t *testing.T) {
	out := wire.EncodeBin(http.Header{"x-a-bin": {"\xff\x00"}, "x-text": {"t"}})
	//lint:ignore SA1008 the transport keeps header names in their lower-case wire form
	if got := out["x-a-bin"][0]; got != "/wA" {
		t.Fatalf("encoded %q, want unpadded /wA", got)
	}
	in := http.Header{"X-A-Bin": {"/wA="}, "X-B-Bin": {"/wA,AQ"}, "X-Text": {"/wA="}}
	if err := wire.DecodeBin(in); err != nil {
		t.Fatal(err)
	}
	if in["X-A-Bin"][0] != "\xff\x00" || len(in["X-B-Bin"]) != 2 || in["X-B-Bin"][1] != "\x01" || in["X-Text"][0] != "/wA=" {
		t.Fatalf("decoded %q", in)
	}
	if err := wire.DecodeBin(http.Header{"X-C-Bin": {"!!"}}); err == nil {
		t.Fatal("malformed base64 accepted")
	}
}

// Status details cross in grpc-status-details-bin, in trailers and in a
// trailers-only response.
func TestStatusDetailsRoundTrip(t *testing.T) {
	e := status.New(status.NotFound, "gone")
	if err := e.AddDetail(wrapperspb.String("why")); err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	wire.SetStatus(h, e)
	gotErr, ok := wire.StatusFrom(h)
	got, _ := status.As(gotErr)
	if !ok || got == nil || got.Code() != status.NotFound || len(got.Details()) != 1 {
		t.Fatalf("got %v %v", got, ok)
	}
	m, err := got.Details()[0].UnmarshalNew()
	if err != nil || m.(*wrapperspb.StringValue).GetValue() != "why" {
		t.Fatalf("detail %v %v", m, err)
	}
}
