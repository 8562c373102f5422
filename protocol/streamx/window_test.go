package streamx_test

import (
	"net"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"

	"github.com/dubbo-go-streamx/streamx/internal/testenv"
	"github.com/dubbo-go-streamx/streamx/samples/greeter/testgreeter"
)

// TestProviderFlowControlWindows: the provider grants a stream window of
// just under 4 MiB and a connection window of at least that, so a dubbo-python 3.0.0b1 client never
// has a message of up to ~4 MiB wait for a WINDOW_UPDATE, the path on which
// its sender truncates requests.
func TestProviderFlowControlWindows(t *testing.T) {
	url := testenv.Serve(t, testgreeter.NewService())
	c, err := net.DialTimeout("tcp", strings.TrimPrefix(url, "tri://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte(http2.ClientPreface)); err != nil {
		t.Fatal(err)
	}
	fr := http2.NewFramer(c, c)
	if err := fr.WriteSettings(); err != nil {
		t.Fatal(err)
	}
	const want = 4<<20 - 1
	var streamWin, connWin uint32 = 0, 65535
	for streamWin == 0 || connWin < want {
		f, err := fr.ReadFrame()
		if err != nil {
			t.Fatalf("stream window %d, connection window %d; then %v", streamWin, connWin, err)
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if v, ok := f.Value(http2.SettingInitialWindowSize); ok {
				streamWin = v
			} else if !f.IsAck() && streamWin == 0 {
				streamWin = 65535
			}
		case *http2.WindowUpdateFrame:
			if f.StreamID == 0 {
				connWin += f.Increment
			}
		}
	}
	if streamWin != want || connWin < want {
		t.Fatalf("stream window %d, connection window %d, want %d and at least that", streamWin, connWin, want)
	}
}
